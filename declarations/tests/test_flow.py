"""A dossier from upload through processing, the C12 and payment, as the employer, office and citizen see it."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from declarations.models import AlertSetting, Debt
from declarations.tests.support import BINH, DEMO_EMPLOYER, bearer, upload, workbook
from enrollment.tests.web_support import use_files
from messaging.services import deliver_due_messages
from registry.models import ParticipationPeriod, Person
from support.models import Notification

pytestmark = pytest.mark.django_db
NEW_CCCD = "001199012399"
RATES = {"bhxh": 0.25, "bhyt": 0.045, "bhtn": 0.02, "bhtnld": 0.005}


@pytest.fixture(autouse=True)
def files(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


@pytest.fixture(autouse=True)
def december() -> Any:
    with time_machine.travel(dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC), tick=False):
        yield


def _rows() -> list[dict[str, Any]]:
    return [
        # A first-time participant known only by CCCD; dates as text, as the template writes them.
        {
            "HoTen": "Lê Văn Mới",
            "MaSoBhxh": NEW_CCCD,
            "PhuongAnText": "TM-Tăng mới",
            "PhuongAnId": "TM",
            "NgaySinh": "05/06/1990",
            "GioiTinh": "1",
            "ChucVu": "Kỹ sư",
            "TienLuong": 10_000_000,
            "TuThang": "10/2026",
        },
        # Bình's raise, with the month as an Excel date cell.
        {
            "HoTen": "Trần Thị Bình",
            "MaSoBhxh": BINH,
            "PhuongAnId": "DC",
            "ChucVu": "Trưởng nhóm",
            "TienLuong": "12.000.000",
            "TuThang": dt.datetime(2026, 10, 1),
        },
    ]


def _process(client: Client, hr: dict[str, Any], staff: dict[str, Any]) -> dict[str, Any]:
    created = upload(client, hr, workbook(_rows()))
    assert created.status_code == 201, created.content
    dossier = created.json()
    assert dossier["status"] == "draft" and dossier["row_count"] == 2
    assert client.post(f"/api/v1/employer/declarations/{dossier['id']}/submit", **hr).status_code == 200
    again = client.post(f"/api/v1/employer/declarations/{dossier['id']}/submit", **hr)
    assert again.status_code == 409 and again.json()["code"] == "already_submitted"
    queue = client.get("/api/v1/staff/declarations", **staff).json()
    assert dossier["id"] in [d["id"] for d in queue["items"]]
    assert client.post(f"/api/v1/staff/declarations/{dossier['id']}/receive", **staff).status_code == 200
    done = client.post(f"/api/v1/staff/declarations/{dossier['id']}/process", **staff)
    assert done.status_code == 200, done.content
    twice = client.post(f"/api/v1/staff/declarations/{dossier['id']}/process", **staff)
    assert twice.status_code == 409
    result: dict[str, Any] = done.json()
    return result


def test_upload_to_payment(client: Client) -> None:
    hr, staff = bearer(client, "nhansu.demo"), bearer(client, "canbo.dongda")
    binh = Person.objects.get(ssn=BINH)
    AlertSetting.objects.create(person=binh, sms=True)
    before = list(
        ParticipationPeriod.objects.filter(person=binh, scheme="bhxh")
        .order_by("from_month")
        .values_list("from_month", "to_month", "salary_basis")
    )

    dossier = _process(client, hr, staff)
    assert re.fullmatch(r"\d{5}/2026/00106", dossier["number"])

    # The register changed exactly as the rows say: Bình's open period split at 10/2026, a new person and period.
    citizen = bearer(client, BINH)
    history = client.get("/api/v1/me/participation?scheme=bhxh", **citizen).json()
    rows = [(r["from_month"], r["to_month"], r["salary_basis"]) for r in history["rows"]] if "rows" in history else None
    after = list(
        ParticipationPeriod.objects.filter(person=binh, scheme="bhxh")
        .order_by("from_month")
        .values_list("from_month", "to_month", "salary_basis")
    )
    assert after[:-2] == before[:-1]
    assert after[-2][1] == dt.date(2026, 9, 1) and after[-1] == (dt.date(2026, 10, 1), None, 12_000_000)
    assert rows is None or len(rows) == len(after)
    newcomer = Person.objects.get(cccd=NEW_CCCD)
    assert re.fullmatch(r"\d{10}", newcomer.ssn) and newcomer.full_name == "Lê Văn Mới"
    assert set(
        ParticipationPeriod.objects.filter(person=newcomer).values_list(
            "scheme", "from_month", "to_month", "salary_basis", "employer_id"
        )
    ) == {(s, dt.date(2026, 10, 1), None, 10_000_000, DEMO_EMPLOYER) for s in RATES}

    # C12: B.3 per fund is the rate of the month on each worker's capped wage, from the register.
    statement = client.get("/api/v1/employer/statements/102026", **hr)
    assert statement.status_code == 200, statement.content
    lines = {line["stt"]: line for line in statement.json()["lines"]}
    month = dt.date(2026, 10, 1)
    expected = dict.fromkeys(RATES, 0)
    for scheme, salary in (
        ParticipationPeriod.objects.filter(employer_id=DEMO_EMPLOYER, from_month__lte=month)
        .exclude(to_month__lt=month)
        .values_list("scheme", "salary_basis")
    ):
        ceiling = 20 * 4_960_000 if scheme == "bhtn" else 20 * 2_340_000
        expected[scheme] += round(min(salary, ceiling) * RATES[scheme])
    assert {f: lines["B.3"][f] for f in RATES} == expected
    assert lines["B.3"]["cong"] == sum(expected.values())
    # A worker in all four schemes costs 32 % of the wage, split 25 / 4.5 / 2 / 0.5.
    from declarations.models import Charge

    charge = Charge.objects.get(person=newcomer, month=month)
    assert (charge.bhxh, charge.bhyt, charge.bhtn, charge.bhtnld, charge.total) == (
        2_500_000,
        450_000,
        200_000,
        50_000,
        3_200_000,
    )
    assert lines["Đ.2.2"]["cong"] >= lines["B.3"]["cong"]

    # Paid 5 days after the deadline (30/11/2026): the principal first, the interest stays owed.
    debt = Debt.objects.get(employer_id=DEMO_EMPLOYER, period=month)
    assert debt.deadline == dt.date(2026, 11, 30)
    paid = client.post(
        "/api/v1/staff/payments",
        {"employer": DEMO_EMPLOYER, "amount": debt.due, "paid_on": "2026-12-03", "reference": "UNC-001"},
        content_type="application/json",
        **staff,
    )
    assert paid.status_code == 201, paid.content
    debt.refresh_from_db()
    assert debt.unpaid == 0 and debt.paid_on == dt.date(2026, 12, 3) and debt.interest_paid == 0
    interest = sum(round(getattr(debt, f"due_{f}") * 0.0003 * 3) for f in RATES)
    assert interest > 0
    more = client.post(
        "/api/v1/staff/payments",
        {"employer": DEMO_EMPLOYER, "amount": interest, "paid_on": "2026-12-03", "reference": "UNC-002"},
        content_type="application/json",
        **staff,
    )
    assert more.status_code == 201 and more.json()["unallocated"] == 0
    debt.refresh_from_db()
    assert debt.interest_paid == interest

    # One notification per paid month, and the SMS Bình opted in to.
    notes = Notification.objects.filter(user__person=binh, kind="month_recorded")
    assert [n.text for n in notes] == [
        "Tháng 10/2026: Công ty Cổ phần Công nghệ Sông Hồng đã đóng BHXH cho bạn, mức lương 12.000.000 đ."
    ]
    deliver_due_messages()
    sms = [json.loads(line) for line in Path(settings.SMS_FILE_PATH).read_text().splitlines()]
    assert [m for m in sms if m["to"] == binh.phone and "Thang 10/2026" in m["body"]]
    statement = client.get("/api/v1/employer/statements/122026", **hr).json()
    lines = {line["stt"]: line for line in statement["lines"]}
    assert lines["D.1"]["cong"] == debt.due and lines["D.2"]["cong"] == interest
    pdf = client.get("/api/v1/employer/statements/102026.pdf", **hr)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
