"""After the confirmation: the reference by SMS with a link, and the status page that follows it.

The status page is public by reference, so it shows no personal data; Form 01 (which holds the
person's identity data) is downloaded again there by whoever types the file's BHXH code or CCCD.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from enrollment.services import normalize_reference
from enrollment.tests.web_support import login, register_and_confirm, sms_of, use_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    settings.SITE_URL = "https://vssid.example.vn"
    return use_files(settings, tmp_path)


def html(response: Any) -> str:
    return str(response.content.decode())


def spaced(reference: str) -> str:
    """As a person copies it off paper: lower case, in groups."""
    lower = reference.lower()
    return f" {lower[:2]} {lower[2:6]} {lower[6:]} "


def test_the_reference_comes_by_sms_with_a_link_to_its_status_page(client: Client) -> None:
    reference = register_and_confirm(client)
    notices = [body for body in sms_of("notice") if reference in body]
    assert len(notices) == 1
    link = re.search(r"https://\S+", notices[0])
    assert link and link.group(0) == f"https://vssid.example.vn/tra-cuu-ho-so/?reference={reference}"
    assert len(notices[0]) <= 160 and notices[0].isascii()
    page = html(Client().get(link.group(0).removeprefix("https://vssid.example.vn")))
    assert reference in page and "Chờ nộp tờ khai" in page


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("dk7f3k9q2m", "DK7F3K9Q2M"),
        (" DK 7F3K 9Q2M ", "DK7F3K9Q2M"),
        ("dk-7f3k-9q2m", "DK7F3K9Q2M"),
        ("DKO1IL0000", "DK0111" + "0000"),  # letters Crockford leaves out, read as the digits they look like
        ("x" * 31, ""),
    ],
)
def test_references_are_read_as_people_type_them(typed: str, expected: str) -> None:
    assert normalize_reference(typed) == expected


def test_the_status_page_accepts_spaces_and_any_case(client: Client) -> None:
    reference = register_and_confirm(client)
    response = Client().get("/tra-cuu-ho-so/", {"reference": spaced(reference)})
    assert response.status_code == 200 and f'value="{reference}"' in html(response)


def test_form_01_again_for_whoever_types_the_files_identity(client: Client) -> None:
    reference = register_and_confirm(client)
    # The browser that confirmed gets the link at once.
    assert "Tải lại tờ khai Mẫu 01 (PDF)" in html(client.get("/tra-cuu-ho-so/", {"reference": reference}))
    assert 'href="/dang-ky/' in html(client.get("/tra-cuu-ho-so/", {"reference": reference}))
    # Another phone (the one the SMS link opens in) proves the file is theirs first.
    other = Client()
    page = html(other.get("/tra-cuu-ho-so/", {"reference": reference}))
    assert 'name="identity"' in page and "/to-khai.pdf" not in page
    wrong = other.post(f"/tra-cuu-ho-so/{reference}/to-khai/", {"identity": "0123456780"})
    assert wrong.status_code == 400 and "không đúng với hồ sơ này" in html(wrong)
    right = other.post(f"/tra-cuu-ho-so/{reference}/to-khai/", {"identity": " 0123456789 "})
    assert right.status_code == 302 and right["Location"].startswith(f"/dang-ky/{reference}/to-khai.pdf?token=")
    pdf = other.get(right["Location"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    by_cccd = Client().post(f"/tra-cuu-ho-so/{reference}/to-khai/", {"identity": "001090012345"})
    assert by_cccd.status_code == 302


def test_guessing_the_identity_is_limited_per_file(client: Client) -> None:
    reference = register_and_confirm(client)
    answers = [
        Client().post(f"/tra-cuu-ho-so/{reference}/to-khai/", {"identity": f"01234567{n:02d}"}).status_code for n in range(6)
    ]
    assert answers[:5] == [400] * 5 and answers[5] == 429
    # Even the right one waits now: the budget is the file's, not the guess's.
    assert Client().post(f"/tra-cuu-ho-so/{reference}/to-khai/", {"identity": "0123456789"}).status_code == 429


def test_a_rejection_shows_its_reason_and_no_form(client: Client) -> None:
    reference = register_and_confirm(client)
    clerk = Client()
    assert login(clerk, "canbo.dongda").status_code == 302
    reason = "Ảnh CCCD mặt sau bị mờ, không đọc được số."
    assert clerk.post(f"/staff/ho-so/{reference}/tu-choi/", {"reason": reason}).status_code == 302
    page = html(Client().get("/tra-cuu-ho-so/", {"reference": reference}))
    assert "Lý do từ chối" in page and reason in page and "Đăng ký lại" in page
    assert 'name="identity"' not in page
    assert Client().post(f"/tra-cuu-ho-so/{reference}/to-khai/", {"identity": "0123456789"}).status_code == 409
