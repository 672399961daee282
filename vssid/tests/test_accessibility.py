"""axe-core in a real Chromium at 360×740 on every page that exists: no serious or critical issue.

axe-core is vendored in vssid/tests/vendor/ (npm axe-core 4.14.1, MPL-2.0, licence beside it):
test-only, evaluated in the page through the DevTools protocol, never served by the app.

The list of URL names covers pages built by several features; a name that does not reverse yet
is skipped, so the check grows as features land. The database notes of
enrollment/tests/test_browser_registration.py apply here too (live_server makes the test
transactional: the register is re-seeded before when empty and after, for later tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Page, expect

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.usefixtures("register_restored_afterwards"),
]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ANONYMOUS_PAGES = ["home", "services:index", "enrollment:register", "enrollment:status", "accounts:login"]
CITIZEN_PAGES = [
    "accounts:home",
    "card:card",
    "services:index",
    "history:participation",
    "history:benefits",
    "history:visits",
    "estimate:estimate",
    "lookup:index",
    "lookup:ssn",
    "lookup:offices",
    "lookup:facilities",
    "lookup:collection_points",
    "support:index",
    "support:tickets",
    "support:notifications",
    "accounts:devices",
    "accounts:viewers",
    "accounts:password_change",
    "history:flags",
]
# The back office and the employer portal, each seen by its own demo user.
ROLE_PAGES = {
    "nhansu.demo": ["employers:workers", "employers:flags"],
    "canbo.dongda": ["staff:queue", "history:staff_flags", "support_staff:queue"],
    "lanhdao.hanoi": ["employers:campaign"],
}
BLOCKING = ("serious", "critical")
# Pages of the citizen self-service feature, also checked for sideways overflow on a phone.
OWN_PAGES = {"accounts:home", "estimate:estimate", "accounts:devices", "accounts:viewers"}


def existing(names: list[str]) -> list[tuple[str, str]]:
    found = []
    for name in names:
        try:
            found.append((name, reverse(name)))
        except NoReverseMatch:
            continue
    return found


def blocking_violations(page: Page) -> list[str]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for violation in result["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(
                f"  [{violation['impact']}] {violation['id']}: {violation['help']}\n      {target}\n      {node['html'][:200]}"
            )
    return lines


def test_pages_have_no_serious_or_critical_axe_violations(page: Page, live_server: Any, seeded_register: None) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    report: dict[str, list[str]] = {}
    checked = []

    def check(name: str, url: str) -> None:
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.status < 500, f"{name} {url}: HTTP {response and response.status}"
        checked.append(name)
        problems = blocking_violations(page)
        if name in OWN_PAGES and page.evaluate("document.documentElement.scrollWidth") > 360:
            wide = page.evaluate(
                "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 360"
                " && e.parentElement.getBoundingClientRect().right <= 360).map(e => e.outerHTML.slice(0, 160))"
            )
            problems.append(f"  page is wider than the 360 px screen (sideways scrolling): {wide}")
        if problems:
            report[f"{name} ({url})"] = problems

    def log_in(username: str) -> None:
        page.context.clear_cookies()
        page.goto(f"{live_server.url}{reverse('accounts:login')}")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill("VssidDemo@2026")
        page.locator("main form button[type=submit]").first.click()
        expect(page).not_to_have_url(f"{live_server.url}{reverse('accounts:login')}")

    for name, url in existing(ANONYMOUS_PAGES):
        check(name, url)

    log_in("0198765432")
    expect(page).to_have_url(f"{live_server.url}{reverse('accounts:home')}")
    for name, url in existing(CITIZEN_PAGES):
        check(name, url)

    for username, names in ROLE_PAGES.items():
        log_in(username)
        for name, url in existing(names):
            check(name, url)

    assert "accounts:home" in checked and "estimate:estimate" in checked
    assert "employers:flags" in checked and "staff:queue" in checked
    print("\naxe checked:", ", ".join(checked))
    assert not report, "axe-core found serious/critical violations:\n" + "\n".join(
        f"{page_name}\n" + "\n".join(lines) for page_name, lines in report.items()
    )


@pytest.mark.django_db(transaction=False)
def test_the_check_does_catch_a_violation(page: Page) -> None:
    # A negative control: the harness must report a missing alt text and an unlabelled input.
    page.set_content('<html lang="vi"><body><main><img src="data:,"><input type="text"></main></body></html>')
    problems = "\n".join(blocking_violations(page))
    assert "image-alt" in problems and "label" in problems
