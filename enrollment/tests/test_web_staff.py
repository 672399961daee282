"""The office back office: who may see what, search, the decisions with and without htmx."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from enrollment.models import Registration
from enrollment.tests.web_support import login, register_and_confirm, sms_of, use_files
from registry.models import Person

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


@pytest.fixture
def reference(client: Client) -> str:
    """An registered and confirmed for office 00106."""
    return register_and_confirm(client)


@pytest.fixture
def clerk() -> Client:
    browser = Client()
    assert login(browser, "canbo.dongda").status_code == 302
    return browser


def html(response: Any) -> str:
    return str(response.content.decode())


def test_staff_of_another_office_get_404_for_everything(reference: str) -> None:
    User.objects.create_user("canbo.badinh", password="Ba-Dinh-2026!", role=User.Role.STAFF, office_id="00101")
    other = Client()
    assert login(other, "canbo.badinh", "Ba-Dinh-2026!").status_code == 302
    assert reference not in html(other.get("/staff/"))
    assert reference not in html(other.get("/staff/", {"q": "nguyen van an"}))
    assert other.get("/staff/", {"q": reference}).status_code == 200  # no redirect: nothing found
    for url in (f"/staff/ho-so/{reference}/", f"/staff/ho-so/{reference}/anh/portrait/"):
        assert other.get(url).status_code == 404, url
    for action in ("tiep-nhan", "duyet", "tu-choi"):
        assert other.post(f"/staff/ho-so/{reference}/{action}/", {"reason": "x"}).status_code == 404, action
    assert Registration.objects.get(reference=reference).status == "submitted"
    assert not AuditEvent.objects.filter(object_id=reference, actor__username="canbo.badinh").exists()


def test_only_office_staff_reach_the_back_office(client: Client) -> None:
    response = Client().get("/staff/")
    assert response.status_code == 302 and response["Location"] == "/dang-nhap/?next=/staff/"
    citizen = Client()
    assert login(citizen, "0198765432").status_code == 302
    assert citizen.get("/staff/").status_code == 404
    hr = Client()
    assert login(hr, "nhansu.demo").status_code == 302
    assert hr.get("/staff/").status_code == 404


def test_a_staff_login_goes_back_to_the_page_asked_for(client: Client) -> None:
    response = client.post(
        "/dang-nhap/?next=/staff/", {"username": "canbo.dongda", "password": "VssidDemo@2026", "next": "/staff/"}
    )
    assert response["Location"] == "/staff/"
    elsewhere = Client().post(
        "/dang-nhap/", {"username": "canbo.dongda", "password": "VssidDemo@2026", "next": "https://evil.example/"}
    )
    assert elsewhere["Location"] == "/staff/"


def test_search_by_reference_opens_the_file_and_by_name_lists_it(reference: str, clerk: Client) -> None:
    # A USB scanner types the QR's reference and Enter.
    response = clerk.get("/staff/", {"q": f" {reference.lower()} "})
    assert response.status_code == 302 and response["Location"] == f"/staff/ho-so/{reference}/"
    for query in ("nguyen van an", "Nguyễn Văn", "001090012345", "0123456789"):
        page = html(clerk.get("/staff/", {"q": query}))
        assert f"/staff/ho-so/{reference}/" in page, query
    assert "Không có hồ sơ nào." in html(clerk.get("/staff/", {"q": "khong co ai"}))


def test_the_queue_is_sorted_by_deadline_in_few_queries(clerk: Client, django_assert_max_num_queries: Any) -> None:
    today = timezone.localdate()
    people = list(Person.objects.filter(account__isnull=True).exclude(ssn="0123456789").order_by("pk")[:4])
    references = {}
    for days, person in zip((7, 2, -1, 9), people, strict=True):
        registration = Registration.objects.create(
            reference=f"DKQ{person.pk:07d}", status="submitted", person=person, office_id="00106",
            full_name=person.full_name, ssn=person.ssn, cccd=person.cccd, date_of_birth=dt.date(1990, 1, 1), sex=person.sex,
            phone="+84912345678", province_id="01", street="Số 1", submitted_at=timezone.now(),
            deadline=today + dt.timedelta(days=days),
        )  # fmt: skip
        references[days] = registration.reference
    with django_assert_max_num_queries(6):
        page = html(clerk.get("/staff/"))
    positions = [page.index(references[days]) for days in sorted(references)]
    assert positions == sorted(positions)
    assert "quá hạn 1 ngày" in page and "còn 2 ngày" in page and "còn 9 ngày" in page
    assert 'id="q"' in page and "autofocus" in page


def test_reject_needs_a_reason_then_tells_the_person(reference: str, clerk: Client) -> None:
    url = f"/staff/ho-so/{reference}/tu-choi/"
    # Without JavaScript: the page again, with the error next to the box.
    response = clerk.post(url, {"reason": "   "})
    assert response.status_code == 400 and "Nhập lý do từ chối." in html(response)
    assert 'aria-invalid="true"' in html(response)
    # With htmx: the panel only.
    response = clerk.post(url, {"reason": ""}, headers=HTMX)
    assert response.status_code == 400 and html(response).startswith('<section id="panel"')
    assert Registration.objects.get(reference=reference).status == "submitted"
    response = clerk.post(url, {"reason": "Ảnh CCCD bị mờ, không đọc được số."}, headers=HTMX)
    assert response.status_code == 200 and "Đã từ chối hồ sơ" in html(response)
    registration = Registration.objects.get(reference=reference)
    assert registration.status == "rejected" and registration.reject_reason == "Ảnh CCCD bị mờ, không đọc được số."
    notice = [body for body in sms_of("notice") if "tu choi" in body]  # after the reference SMS of the confirmation
    assert len(notice) == 1 and "Ly do: Anh CCCD bi mo, khong doc duoc so. Lien he" in notice[0]


def test_htmx_actions_return_the_updated_panel(reference: str, clerk: Client) -> None:
    response = clerk.post(f"/staff/ho-so/{reference}/duyet/", headers=HTMX)
    assert response.status_code == 409 and "hãy tiếp nhận trước khi duyệt" in html(response)
    response = clerk.post(f"/staff/ho-so/{reference}/tiep-nhan/", headers=HTMX)
    panel = html(response)
    assert response.status_code == 200 and panel.startswith('<section id="panel"')
    assert "Đã tiếp nhận tờ khai và bản chính CCCD." in panel and "autofocus" in panel
    assert f'hx-post="/staff/ho-so/{reference}/duyet/"' in panel and "tiep-nhan" not in panel
    response = clerk.post(f"/staff/ho-so/{reference}/duyet/", headers=HTMX)
    assert response.status_code == 200 and "Đã duyệt" in html(response)
    assert "SMS gửi mật khẩu" in html(response)


def test_without_js_an_action_redirects_back_with_a_message(reference: str, clerk: Client) -> None:
    response = clerk.post(f"/staff/ho-so/{reference}/tiep-nhan/", follow=True)
    assert response.redirect_chain == [(f"/staff/ho-so/{reference}/", 302)]
    assert "Đã tiếp nhận tờ khai và bản chính CCCD." in html(response)
    again = clerk.post(f"/staff/ho-so/{reference}/tiep-nhan/")
    assert again.status_code == 409 and "Hồ sơ đã được tiếp nhận trước đó." in html(again)


def test_actions_need_post_and_csrf(reference: str, clerk: Client) -> None:
    assert clerk.get(f"/staff/ho-so/{reference}/tiep-nhan/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(User.objects.get(username="canbo.dongda"))
    assert strict.post(f"/staff/ho-so/{reference}/tiep-nhan/").status_code == 403
    assert Registration.objects.get(reference=reference).status == "submitted"


def test_an_unknown_photo_is_404(reference: str, clerk: Client) -> None:
    assert clerk.get(f"/staff/ho-so/{reference}/anh/passport/").status_code == 404
    assert clerk.get("/staff/ho-so/DK00000000/").status_code == 404


def test_the_queue_filters_by_status(reference: str, clerk: Client) -> None:
    clerk.post(f"/staff/ho-so/{reference}/tiep-nhan/")
    assert reference in html(clerk.get("/staff/", {"status": "received"}))
    assert reference not in html(clerk.get("/staff/", {"status": "submitted"}))
    assert reference in html(clerk.get("/staff/", {"status": "nonsense"}))  # unknown filter: the open files
    clerk.post(f"/staff/ho-so/{reference}/duyet/")
    assert reference not in html(clerk.get("/staff/"))
    assert reference in html(clerk.get("/staff/", {"status": "approved"}))
