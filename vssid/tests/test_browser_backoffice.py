"""The back office in a real Chromium: approving asks once more before it creates the account.

The database notes of enrollment/tests/test_browser_registration.py apply (live_server makes the
test transactional; the register is re-seeded when empty, and once more afterwards).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Dialog, Page, expect

from enrollment.models import Registration
from enrollment.tests.web_support import register_and_confirm, use_files

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser,
    pytest.mark.usefixtures("register_restored_afterwards"),
]


def test_approve_asks_for_a_confirmation_naming_the_person(
    page: Page, live_server: Any, seeded_register: None, settings: Any, tmp_path: Path
) -> None:
    use_files(settings, tmp_path)
    reference = register_and_confirm(Client())
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/dang-nhap/?next=/staff/ho-so/{reference}/")
    page.locator("#id_username").fill("canbo.dongda")
    page.locator("#id_password").fill("VssidDemo@2026")
    page.locator("main button[type=submit]").click()
    page.get_by_role("button", name="Đã nhận tờ khai và bản chính CCCD").click()
    approve = page.get_by_role("button", name="Duyệt")
    expect(approve).to_be_visible()

    questions: list[str] = []

    def answer(dialog: Dialog, *, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    approve.click()
    expect(approve).to_be_visible()
    assert questions and reference in questions[0] and "Nguyễn Văn An" in questions[0]
    assert Registration.objects.get(reference=reference).status == Registration.Status.RECEIVED

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    approve.click()
    expect(page.locator("#panel")).to_contain_text("Đã duyệt")
    assert Registration.objects.get(reference=reference).status == Registration.Status.APPROVED
