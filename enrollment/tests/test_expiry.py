"""Submitted registrations whose 10 days have passed become expired, and the person is told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from enrollment.actions import expire_overdue
from enrollment.models import Registration
from messaging.models import Message
from registry.models import Person

pytestmark = pytest.mark.django_db


def make_registration(person: Person, *, deadline: dt.date, status: str = "submitted") -> Registration:
    return Registration.objects.create(
        reference=f"DK{person.pk:08d}"[:10],
        status=status,
        person=person,
        office_id="00106",
        full_name=person.full_name,
        ssn=person.ssn,
        cccd=person.cccd,
        date_of_birth=dt.date(1990, 5, 12),
        sex=person.sex,
        phone="+84912345678",
        province_id="01",
        street="Số 1 phố Thái Hà",
        submitted_at=timezone.now() - dt.timedelta(days=11),
        deadline=deadline,
    )


def test_only_past_deadlines_expire_and_each_person_is_told() -> None:
    today = timezone.localdate()
    an = Person.objects.get(ssn="0123456789")
    other = Person.objects.exclude(pk=an.pk).filter(account__isnull=True).first()
    assert other is not None
    late = make_registration(an, deadline=today - dt.timedelta(days=1))
    on_time = make_registration(other, deadline=today)
    assert expire_overdue(today) == 1
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.status == "expired" and on_time.status == "submitted"
    notice = Message.objects.get(kind="notice", to="+84912345678")
    assert late.reference in notice.body and notice.body.isascii() and len(notice.body) <= 160
    assert expire_overdue(today) == 0  # nothing left to do; no second notice
    assert Message.objects.filter(kind="notice", to="+84912345678").count() == 1


def test_received_files_do_not_expire() -> None:
    an = Person.objects.get(ssn="0123456789")
    received = make_registration(an, deadline=timezone.localdate() - dt.timedelta(days=3), status="received")
    expire_overdue()
    received.refresh_from_db()
    assert received.status == "received"


def test_expired_person_can_register_again() -> None:
    an = Person.objects.get(ssn="0123456789")
    make_registration(an, deadline=timezone.localdate() - dt.timedelta(days=1))
    expire_overdue()
    assert not Registration.objects.filter(person=an, status__in=["submitted", "received", "awaiting_confirmation"]).exists()
