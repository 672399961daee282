"""What each phương án does to the register and the ledger, the 60-day flag, and a bank statement."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from accounts.models import User
from declarations import actions, alerts, payments, services
from declarations.intake import RawRow
from declarations.models import Charge, Debt, Payment
from declarations.tests.support import BINH, DEMO_EMPLOYER, bearer
from registry.models import ParticipationPeriod, Person
from support.models import Notification

pytestmark = pytest.mark.django_db
OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def december() -> Any:
    with time_machine.travel(dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC), tick=False):
        yield


def users() -> tuple[User, User]:
    return User.objects.get(username="nhansu.demo"), User.objects.get(username="canbo.dongda")


def declare(period: dt.date, *rows: dict[str, Any]) -> Any:
    hr, staff = users()
    dossier = services.create_dossier(hr, period, raw=[RawRow(line=5 + i, values=r) for i, r in enumerate(rows)], source="api")
    services.submit(hr, dossier.pk)
    actions.receive(staff, dossier.pk)
    return actions.process(staff, dossier.pk)


def bhxh(person: Person) -> list[tuple[dt.date, dt.date | None, int]]:
    return list(
        ParticipationPeriod.objects.filter(person=person, scheme="bhxh", employer_id=DEMO_EMPLOYER)
        .order_by("from_month")
        .values_list("from_month", "to_month", "salary_basis")
    )


ROW = {"HoTen": "Trần Thị Bình", "MaSoBhxh": BINH}


def test_leave_stops_and_on_resumes_and_ad_is_an_amount_due() -> None:
    binh = Person.objects.get(ssn=BINH)
    wage = bhxh(binh)[-1][2]
    declare(OCT, {**ROW, "PhuongAnId": "TS", "TuThang": "10/2026"})
    assert bhxh(binh)[-1][1] == dt.date(2026, 9, 1)
    assert not Charge.objects.filter(person=binh, month=OCT).exists()  # maternity: nothing due in October
    declare(NOV, {**ROW, "PhuongAnId": "ON", "TuThang": "11/2026"})
    assert bhxh(binh)[-1] == (NOV, None, wage)
    # A raise back-dated to October and November: amounts due in the next period, history untouched.
    before = bhxh(binh)
    declare(
        dt.date(2026, 12, 1),
        {**ROW, "PhuongAnId": "AD", "TuThang": "11/2026", "DenThang": "11/2026", "TienLuong": str(wage + 1_000_000)},
    )
    assert bhxh(binh) == before
    adjustment = Charge.objects.get(person=binh, kind="adjust")
    assert adjustment.month == NOV and adjustment.debt.period == dt.date(2026, 12, 1)
    assert (adjustment.bhxh, adjustment.bhyt, adjustment.bhtn, adjustment.bhtnld) == (250_000, 45_000, 20_000, 5_000)


def test_late_departure_refunds_months_already_charged() -> None:
    binh = Person.objects.get(ssn=BINH)
    declare(NOV, {**ROW, "PhuongAnId": "DC", "TuThang": "11/2026", "TienLuong": "13000000"})
    november = Charge.objects.get(person=binh, month=NOV, kind="regular")
    # Left at the end of October, reported in December: November's charge comes back as B.4.2.
    declare(dt.date(2026, 12, 1), {**ROW, "PhuongAnId": "GH", "TuThang": "11/2026"})
    assert bhxh(binh)[-1][1] == OCT
    refund = Charge.objects.get(person=binh, month=NOV, kind="adjust")
    assert refund.total == -november.total


def test_overdue_sixty_days_is_flagged_once_to_worker_and_office(client: Client) -> None:
    declare(OCT, {**ROW, "PhuongAnId": "DC", "TuThang": "10/2026", "TienLuong": "13000000"})
    assert alerts.flag_overdue(dt.date(2027, 1, 29)) == 0  # 60 days after 30/11 is 29/01
    assert alerts.flag_overdue(dt.date(2027, 1, 30)) == 1
    assert alerts.flag_overdue(dt.date(2027, 2, 10)) == 0
    assert Notification.objects.filter(user__person__ssn=BINH, text__contains="chậm đóng").count() == 1
    assert Debt.objects.get(period=OCT).overdue_flagged_at is not None
    months = client.get("/api/v1/me/contribution-months", **bearer(client, BINH)).json()
    assert months[0]["month"] == "10/2026" and not months[0]["paid"] and months[0]["late"]


def test_bank_statement_is_imported_once() -> None:
    declare(OCT, {**ROW, "PhuongAnId": "DC", "TuThang": "10/2026", "TienLuong": "13000000"})
    _hr, staff = users()
    due = Debt.objects.get(period=OCT).due
    csv = f"MaDonVi,SoTien,NgayNop,SoThamChieu\n{DEMO_EMPLOYER},{due},25/11/2026,FT2611250001\n".encode()
    assert payments.import_statement(staff, csv) == {"recorded": 1, "skipped": 0}
    assert payments.import_statement(staff, csv) == {"recorded": 0, "skipped": 1}
    debt = Debt.objects.get(period=OCT)
    assert debt.unpaid == 0 and debt.paid_on == dt.date(2026, 11, 25) and Payment.objects.count() == 1
    with pytest.raises(services.DeclarationError) as refused:
        payments.import_statement(staff, b"MaDonVi,SoTien,NgayNop,SoThamChieu\n9999999999DNA03,-5,31/02/2026,x\n")
    assert refused.value.code == "invalid_rows" and Payment.objects.count() == 1


def test_web_pages_from_upload_to_statement(client: Client) -> None:
    client.force_login(User.objects.get(username="nhansu.demo"))
    page = client.post(
        "/don-vi/ke-khai/",
        {
            "kind": "form",
            "period": "102026",
            "PhuongAnId": "DC",
            "MaSoBhxh": BINH,
            "HoTen": "Trần Thị Bình",
            "TienLuong": "3000000",
            "TuThang": "10/2026",
        },
    )
    assert (
        page.status_code == 400
        and "lương tối thiểu" in page.content.decode()
        and "Dòng 1, cột TienLuong" in page.content.decode()
    )
    page = client.post(
        "/don-vi/ke-khai/",
        {
            "kind": "form",
            "period": "102026",
            "PhuongAnId": "DC",
            "MaSoBhxh": BINH,
            "HoTen": "Trần Thị Bình",
            "TienLuong": "13000000",
            "TuThang": "10/2026",
        },
    )
    assert page.status_code == 302
    dossier_url = page["Location"]
    assert client.post(dossier_url, {"action": "submit"}).status_code == 302
    client.force_login(User.objects.get(username="canbo.dongda"))
    pk = dossier_url.rstrip("/").split("/")[-1]
    assert f"/staff/ke-khai/{pk}/" in client.get("/staff/ke-khai/").content.decode()
    assert client.post(f"/staff/ke-khai/{pk}/", {"action": "receive"}).status_code == 302
    assert client.post(f"/staff/ke-khai/{pk}/", {"action": "process"}).status_code == 302
    again = client.post(f"/staff/ke-khai/{pk}/", {"action": "process"})
    assert again.status_code == 409
    client.force_login(User.objects.get(username="nhansu.demo"))
    statement = client.get("/don-vi/c12/102026/")
    assert statement.status_code == 200 and "B.3" in statement.content.decode()
    assert client.get("/don-vi/c12/102026.pdf")["Content-Type"] == "application/pdf"
    client.force_login(User.objects.get(username=BINH))
    history = client.get("/ca-nhan/qua-trinh/").content.decode()
    assert "Tháng 10/2026" in history and "Chưa đóng / chậm đóng" in history


def test_daily_accrual_writes_last_month_once() -> None:
    from declarations.tasks import accrue_months

    declare(OCT, {**ROW, "PhuongAnId": "DC", "TuThang": "10/2026", "TienLuong": "13000000"})
    assert not Debt.objects.filter(period=NOV).exists()
    assert accrue_months.call() == 1
    assert accrue_months.call() == 0
    november = Debt.objects.get(period=NOV)
    assert november.accrued

    # November charges whoever still works there, at October's amounts; periods that ended in
    # October (the demo's card-state people) are not charged again.
    def amounts(month: dt.date) -> dict[int, tuple[int, int, int, int]]:
        charges = Charge.objects.filter(month=month, kind="regular")
        return {c.person_id: (c.bhxh, c.bhyt, c.bhtn, c.bhtnld) for c in charges}

    october, nov = amounts(OCT), amounts(NOV)
    assert Person.objects.get(ssn=BINH).pk in nov and all(october[pid] == figures for pid, figures in nov.items())
    ended = ParticipationPeriod.objects.filter(employer__code=DEMO_EMPLOYER, to_month=OCT).values_list("person_id", flat=True)
    assert set(october) - set(nov) == set(ended) - set(nov)
    assert november.due == sum(sum(figures) for figures in nov.values())
