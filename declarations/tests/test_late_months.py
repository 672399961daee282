"""The register's late months (ParticipationPeriod.late_months) come from the ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from declarations import alerts, late
from declarations import demo as declarations_demo
from declarations.models import Debt
from declarations.tests.support import BINH, DEMO_EMPLOYER, bearer, upload, workbook
from registry.models import ParticipationPeriod, Person

pytestmark = pytest.mark.django_db
NEW_CCCD = "001199012377"
OCTOBER = dt.date(2026, 10, 1)


def _at(day: dt.date) -> Any:
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 9, tzinfo=dt.UTC), tick=False)


def _process_october(client: Client) -> None:
    hr, staff = bearer(client, "nhansu.demo"), bearer(client, "canbo.dongda")
    rows = [
        {"HoTen": "Phạm Văn Trễ", "MaSoBhxh": NEW_CCCD, "PhuongAnId": "TM", "NgaySinh": "01/02/1991", "GioiTinh": "1",
         "ChucVu": "Thợ máy", "TienLuong": 9_000_000, "TuThang": "10/2026"},
        {"HoTen": "Trần Thị Bình", "MaSoBhxh": BINH, "PhuongAnId": "DC", "ChucVu": "Trưởng nhóm",
         "TienLuong": 12_000_000, "TuThang": "10/2026"},
    ]  # fmt: skip
    created = upload(client, hr, workbook(rows))
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert client.post(f"/api/v1/employer/declarations/{pk}/submit", **hr).status_code == 200
    assert client.post(f"/api/v1/staff/declarations/{pk}/receive", **staff).status_code == 200
    done = client.post(f"/api/v1/staff/declarations/{pk}/process", **staff)
    assert done.status_code == 200, done.content


def _late(person: Person, month: dt.date) -> dict[str, int]:
    """late_months per scheme of the person's periods at the demo employer covering `month`."""
    return dict(
        ParticipationPeriod.objects.filter(person=person, employer_id=DEMO_EMPLOYER, from_month__lte=month)
        .exclude(to_month__lt=month)
        .values_list("scheme", "late_months")
    )


def _api_period(client: Client, month: str) -> dict[str, Any]:
    body = client.get("/api/v1/me/participation?scheme=bhxh", **bearer(client, BINH)).json()
    return {"total": body["late_months"], "row": next(p for p in body["periods"] if p["from_month"] == month)}


def test_month_unpaid_past_its_deadline_is_late_for_the_worker_and_in_the_citizen_history(client: Client) -> None:
    binh = Person.objects.get(ssn=BINH)
    assert _late(binh, dt.date(2026, 7, 1))["bhxh"] == 0
    # The demo ledger opens 05/2026 and pays 07/2026 twelve days after its deadline: a late month
    # on Bình's period covering it. 10/2026 (deadline 30/11/2026) is left unpaid.
    declarations_demo.seed(dt.date(2026, 11, 20))
    assert _late(binh, dt.date(2026, 7, 1))["bhxh"] == 1
    with _at(dt.date(2026, 11, 20)):
        _process_october(client)
        newcomer = Person.objects.get(cccd=NEW_CCCD)
        alerts.flag_overdue()
        # Before the deadline (30/11/2026) an unpaid month is not late.
        assert _late(newcomer, OCTOBER) == {"bhxh": 0, "bhyt": 0, "bhtn": 0, "bhtnld": 0}
        before = _api_period(client, "10/2026")
        assert before["row"]["late_months"] == 0
    with _at(dt.date(2026, 12, 3)):
        alerts.flag_overdue()  # the daily late check
        assert _late(newcomer, OCTOBER) == {"bhxh": 1, "bhyt": 1, "bhtn": 1, "bhtnld": 1}
        assert _late(binh, OCTOBER)["bhxh"] == 1
        after = _api_period(client, "10/2026")
        assert after["row"]["late_months"] == 1 and after["total"] == before["total"] + 1
        # The month paid late before still counts, on the period that covers it.
        assert _late(binh, dt.date(2026, 7, 1))["bhxh"] == 1
        # Paying it now leaves it late (paid after the deadline).
        debt = Debt.objects.get(employer_id=DEMO_EMPLOYER, period=OCTOBER)
        paid = client.post(
            "/api/v1/staff/payments",
            {"employer": DEMO_EMPLOYER, "amount": debt.unpaid, "paid_on": "2026-12-03", "reference": "UNC-LATE"},
            content_type="application/json",
            **bearer(client, "canbo.dongda"),
        )
        assert paid.status_code == 201, paid.content
        assert Debt.objects.get(pk=debt.pk).unpaid == 0
        assert _late(newcomer, OCTOBER)["bhxh"] == 1
        assert _api_period(client, "10/2026")["row"]["late_months"] == 1


def test_month_paid_before_its_deadline_is_not_late(client: Client) -> None:
    binh = Person.objects.get(ssn=BINH)
    with _at(dt.date(2026, 11, 20)):
        _process_october(client)
        newcomer = Person.objects.get(cccd=NEW_CCCD)
        debt = Debt.objects.get(employer_id=DEMO_EMPLOYER, period=OCTOBER)
        paid = client.post(
            "/api/v1/staff/payments",
            {"employer": DEMO_EMPLOYER, "amount": debt.unpaid, "paid_on": "2026-11-20", "reference": "UNC-ONTIME"},
            content_type="application/json",
            **bearer(client, "canbo.dongda"),
        )
        assert paid.status_code == 201, paid.content
    with _at(dt.date(2026, 12, 3)):
        alerts.flag_overdue()
        assert _late(newcomer, OCTOBER) == {"bhxh": 0, "bhyt": 0, "bhtn": 0, "bhtnld": 0}
        assert _late(binh, OCTOBER)["bhxh"] == 0
        assert _api_period(client, "10/2026")["row"]["late_months"] == 0


def test_ledger_replaces_the_count_of_the_periods_it_covers_only(client: Client) -> None:
    binh = Person.objects.get(ssn=BINH)
    with _at(dt.date(2026, 11, 20)):
        _process_october(client)
        covered = ParticipationPeriod.objects.get(person=binh, scheme="bhxh", from_month=OCTOBER)
        older = ParticipationPeriod.objects.filter(person=binh, scheme="bhxh", to_month__lt=dt.date(2020, 1, 1)).first()
        assert older is not None
        # Counts from elsewhere: the period the ledger covers (10/2026, not late) is recounted, the
        # register's history before the ledger keeps its figure.
        ParticipationPeriod.objects.filter(pk__in=[covered.pk, older.pk]).update(late_months=3)
        assert late.refresh(DEMO_EMPLOYER) == 1
        assert ParticipationPeriod.objects.get(pk=covered.pk).late_months == 0
        assert ParticipationPeriod.objects.get(pk=older.pk).late_months == 3
