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
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageDraw
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


def camera_photo(seed: int) -> bytes:
    """A 12-megapixel JPEG as a phone camera writes it (4000 × 3000, quality 92, sensor noise): ~4 MB."""
    width, height = 4000, 3000
    base = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize((width, height)),
            Image.radial_gradient("L").resize((width, height)),
            Image.linear_gradient("L").rotate(90 + seed).resize((width, height)),
        ),
    )
    draw = ImageDraw.Draw(base)
    for n in range(40):
        x, y = (n * 397 + seed * 911) % width, (n * 263 + seed * 577) % height
        draw.rectangle([x, y, x + 500, y + 120], fill=((n * 53) % 256, (n * 97) % 256, (n * 31) % 256))
    noisy = ImageChops.add(base, Image.effect_noise((width, height), 24).convert("RGB"), scale=1.0, offset=-128)
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=92)
    return out.getvalue()


def test_three_12_megapixel_photos_reach_the_server_under_3_mb_and_survive_a_question(
    phone: Page, live_server: Any, seeded_register: None, settings: Any, tmp_path: Path
) -> None:
    from django.core.signals import request_started

    sms_file = use_files(settings, tmp_path)
    photos = [camera_photo(seed) for seed in range(3)]
    assert min(len(p) for p in photos) > 3 * 1024 * 1024  # each alone would be over the limit of the body
    # What reaches the server, read where Django starts on the request: the WSGI environ.
    bodies: list[int] = []

    def measure(sender: Any, environ: dict[str, Any], **kwargs: Any) -> None:
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == "/dang-ky/":
            bodies.append(int(environ.get("CONTENT_LENGTH") or 0))

    request_started.connect(measure)
    try:
        phone.goto(f"{live_server.url}/dang-ky/")
        # Camera or gallery: no `capture` attribute, which would open the camera only.
        assert phone.locator("input[type=file][capture]").count() == 0
        phone.get_by_label("Họ và tên").fill("Nguyen Van An")  # without the marks: a question follows
        phone.get_by_label("Mã số BHXH").fill(AN_FORM["ssn"])
        phone.get_by_label("Ngày sinh").fill(AN_FORM["date_of_birth"])
        phone.get_by_label("Nam", exact=True).check()
        phone.get_by_label("Số điện thoại di động").fill(AN_FORM["phone"])
        phone.get_by_label("Tỉnh/thành phố").select_option("01")
        expect(phone.locator("#id_ward_code option[value='00235']")).to_be_attached()
        phone.get_by_label("Phường/xã").select_option("00235")
        # The ward's own office comes first and is chosen.
        expect(phone.locator("#id_office_code option").nth(1)).to_have_attribute("value", "00106")
        expect(phone.locator("#id_office_code")).to_have_value("00106")
        phone.get_by_label("Số nhà, đường/phố, thôn/xóm").fill(AN_FORM["street"])
        for label, (n, data) in zip(("Ảnh mặt trước CCCD", "Ảnh mặt sau CCCD", "Ảnh chân dung"), enumerate(photos), strict=True):
            phone.get_by_label(label).set_input_files({"name": f"IMG_2026120{n}.jpg", "mimeType": "image/jpeg", "buffer": data})
        for field in phone.locator(".photo-field").all():
            expect(field.locator(".photo-status")).to_contain_text("Ảnh sẵn sàng để gửi: 1600 × 1200", timeout=20_000)
        phone.screenshot(path=str(tmp_path / "register-photos-360.png"), full_page=True)
        phone.get_by_role("button", name="Gửi đăng ký").click()

        # The question, with the photos kept: nothing to pick again.
        expect(phone.get_by_role("button", name="Đúng, tên tôi là Nguyễn Văn An")).to_be_visible()
        expect(phone.locator(".photo-kept")).to_have_count(3)
        assert not Registration.objects.exists()
        for width, height in ((320, 640), (360, 740), (412, 915)):
            phone.set_viewport_size({"width": width, "height": height})
            assert phone.evaluate("document.documentElement.scrollWidth") <= width
            phone.screenshot(path=str(tmp_path / f"register-question-{width}.png"), full_page=True)
        phone.get_by_role("button", name="Đúng, tên tôi là Nguyễn Văn An").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Xác nhận số điện thoại")
    finally:
        request_started.disconnect(measure)

    # The first submission carried the three photos: well under 3 MB as the server received it.
    # (Chromium does not show a file upload's body to Playwright, so the server's count is the one.)
    assert len(bodies) == 2, bodies
    assert 100_000 < bodies[0] < 3 * 1024 * 1024, bodies
    assert bodies[1] < 20_000  # the answer to the question: the photos go by their tokens
    registration = Registration.objects.get()
    assert registration.full_name == "Nguyễn Văn An"
    root = Path(settings.MEDIA_ROOT)
    for name in (registration.id_front.name, registration.id_back.name, registration.portrait.name):
        size = (root / name).stat().st_size
        assert size <= 1000 * 1000, (name, size)
        with Image.open(root / name) as image:
            assert image.format == "JPEG" and max(image.size) == 1600 and not image.getexif()
    assert latest_otp(sms_file)
    if os.environ.get("VSSID_SCREENSHOT_DIR"):  # to look at them after the run
        for shot in tmp_path.glob("*.png"):
            (Path(os.environ["VSSID_SCREENSHOT_DIR"]) / shot.name).write_bytes(shot.read_bytes())
