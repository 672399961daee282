"""The HR clerk invites An from a phone-sized Chromium; the second click within 7 days is refused.

Database handling as in enrollment/tests/test_browser_registration.py (read its notes): live_server
makes the test transactional, so the register is re-seeded when a flush emptied it, and once more
after the module so later tests find it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from enrollment.tests.web_support import sms_of, use_files

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.usefixtures("register_restored_afterwards"),
]
AN = "0123456789"


def test_hr_invites_an_once_on_a_phone(
    page: Page, live_server: Any, seeded_register: None, settings: Any, tmp_path: Path
) -> None:
    use_files(settings, tmp_path)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/dang-nhap/?next=/don-vi/")
    page.get_by_label("Mã số BHXH hoặc số CCCD").fill("nhansu.demo")
    page.get_by_label("Mật khẩu").fill("VssidDemo@2026")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{live_server.url}/don-vi/")
    page.get_by_label("Tìm theo họ tên (không cần dấu) hoặc mã số BHXH").fill("nguyen van an")
    page.get_by_role("button", name="Lọc").click()
    page.locator(f'input[name="ssn"][value="{AN}"]').check()
    page.get_by_role("button", name="Gửi SMS mời những người đã chọn").click()
    expect(page.locator(".messages")).to_contain_text("1")
    assert len(sms_of("invitation")) == 1
    page.get_by_label("Tìm theo họ tên (không cần dấu) hoặc mã số BHXH").fill("nguyen van an")
    page.get_by_role("button", name="Lọc").click()
    page.locator(f'input[name="ssn"][value="{AN}"]').check()
    page.get_by_role("button", name="Gửi SMS mời những người đã chọn").click()
    expect(page.locator(".messages")).to_contain_text("7")
    assert len(sms_of("invitation")) == 1
