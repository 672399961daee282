"""Every bad input of a declaration or a payment gets a clear refusal and writes nothing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook  # type: ignore[import-untyped]

from declarations.models import Dossier, Payment, Row
from declarations.tests.support import BINH, DEMO_EMPLOYER, bearer, upload, workbook
from employers.services import worker_periods
from registry.models import ParticipationPeriod

pytestmark = pytest.mark.django_db
GOOD = {"HoTen": "Trần Thị Bình", "MaSoBhxh": BINH, "PhuongAnId": "DC", "TienLuong": "12000000", "TuThang": "10/2026"}


@pytest.fixture(autouse=True)
def december() -> Any:
    with time_machine.travel(dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def hr(client: Client) -> dict[str, Any]:
    return bearer(client, "nhansu.demo")


@pytest.fixture
def staff(client: Client) -> dict[str, Any]:
    return bearer(client, "canbo.dongda")


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["message"]
    assert not Dossier.objects.exists() and not Row.objects.exists()
    return body


def test_zip_bomb(client: Client, hr: dict[str, Any]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    assert len(buf.getvalue()) < 2 * 1024 * 1024
    refused(upload(client, hr, buf.getvalue()), 422, "unsafe_workbook")


def test_macro_workbook(client: Client, hr: dict[str, Any]) -> None:
    src = zipfile.ZipFile(io.BytesIO(workbook([GOOD])))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for info in src.infolist():
            archive.writestr(info, src.read(info))
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    refused(upload(client, hr, buf.getvalue(), name="D02.xlsm"), 422, "macro_workbook")


def test_legacy_xls_is_named(client: Client, hr: dict[str, Any]) -> None:
    refused(
        upload(client, hr, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, name="D02.xls"), 422, "legacy_or_macro_workbook"
    )


def test_fifty_megabytes(client: Client, hr: dict[str, Any]) -> None:
    refused(upload(client, hr, b"PK" + b"x" * (50 * 1024 * 1024)), 413, "file_too_large")


def test_missing_sheet_and_keys(client: Client, hr: dict[str, Any]) -> None:
    body = refused(upload(client, hr, workbook([GOOD], sheet="Sheet1")), 422, "missing_sheet")
    assert "DuLieu" in body["message"]
    keys = ["STT", "HoTen", "MaSoBhxh", "PhuongAnId", "TienLuong"]
    body = refused(upload(client, hr, workbook([GOOD], keys=keys)), 422, "missing_keys")
    assert "TuThang" in body["fields"]


def test_empty_files(client: Client, hr: dict[str, Any]) -> None:
    refused(upload(client, hr, b"", name="D02.csv"), 422, "empty_file")
    refused(upload(client, hr, workbook([])), 422, "empty_file")
    refused(upload(client, hr, b"HoTen,MaSoBhxh,PhuongAnId,TuThang\n", name="D02.csv"), 422, "empty_file")


def test_serial_and_text_dates_are_the_same_month(client: Client, hr: dict[str, Any]) -> None:
    serial = (dt.date(2026, 10, 1) - dt.date(1899, 12, 30)).days
    created = upload(client, hr, workbook([{**GOOD, "TuThang": serial}]))
    assert created.status_code == 201, created.content
    assert Row.objects.get().from_month == dt.date(2026, 10, 1)


def test_formula_without_value_is_named(client: Client, hr: dict[str, Any]) -> None:
    data = workbook([GOOD])
    book = load_workbook(io.BytesIO(data))
    book["DuLieu"]["E5"] = "=INDEX(PhuongAn,MATCH(D5,PhuongAnText,0))"
    buf = io.BytesIO()
    book.save(buf)
    body = refused(upload(client, hr, buf.getvalue()), 422, "invalid_rows")
    assert "công thức" in body["fields"]["5.PhuongAnId"][0]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_csv_utf8_with_or_without_bom(client: Client, hr: dict[str, Any], bom: bytes) -> None:
    text = "HoTen,MaSoBhxh,PhuongAnId,TienLuong,TuThang\nTrần Thị Bình,0198765432,DC,12000000,10/2026\n"
    created = upload(client, hr, bom + text.encode(), name="D02.csv")
    assert created.status_code == 201, created.content
    assert created.json()["source"] == "csv" and Row.objects.get().full_name == "Trần Thị Bình"


def test_csv_windows_1258(client: Client, hr: dict[str, Any]) -> None:
    # Letters Windows-1258 holds precomposed (Đ, à, ă, ơ): the bytes are not UTF-8.
    text = "HoTen,MaSoBhxh,PhuongAnId,TienLuong,TuThang\nĐoàn Văn Mơ,0198765432,DC,12000000,10/2026\n"
    body = refused(upload(client, hr, text.encode("cp1258"), name="D02.csv"), 422, "csv_encoding")
    assert "UTF-8" in body["message"]


def test_every_row_problem_is_named_and_nothing_is_written(client: Client, hr: dict[str, Any]) -> None:
    other = (
        ParticipationPeriod.objects.filter(to_month__isnull=True, scheme="bhxh", voluntary=False, employer__isnull=False)
        .exclude(employer_id=DEMO_EMPLOYER)
        .exclude(person__in=worker_periods(DEMO_EMPLOYER).values("person_id"))
        .select_related("person")
        .first()
    )
    assert other is not None
    rows = [
        {**GOOD, "PhuongAnId": "XX"},  # 5 unknown code
        {**GOOD, "MaSoBhxh": "0000000001"},  # 6 not in the register
        {**GOOD, "MaSoBhxh": other.person.ssn, "PhuongAnId": "GH", "TienLuong": ""},  # 7 not this employer's worker
        {**GOOD, "MaSoBhxh": other.person.ssn, "PhuongAnId": "TD"},  # 8 employed elsewhere without GD there
        {**GOOD, "PhuongAnId": "AD", "TuThang": "08/2026", "DenThang": "06/2026"},  # 9 from after to
        {**GOOD, "TienLuong": "3000000"},  # 10 below the region I minimum wage
        {**GOOD, "TienLuong": "-5000000"},  # 11 negative
        {**GOOD},  # 12 the same change twice: 13 is its duplicate
        {**GOOD},  # 13
        {**GOOD, "PhuongAnId": "CD", "TuThang": "10/2026", "ChucVu": "Trưởng phòng"},  # 14 overlaps 12
    ]
    body = refused(upload(client, hr, workbook(rows)), 422, "invalid_rows")
    fields = body["fields"]
    assert "5.PhuongAnId" in fields and "6.MaSoBhxh" in fields and "7.MaSoBhxh" in fields
    assert "8.MaSoBhxh" in fields and "GD" in fields["8.MaSoBhxh"][0]
    assert "9.DenThang" in fields and "10.TienLuong" in fields and "11.TienLuong" in fields
    assert "13.MaSoBhxh" in fields and "14.TuThang" in fields


def test_month_already_declared(client: Client, hr: dict[str, Any]) -> None:
    first = upload(client, hr, workbook([GOOD]))
    assert first.status_code == 201
    assert client.post(f"/api/v1/employer/declarations/{first.json()['id']}/submit", **hr).status_code == 200
    again = upload(client, hr, workbook([GOOD]))
    assert again.status_code == 422 and "đã được kê khai" in again.json()["fields"]["5.TuThang"][0]
    assert Dossier.objects.count() == 1


def test_payment_refusals(client: Client, staff: dict[str, Any], hr: dict[str, Any]) -> None:
    def pay(**fields: Any) -> Any:
        body = {"employer": DEMO_EMPLOYER, "amount": 1000, "paid_on": "2026-12-01", "reference": "UNC-9", **fields}
        return client.post("/api/v1/staff/payments", body, content_type="application/json", **staff)

    unknown = pay(employer="9999999999DNA03")
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_employer"
    negative = pay(amount=-5)
    assert negative.status_code == 422 and "amount" in negative.json()["fields"]
    assert client.post("/api/v1/staff/payments", {}, content_type="application/json", **hr).status_code == 403
    assert not Payment.objects.exists()
    assert pay().status_code == 201
    twice = pay()
    assert twice.status_code == 409 and Payment.objects.count() == 1
