"""The counter page in a real Chromium whose camera films Bình's card QR (a fake capture device
playing a .y4m made here from her signed payload): online the register answers 000; offline the
page verifies the signature with the cached keys and says the register was not consulted.

Database rules as in citizen/tests/test_browser_card.py (transactional, re-seeded afterwards).
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
import segno
from PIL import Image
from playwright.sync_api import Page, Playwright, expect

from conftest import CHROMIUM
from registry.card import active_card_for_person, card_view
from registry.demo.fixed import BINH

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.usefixtures("register_restored_afterwards"),
]

WIDTH, HEIGHT = 640, 480


def qr_video(payload: str, path: Path, frames: int = 10) -> Path:
    """A Y4M (4:2:0) video of the QR on white, the file Chromium's fake camera plays in a loop."""
    out = io.BytesIO()
    code = segno.make(payload, error="m", micro=False)
    # As large as the frame allows, at whole pixels per module (a sharp image, like a phone held close).
    scale = max(2, (HEIGHT - 16) // code.symbol_size(border=4)[1])
    code.save(out, kind="png", scale=scale, border=4)
    qr = Image.open(out).convert("L")
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(qr, ((WIDTH - qr.width) // 2, (HEIGHT - qr.height) // 2))
    chroma = bytes([128]) * (WIDTH * HEIGHT // 4)
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


def log_in(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Mã số BHXH hoặc số CCCD").fill("bachmai.tiepdon")
    page.get_by_label("Mật khẩu").fill("VssidDemo@2026")
    page.locator("main button[type=submit]").click()


def test_the_camera_reads_binh_qr_online_then_offline(
    playwright: Playwright, live_server: Any, seeded_register: None, tmp_path: Path
) -> None:
    payload = card_view(active_card_for_person(BINH["id"])).qr_payload
    video = qr_video(payload, tmp_path / "binh-qr.y4m")
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-quic",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = browser.new_context(viewport={"width": 360, "height": 740}, permissions=["camera"])
        page = context.new_page()
        log_in(page, live_server)
        expect(page).to_have_url(f"{live_server.url}/kiem-tra-the/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra thẻ BHYT")
        # The keys are kept for offline use once the page has fetched them.
        page.wait_for_function("() => localStorage.getItem('vssid-card-keys') !== null")

        page.get_by_role("button", name="Quét bằng camera").click()
        line = page.locator(".counter-line")
        expect(line).to_have_attribute("data-code", "000", timeout=20_000)
        expect(line).to_contain_text("Thẻ hợp lệ")
        expect(page.locator(".counter-facts")).to_contain_text("Trần Thị Bình")
        expect(page.locator(".counter-facts")).to_contain_text("Mức 4: quỹ BHYT chi trả 80%")
        expect(page.locator(".counter-meta")).to_contain_text("Đã tra cứu cơ sở dữ liệu BHXH")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.get_by_role("button", name="Tắt camera").click()

        context.set_offline(True)
        page.get_by_role("button", name="Quét bằng camera").click()
        offline = page.locator("[data-offline]")
        expect(offline).to_have_attribute("data-offline", "valid", timeout=20_000)
        expect(offline).to_contain_text("Chữ ký hợp lệ")
        expect(offline).to_contain_text("CHƯA tra cứu cơ sở dữ liệu BHXH")
        expect(page.locator(".counter-note")).to_contain_text("chưa được kiểm tra")
        expect(page.locator(".counter-facts")).to_contain_text("Trần Thị Bình")

        # A USB scanner types a tampered payload: offline, the signature fails and says so.
        fields = payload.split("|")
        fields[2] = "03/11/1993"
        page.get_by_role("button", name="Tắt camera").click()
        page.locator("#scan-input").fill("|".join(fields))
        page.locator("#scan-input").press("Enter")
        expect(page.locator("[data-offline]")).to_have_attribute("data-offline", "bad_signature")
        context.set_offline(False)

        # Online again, the typed card of a withdrawn holder comes back red with its code.
        page.get_by_label("Mã thẻ BHYT (15 ký tự), mã số BHXH hoặc số CCCD").fill("DN4019900000110")
        page.get_by_label("Họ và tên (có dấu)").fill("Đặng Văn Hùng")
        page.get_by_label("Ngày sinh (dd/mm/yyyy, hoặc năm sinh)").fill("05/04/1970")
        page.get_by_role("button", name="Kiểm tra thẻ", exact=True).click()
        expect(page.locator(".counter-line")).to_have_attribute("data-code", "110")
        expect(page.locator(".counter-line")).to_have_class("counter-line counter-err")
    finally:
        browser.close()


def cached_paths(page: Page) -> list[str]:
    """The paths in the counter service worker's cache, as the page sees them."""
    paths: list[str] = page.evaluate(
        """async () => {
            const cache = await caches.open('vssid-counter-v1');
            return (await cache.keys()).map((r) => new URL(r.url).pathname);
        }"""
    )
    return paths


def test_a_cold_offline_reload_is_served_by_the_service_worker_and_still_verifies(
    playwright: Playwright, live_server: Any, seeded_register: None
) -> None:
    # The officer opened the page earlier; now the network is gone and the page is reloaded (a
    # crash of the browser tab, a new shift): the service worker serves the page, its script and
    # style, and a QR typed by the USB scanner is still verified with the stored keys.
    payload = card_view(active_card_for_person(BINH["id"])).qr_payload
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic"]
    )
    try:
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        log_in(page, live_server)
        expect(page).to_have_url(f"{live_server.url}/kiem-tra-the/")
        page.wait_for_function("() => localStorage.getItem('vssid-card-keys') !== null")
        # Installed, in control, and the page and what it loads are in its cache.
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
        wanted = {"/kiem-tra-the/", "/static/counter/counter.js", "/static/counter/counter.css", "/static/css/app.css"}
        deadline = time.monotonic() + 20
        while not wanted <= set(cached_paths(page)) and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert wanted <= set(cached_paths(page)), cached_paths(page)

        context.set_offline(True)
        response = page.reload()
        assert response is not None and response.from_service_worker
        expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra thẻ BHYT")
        # The network really is gone for the page: a check cannot reach the register.
        assert page.evaluate("() => fetch('/kiem-tra-the/sw.js').then(() => 'reached', () => 'unreachable')") == "unreachable"
        # Its script runs (from the cache) and its style applies.
        assert page.evaluate(
            "() => [...document.styleSheets]"
            ".some((s) => (s.href || '').endsWith('/static/counter/counter.css') && s.cssRules.length > 0)"
        )
        page.locator("#scan-input").fill(payload)
        page.locator("#scan-input").press("Enter")
        offline = page.locator("[data-offline]")
        expect(offline).to_have_attribute("data-offline", "valid", timeout=20_000)
        expect(offline).to_contain_text("Chữ ký hợp lệ")
        expect(offline).to_contain_text("CHƯA tra cứu cơ sở dữ liệu BHXH")
        expect(page.locator(".counter-facts")).to_contain_text("Trần Thị Bình")

        fields = payload.split("|")
        fields[2] = "03/11/1993"
        page.locator("#scan-input").fill("|".join(fields))
        page.locator("#scan-input").press("Enter")
        expect(page.locator("[data-offline]")).to_have_attribute("data-offline", "bad_signature")
        context.set_offline(False)
    finally:
        browser.close()
