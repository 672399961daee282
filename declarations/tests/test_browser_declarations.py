"""A dossier to a paid month in a real Chromium, on a phone-sized screen (360 px):

the employer's HR clerk uploads a bad CSV (the rows at fault are listed) then a good one and sends
it; an office clerk receives and processes it (at once, or a moment later when processing runs in
the background); the clerk records the payment order; the employer's C12 shows the month's total
as paid; the worker sees the month paid in her history.

Screenshots of every page go to var/screenshots/decl-*.png (git ignores them): they are for looking
at. The database notes of enrollment/tests/test_browser_registration.py apply.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from declarations.models import Dossier
from declarations.tests.support import BINH, DEMO_EMPLOYER, PASSWORD
from registry import rules
from registry.models import ParticipationPeriod

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.usefixtures("register_restored_afterwards"),
]

SHOTS = Path(settings.VAR_DIR) / "screenshots"
RATES = {"bhxh": 0.25, "bhyt": 0.045, "bhtn": 0.02, "bhtnld": 0.005}
HEADER = "STT,HoTen,MaSoBhxh,PhuongAnId,ChucVu,TienLuong,TuThang\n"


@pytest.fixture
def phones(browser: Browser) -> Iterator[Callable[[], Page]]:
    """A new phone-sized browser (one per user); closed at the end, so the live server's keep-alive
    threads end and give their database sessions back."""
    contexts: list[BrowserContext] = []

    def new() -> Page:
        contexts.append(browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN"))
        return contexts[-1].new_page()

    yield new
    for context in contexts:
        context.close()


def _log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}{reverse('accounts:login')}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).not_to_have_url(f"{base}{reverse('accounts:login')}")


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"decl-{name}.png", full_page=True)
    # Nothing may stick out of the phone's screen (the C12 table scrolls inside its own box).
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def _dots(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _expected_due(month: dt.date) -> int:
    """The month's amount for the employer from the register, as the rates and ceilings say."""
    total = 0
    for scheme, salary in (
        ParticipationPeriod.objects.filter(employer_id=DEMO_EMPLOYER, from_month__lte=month)
        .exclude(to_month__lt=month)
        .values_list("scheme", "salary_basis")
    ):
        ceiling = rules.bhtn_salary_ceiling_on(month, 1) if scheme == "bhtn" else rules.salary_ceiling_on(month)
        total += round(min(salary, ceiling) * RATES[scheme])
    return total


def test_dossier_to_paid_month_on_a_phone(
    phones: Callable[[], Page], live_server: Any, seeded_register: None, tmp_path: Path
) -> None:
    base = live_server.url
    month = timezone.localdate().replace(day=1)
    period = f"{month:%m%Y}"

    # The employer's HR clerk: a bad file first, then the good one, then sends it.
    hr = phones()
    _log_in(hr, base, "nhansu.demo")
    hr.goto(f"{base}{reverse('declarations:dossiers')}")
    bad = tmp_path / "D02-LT-sai.csv"
    bad.write_text(HEADER + f"1,Trần Thị Bình,{BINH},XX,Trưởng nhóm,15000000,13/{month.year}\n", encoding="utf-8")
    hr.locator("#period-file").fill(period)
    hr.locator("#file").set_input_files(bad)
    hr.get_by_role("button", name="Tải lên và kiểm tra").click()
    problems = hr.locator(".error-summary")
    expect(problems).to_be_visible()
    expect(problems.locator(".row-problems li")).not_to_have_count(0)
    expect(problems).to_contain_text("Dòng 2")
    _shot(hr, "1-employer-bad-file")
    assert not Dossier.objects.exists()

    good = tmp_path / "D02-LT.csv"
    good.write_text(HEADER + f"1,Trần Thị Bình,{BINH},DC,Trưởng nhóm,15000000,{month:%m/%Y}\n", encoding="utf-8")
    hr.locator("#period-file").fill(period)
    hr.locator("#file").set_input_files(good)
    hr.get_by_role("button", name="Tải lên và kiểm tra").click()
    expect(hr.locator("body")).to_contain_text("Đã tạo hồ sơ nháp")
    _shot(hr, "2-employer-draft")
    hr.get_by_role("button", name="Gửi hồ sơ đến cơ quan BHXH").click()
    expect(hr.locator("body")).to_contain_text("Đã gửi hồ sơ")
    dossier = Dossier.objects.get(employer_id=DEMO_EMPLOYER, period=month)
    assert dossier.status == Dossier.Status.SUBMITTED

    # The office clerk receives and processes it.
    clerk = phones()
    _log_in(clerk, base, "canbo.dongda")
    clerk.goto(f"{base}{reverse('declarations:staff_queue')}")
    expect(clerk.locator("main")).to_contain_text("Công ty Cổ phần Công nghệ Sông Hồng")
    _shot(clerk, "3-office-queue")
    clerk.goto(f"{base}{reverse('declarations:staff_dossier', args=[dossier.pk])}")
    clerk.get_by_role("button", name="Tiếp nhận").click()
    expect(clerk.locator("[data-status]")).to_have_text("Đã tiếp nhận")
    clerk.get_by_role("button", name="Xử lý: ghi vào sổ").click()
    for _attempt in range(60):  # processing may run in the background: wait for it
        if clerk.locator("[data-status]").inner_text().strip() == "Đã xử lý":
            break
        time.sleep(0.5)
        clerk.reload()
    expect(clerk.locator("[data-status]")).to_have_text("Đã xử lý")
    expect(clerk.locator("[data-number]")).to_have_text(re.compile(rf"^\d{{5}}/{month.year}/00106$"))
    _shot(clerk, "4-office-processed")

    # The payment order for the whole month.
    due = _expected_due(month)
    assert due > 0
    clerk.goto(f"{base}{reverse('declarations:staff_payments')}")
    clerk.locator("#employer").fill(DEMO_EMPLOYER)
    clerk.locator("#amount").fill(_dots(due))
    clerk.locator("#paid_on").fill(f"{timezone.localdate():%Y-%m-%d}")
    clerk.locator("#reference").fill("UNC-PW-001")
    clerk.get_by_role("button", name="Ghi nhận", exact=True).click()
    expect(clerk.locator("body")).to_contain_text(f"Đã ghi nhận UNC UNC-PW-001: {_dots(due)} đ")
    _shot(clerk, "5-office-payment")

    # The employer's C12 of the month: B.3 is the month's total, all of it paid (D.1), nothing owed.
    hr.goto(f"{base}{reverse('declarations:statement', args=[period])}")
    table = hr.locator("table.c12")

    def cong(stt: str) -> str:
        return table.locator("tr", has=hr.locator("td.stt", has_text=stt)).first.locator("td.num").first.inner_text().strip()

    expect(table).to_be_visible()
    assert cong("B.3") == _dots(due)
    assert cong("C") == _dots(due)
    assert cong("D.1") == _dots(due)
    assert cong("Đ.2.2") == ""
    _shot(hr, "6-employer-c12")
    hr.goto(f"{base}{reverse('declarations:dossiers')}")
    expect(hr.locator(".month-list")).to_contain_text("Đã đóng")
    _shot(hr, "7-employer-dossiers")

    # The worker: the month is paid in her history.
    citizen = phones()
    _log_in(citizen, base, BINH)
    citizen.goto(f"{base}{reverse('history:participation')}")
    months = citizen.locator("[data-months] li", has_text=f"Tháng {month:%m/%Y}")
    expect(months).to_have_count(1)
    expect(months.locator(".status-paid")).to_have_text("Đã đóng")
    _shot(citizen, "8-citizen-history")
