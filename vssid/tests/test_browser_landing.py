"""The landing page in a real Chromium, on a phone-sized screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.browser]


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size({"width": 360, "height": 740})
    return page


def test_landing_page_and_language_switch(phone: Page, live_server: object) -> None:
    phone.goto(f"{live_server}/")
    expect(phone.locator("h1")).to_contain_text("Bảo hiểm xã hội số")
    expect(phone.get_by_text("trong vòng 10 ngày", exact=False)).to_be_visible()
    # Nothing overflows the 360 px screen sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    # The other language is one tap in the top bar, named in its own language.
    phone.get_by_role("button", name="English").click()
    expect(phone.locator("h1")).to_contain_text("Digital social insurance")
    expect(phone.locator("html")).to_have_attribute("lang", "en")


def test_pages_with_htmx_break_no_rule_of_the_content_security_policy(phone: Page, live_server: object) -> None:
    # htmx injects its indicator styles inline unless told not to; the CSP (style-src 'self') refuses them.
    violations: list[str] = []
    phone.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    for path in ("/tra-cuu/co-quan-bhxh/", "/tra-cuu/co-so-kcb/", "/dang-ky/"):
        response = phone.goto(f"{live_server}{path}")
        assert response is not None and response.status == 200, path
        phone.wait_for_load_state("networkidle")
    assert violations == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("register_restored_afterwards")
def test_a_directory_search_lands_on_its_answer_even_when_nothing_is_found(
    phone: Page, live_server: object, seeded_register: None
) -> None:
    # The offices come with the register's reference data, which an earlier transactional test may have flushed.
    phone.goto(f"{live_server}/tra-cuu/co-quan-bhxh/")
    phone.get_by_role("button", name="Tìm", exact=True).click()
    expect(phone.locator("#results-title")).to_be_in_viewport()
    expect(phone.locator(".result-item").first).to_be_visible()

    phone.locator("#id_q").fill("khong co co quan nao nhu vay")
    phone.get_by_role("button", name="Tìm", exact=True).click()
    expect(phone.locator("#results-title")).to_have_text("0 kết quả")
    expect(phone.get_by_text("Không tìm thấy kết quả nào.")).to_be_in_viewport()
