"""Every page of every role on the phones people have: nothing wider than the screen.

Each page is opened at 320×640, 360×740 and 412×915 under mobile emulation, logged in as the demo
user of its role. Under mobile emulation a page that is too wide widens the layout viewport, so
`innerWidth` grows with it: both it and `scrollWidth` are compared with the device's width, never
with each other. On the card, the holder's name and the card number must each fit on one line.

The run writes screenshots (the card at the three widths, full page; every page as the phone
first shows it) to var/screenshots/, which git ignores: they are for looking at, not committed.
The database notes of enrollment/tests/test_browser_registration.py apply (live_server makes the
test transactional; the register is re-seeded when empty, and once more afterwards).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Browser, Page, expect

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.usefixtures("register_restored_afterwards"),
]

DEVICES = [(320, 640), (360, 740), (412, 915)]
SHOTS = Path(settings.VAR_DIR) / "screenshots"

# URL names (no arguments) and extra queries; a name that does not reverse yet is skipped, so the
# check grows as pages land. The dict keys are the demo logins (README), "" is a visitor.
PAGES: dict[str, list[str]] = {
    "": [
        "home",
        "services:index",
        "enrollment:register",
        "enrollment:status",
        "accounts:login",
        "accounts:password_reset",
        "lookup:index",
        "lookup:ssn",
        "lookup:offices",
        "lookup:facilities",
        "lookup:collection_points",
        "support:index",
        "calculators:index",
        "calculators:pension_age",
        "calculators:voluntary",
        "calculators:household",
        "calculators:card_pays",
        "calculators:card_validity",
        "calculators:unemployment",
        "calculators:pension",
    ],
    "0198765432": [
        "accounts:home",
        "card:card",
        "card:card?su-dung=1",
        "card:card?hinh-anh=1",
        "services:index",
        "history:participation",
        "history:benefits",
        "history:visits",
        "history:flags",
        "estimate:estimate",
        "lookup:index",
        "support:index",
        "support:tickets",
        "support:notifications",
        "accounts:devices",
        "accounts:viewers",
        "accounts:password_change",
        "counter:notice_setting",
    ],
    "nhansu.demo": ["employers:workers", "employers:flags", "declarations:dossiers", "accounts:password_change"],
    "canbo.dongda": [
        "staff:queue",
        "history:staff_flags",
        "support_staff:queue",
        "employers:campaign",
        "declarations:staff_queue",
        "declarations:staff_payments",
    ],
    "lanhdao.hanoi": ["employers:campaign", "accounts:invite_hr", "staff:queue"],
    "bachmai.tiepdon": ["counter:page", "accounts:password_change"],
}

# The elements that stick out of the screen, for the failure message.
WIDE_ELEMENTS = """w => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > w + 0.5 && e.parentElement.getBoundingClientRect().right <= w + 0.5)
  .map(e => e.outerHTML.slice(0, 160))"""
# The shell's controls that are cut off or pressed against the screen's edge: a menu link must be
# wholly on screen (the menu wraps, it does not hide links sideways), the top bar's buttons must keep
# a margin on the right.
CLIPPED = """w => [...document.querySelectorAll('.menu a, .bar-tools > *')]
  .filter(e => e.getBoundingClientRect().right > w - (e.closest('.bar') ? 4 : 0))
  .map(e => e.textContent.trim() || e.outerHTML.slice(0, 80))"""
LINES = """s => { const e = document.querySelector(s); const r = document.createRange(); r.selectNodeContents(e);
  return new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size; }"""


def url_of(entry: str) -> str | None:
    name, _, query = entry.partition("?")
    try:
        url = reverse(name)
    except NoReverseMatch:
        return None
    return f"{url}?{query}" if query else url


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}{reverse('accounts:login')}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("VssidDemo@2026")
    page.locator("main button[type=submit]").click()
    expect(page).not_to_have_url(f"{base}{reverse('accounts:login')}")


def test_no_page_is_wider_than_the_phone(browser: Browser, live_server: Any, seeded_register: None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    checked = 0
    for width, height in DEVICES:
        for username, entries in PAGES.items():
            context = browser.new_context(
                viewport={"width": width, "height": height}, is_mobile=True, has_touch=True, device_scale_factor=2
            )
            page = context.new_page()
            if username:
                log_in(page, live_server.url, username)
            for entry in entries:
                url = url_of(entry)
                if url is None:
                    continue
                response = page.goto(f"{live_server.url}{url}")
                assert response is not None and response.status < 500, f"{entry} {url}: HTTP {response and response.status}"
                checked += 1
                scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
                if scroll_width > width or inner_width > width:
                    wide = page.evaluate(WIDE_ELEMENTS, width)
                    problems.append(f"{username or 'visitor'} {url} at {width}: {scroll_width} px wide; {wide[:4]}")
                clipped = page.evaluate(CLIPPED, width)
                if clipped:
                    problems.append(f"{username or 'visitor'} {url} at {width}: cut off or at the edge: {clipped}")
                slug = f"{username or 'visitor'}-{entry.replace(':', '_').replace('?', '_').replace('=', '')}-{width}"
                page.screenshot(path=SHOTS / f"{slug}.png")
                if entry == "card:card":
                    expect(page.locator(".hi-card .card-number")).to_have_text("DN4010198765432")
                    for selector in (".hi-card .holder", ".hi-card .card-number"):
                        lines = page.evaluate(LINES, selector)
                        if lines != 1:
                            problems.append(f"card at {width}: {selector} takes {lines} lines")
                    page.screenshot(path=SHOTS / f"card-{width}.png", full_page=True)
            context.close()
    assert checked >= 3 * 30, checked
    assert not problems, "\n".join(problems)
