"""Bình's card on a phone, online then offline, in a real Chromium against the live server.

The database rules of live_server are those described in
enrollment/tests/test_browser_registration.py: the test is transactional, the server thread sees
committed rows only, and the demo register is re-seeded when another browser test flushed it
first, and once more afterwards for the tests that run later.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import zxingcpp
from django.test import Client
from PIL import Image
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.services import issue_tokens

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.usefixtures("register_restored_afterwards"),
]


def log_in_as_binh(page: Page, live_server: Any, *, then: str) -> None:
    page.goto(f"{live_server.url}/dang-nhap/?next={then}")
    page.get_by_label("Mã số BHXH hoặc số CCCD").fill("0198765432")
    page.get_by_label("Mật khẩu").fill("VssidDemo@2026")
    page.get_by_role("button", name="Đăng nhập").click()


def api_payload() -> str:
    token = issue_tokens(User.objects.get(username="0198765432")).access_token
    payload: str = Client().get("/api/v1/me/card", HTTP_AUTHORIZATION=f"Bearer {token}").json()["qr_payload"]
    return payload


def test_binh_shows_her_card_online_and_offline(page: Page, live_server: Any, seeded_register: None) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    log_in_as_binh(page, live_server, then="/ca-nhan/the-bhyt/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thẻ BHYT")
    expect(page.locator(".card-number")).to_have_text("DN4010198765432")
    fetched = page.locator(".fetched").inner_text()
    assert fetched.startswith("Cập nhật lúc ")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # On the narrowest phones the holder's name and the card number each stay on one line.
    for width in (320, 360, 412):
        page.set_viewport_size({"width": width, "height": 740})
        for selector in (".hi-card .holder", ".hi-card .card-number"):
            lines = page.evaluate(
                "s => { const e = document.querySelector(s); const r = document.createRange(); r.selectNodeContents(e);"
                " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }",
                selector,
            )
            assert lines == 1, (width, selector, lines)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 360, "height": 740})

    # The QR as the phone shows it decodes to exactly the API's payload. (The API call is made
    # after the page: a new token ends the web session, one device at a time — the page is cached.)
    shot = page.locator("#card-qr").screenshot()
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))]

    # The service worker stored the card for offline use.
    expect(page.locator("[data-card-page]")).to_have_attribute("data-stored", "1", timeout=10_000)

    page.context.set_offline(True)
    page.reload()
    expect(page.locator(".card-number")).to_have_text("DN4010198765432")
    expect(page.locator("[data-card-page]")).to_have_attribute("data-source", "cache")
    expect(page.locator("#card-offline")).to_be_visible()
    # The stored copy says when it was fetched: the page itself, or the worker's own fetch of it a
    # moment later on the first visit (which may fall in the next minute).
    stored = page.locator(".fetched").inner_text()
    # Both are local times of the same zone: naive is right here.
    fetched_at, stored_at = (dt.datetime.strptime(t.removeprefix("Cập nhật lúc "), "%H:%M %d/%m/%Y") for t in (fetched, stored))  # noqa: DTZ007
    assert dt.timedelta(0) <= stored_at - fetched_at <= dt.timedelta(minutes=2), (fetched, stored)
    expect(page.locator("#card-offline")).to_contain_text(
        "Đang ngoại tuyến — thẻ lưu lúc " + stored.removeprefix("Cập nhật lúc ")
    )
    offline_shot = page.locator("#card-qr").screenshot()
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(offline_shot)))] == decoded
    # Any other page opened offline points to the saved card instead of the browser's error.
    page.goto(f"{live_server.url}/tra-cuu/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Không có kết nối mạng")
    page.get_by_role("link", name="Mở thẻ BHYT đã lưu").click()
    expect(page.locator(".card-number")).to_have_text("DN4010198765432")
    page.context.set_offline(False)

    # Logging out (accounts' form posts to /dang-xuat/) drops the stored card: shared phones.
    assert page.evaluate("caches.has('vssid-card-v1')")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_text("Bạn đã đăng xuất.")).to_be_visible()
    page.wait_for_function("caches.has('vssid-card-v1').then((has) => !has)", timeout=5_000)
    assert not page.evaluate("caches.has('vssid-card-v1')")

    assert decoded == [api_payload()]


def test_the_history_is_one_card_per_period_on_a_phone(page: Page, live_server: Any, seeded_register: None) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    log_in_as_binh(page, live_server, then="/ca-nhan/qua-trinh/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quá trình tham gia")
    for width in (320, 360, 412):
        page.set_viewport_size({"width": width, "height": 740})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        rows = page.get_by_role("row").filter(has=page.get_by_role("cell"))
        assert rows.count() >= 4  # Bình's raises: a period for each salary
        # Each period is a card as wide as the screen allows, its salary and "báo sai" inside it.
        first = rows.first.bounding_box()
        assert first is not None and first["x"] >= 0 and first["x"] + first["width"] <= width
        expect(rows.first.get_by_role("link", name="Báo sai")).to_be_visible()
    page.set_viewport_size({"width": 1024, "height": 740})
    expect(page.get_by_role("columnheader", name="Mức lương")).to_be_visible()  # the table on a wide screen
