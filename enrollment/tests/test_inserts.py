"""The one-statement insert (vssid.db.inserts) hands PostgreSQL the values the ORM would."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from enrollment import services
from enrollment.models import Registration
from messaging.services import task_row
from messaging.tasks import deliver
from vssid.db import inserts

pytestmark = pytest.mark.django_db


def orm_and_ours(instance: Model) -> list[tuple[str, Any, Any]]:
    fields, _sql = inserts._row_sql(type(instance), "row", "", "", ())
    names = tuple(f.attname for f in fields)
    return [
        (attname, inserts._value(f, attname, plain, instance), f.get_db_prep_save(f.pre_save(instance, True), connection))
        for f, attname, plain in inserts._preparers(type(instance), names)
        if not getattr(f, "auto_now_add", False)  # stamped with the time of each call
    ]


def test_the_values_of_a_submissions_rows_are_the_orms() -> None:
    registration = Registration(
        person_id=1,
        office_id="00106",
        full_name="Nguyễn Văn An",
        ssn="0123456789",
        cccd="",
        date_of_birth=dt.date(1990, 5, 12),
        sex=1,
        phone="+84912345678",
        province_id="01",
        ward_id=None,
        street="Số 1 phố Tôn Đức Thắng",
        created_at=timezone.now(),
        photos_pending=True,
    )
    registration.id_front.name = "registrations/incoming/a.upload"
    registration.fill_derived()
    rows = services._new_rows(registration, None)
    task = task_row(deliver, 1)
    assert task is not None
    for instance in (registration, rows.otp, rows.sms, rows.event, task):
        for attname, ours, orms in orm_and_ours(instance):
            assert type(ours) is type(orms), (type(instance).__name__, attname)
            assert repr(ours) == repr(orms), (type(instance).__name__, attname)
