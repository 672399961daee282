"""The citizen's registration in a real Chromium on a phone-sized screen, against the live server.

How the database works here (checked with pytest-django 4.14 on PostgreSQL):
- Requesting `live_server` makes the test transactional whatever its django_db marker says
  (pytest-django's `_live_server_helper` asks for `transactional_db`). The server thread opens its
  own connection (only in-memory SQLite connections are shared), so it sees committed rows only:
  the session seed of conftest.py, and what this test commits.
- A transactional test ends by flushing every table, and pytest-django runs transactional tests
  after the other database tests. So the register may already be empty when this test starts
  (another browser test ran first): `seeded_register` loads the same demo register again in that
  case (~1.5 s). After the flush that ends this test, `register_restored_afterwards` loads it once
  more, so tests that run later (those without database fixtures run last) find it as promised.
- The `settings` fixture changes django.conf.settings for the whole process, the server thread
  included: the SMS file and the media directory of this test apply to what the server does.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page, expect
from pypdf import PdfReader

from enrollment.models import Registration
from enrollment.tests.web_support import AN_FORM, jpeg, use_files
from messaging.delivery import deliver_due_messages

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.usefixtures("register_restored_afterwards"),
]


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size({"width": 360, "height": 740})
    return page


def photo(name: str, color: tuple[int, int, int]) -> FilePayload:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg(color=color)}


def latest_otp(path: Path) -> str:
    deliver_due_messages()  # the outbox's worker, run here: the server committed the message
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    bodies = [line["body"] for line in lines if line["kind"] == "registration_otp" and line["to"] == "+84912345678"]
    match = re.search(r"\b(\d{6})\b", bodies[-1])
    assert match, bodies
    return match.group(1)


def test_a_citizen_registers_on_a_phone(
    phone: Page, live_server: Any, seeded_register: None, settings: Any, tmp_path: Path
) -> None:
    sms_file = use_files(settings, tmp_path)
    phone.goto(f"{live_server.url}/dang-ky/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Đăng ký giao dịch điện tử")

    phone.get_by_label("Họ và tên").fill(AN_FORM["full_name"])
    phone.get_by_label("Mã số BHXH").fill(AN_FORM["ssn"])
    phone.get_by_label("Ngày sinh").fill(AN_FORM["date_of_birth"])
    phone.get_by_label("Nam", exact=True).check()
    phone.get_by_label("Số điện thoại di động").fill(AN_FORM["phone"])
    phone.get_by_label("Tỉnh/thành phố").select_option("01")
    # htmx replaces the ward list with the wards of the province.
    expect(phone.locator("#id_ward_code option[value='00235']")).to_be_attached()
    phone.get_by_label("Phường/xã").select_option("00235")
    phone.get_by_label("Số nhà, đường/phố, thôn/xóm").fill(AN_FORM["street"])
    phone.get_by_label("Cơ quan BHXH nơi nộp tờ khai").select_option("00106")
    phone.get_by_label("Ảnh mặt trước CCCD").set_input_files(photo("front.jpg", (200, 30, 30)))
    phone.get_by_label("Ảnh mặt sau CCCD").set_input_files(photo("back.jpg", (30, 200, 30)))
    phone.get_by_label("Ảnh chân dung").set_input_files(photo("portrait.jpg", (30, 30, 200)))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # nothing overflows sideways
    phone.get_by_role("button", name="Gửi đăng ký").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Xác nhận số điện thoại")
    reference = re.search(r"/dang-ky/(DK[0-9A-Z]{8})/xac-nhan/", phone.url)
    assert reference, phone.url
    expect(phone.get_by_text("091****678", exact=False)).to_be_visible()
    phone.get_by_label("Mã OTP (6 chữ số)").fill(latest_otp(sms_file))
    phone.get_by_role("button", name="Xác nhận").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Đã ghi nhận hồ sơ đăng ký")
    deadline = Registration.objects.get(reference=reference.group(1)).deadline
    assert isinstance(deadline, dt.date)
    expect(phone.locator(".ref")).to_have_text(reference.group(1))
    expect(phone.locator(".deadline")).to_have_text(deadline.strftime("%d/%m/%Y"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    with phone.expect_download() as download_info:
        phone.get_by_role("link", name="Tải tờ khai Mẫu 01 (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"to-khai-mau-01-{reference.group(1)}.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    text = unicodedata.normalize("NFC", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))
    assert "Nguyễn Văn An" in text and reference.group(1) in text
