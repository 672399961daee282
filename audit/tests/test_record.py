"""The audit trail: one row per read or change of personal data, kept even when the user goes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import RequestFactory

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from audit.services import record
from registry.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_row_names_the_actor_the_object_the_person_and_the_address(settings: Any) -> None:
    clerk = UserFactory(staff=True)
    person = PersonFactory()
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
    event = record(
        "registration.view", actor=clerk, object_type="registration", object_id=42, person=person, request=request, part="photo"
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_label, stored.action) == (clerk.pk, clerk.username, "registration.view")
    assert (stored.object_type, stored.object_id, stored.person_id) == ("registration", "42", person.pk)
    assert stored.ip == "203.0.113.7" and stored.detail == {"part": "photo"}


def test_the_address_behind_a_trusted_proxy_is_the_clients(settings: Any) -> None:
    settings.TRUSTED_PROXY_HOPS = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    event = record("card.view", actor=UserFactory(), object_type="card", object_id="x", request=request)
    assert event.ip == "198.51.100.4"


def test_the_system_and_anonymous_visitors_are_named_not_linked() -> None:
    from django.contrib.auth.models import AnonymousUser

    by_system = record("registration.expire", actor=None, object_type="registration", object_id=1)
    by_task = record("card.expiring_notice", actor="expiry task", object_type="card", object_id=1)
    anonymous = record("registration.status", actor=AnonymousUser(), object_type="registration", object_id=1)
    assert (by_system.actor_id, by_system.actor_label) == (None, "system")
    assert (by_task.actor_id, by_task.actor_label) == (None, "expiry task")
    assert anonymous.actor_id is None and anonymous.ip is None


def test_the_label_stays_when_the_user_is_removed() -> None:
    clerk = UserFactory(staff=True, username="canbo.thu")
    person = PersonFactory()
    event = record("person.view", actor=clerk, object_type="person", object_id=person.pk, person=person)
    clerk.delete()
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_id is None and stored.actor_label == "canbo.thu" and stored.person_id == person.pk


def test_a_row_rolls_back_with_the_change_it_describes() -> None:
    person = PersonFactory()
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record("person.update", actor=None, object_type="person", object_id=person.pk, person=person)
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == before


def test_factories_build_each_role() -> None:
    citizen, clerk, lead, hr = UserFactory(), UserFactory(staff=True), UserFactory(lead=True), UserFactory(employer_hr=True)
    assert citizen.person is not None and citizen.username == citizen.person.ssn and citizen.check_password("VssidDemo@2026")
    assert clerk.office_id == "00106" and lead.office_id == "001" and hr.employer is not None
    employed = PersonFactory(employed=True)
    assert employed.periods.filter(to_month__isnull=True).count() == 1


def test_a_change_is_audited_only_inside_its_transaction() -> None:
    from audit.services import record_change

    person = PersonFactory()
    with transaction.atomic():
        event = record_change("person.update", acting_user=None, object_type="person", object_id=person.pk, person=person)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# Only the audit table is emptied afterwards: the register seeded for the session stays.
@pytest.mark.django_db(transaction=True, available_apps=["audit"])
def test_a_change_audited_outside_a_transaction_fails_loudly() -> None:
    from audit.services import record_change

    with pytest.raises(RuntimeError, match="outside a transaction"):
        record_change("person.update", acting_user=None, object_type="person", object_id=1)
