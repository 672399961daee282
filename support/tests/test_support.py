"""Help centre, tickets (owned; routed to an office), staff answers, notifications, the expiring-card task."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from registry.models import HealthCard, Person
from support.models import Notification, Ticket
from support.services import notify_expiring_cards, routing_office
from vssid.testing import sms_of

pytestmark = pytest.mark.django_db
API = "/api/v1"
BINH_SSN = "0198765432"
BINH_PHONE = "+84987654321"
PASSWORD = "VssidDemo@2026"


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    path: Path = settings.SMS_FILE_PATH
    return path


def browser(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def binh() -> Client:
    return browser(BINH_SSN)


@pytest.fixture
def other_citizen() -> Client:
    person = Person.objects.exclude(ssn__in=[BINH_SSN, "0123456789"]).filter(account__isnull=True).first()
    assert person is not None
    User.objects.create_user(person.ssn, password="Other-Citizen-2026!", role=User.Role.CITIZEN, person=person)
    return browser(person.ssn)


@pytest.fixture
def ticket(binh: Client) -> Ticket:
    response = binh.post("/ho-tro/yeu-cau/", {"subject": "Thiếu tháng 3/2024", "message": "Quá trình thiếu tháng 3."})
    assert response.status_code == 302, response.content
    return Ticket.objects.get(person__ssn=BINH_SSN)


def html(response: Any) -> str:
    return str(response.content.decode())


def api_token(client: Client, username: str) -> str:
    response = client.post(
        f"{API}/auth/login", json.dumps({"username": username, "password": PASSWORD}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    token: str = response.json()["access_token"]
    return token


# ---- help centre ---------------------------------------------------------------------------


def test_help_centre_is_public_with_hotlines_and_faq(client: Client) -> None:
    page = html(client.get("/ho-tro/"))
    for tel in ('href="tel:19009068"', 'href="tel:+842437223968"', 'href="tel:+8424372236554"'):
        assert tel in page
    for slug in ("thieu-thang", "quen-mat-khau", "khong-nhan-sms", "lua-dao", "mot-thiet-bi", "the-dien-tu"):
        assert f'id="{slug}"' in page


# ---- tickets -------------------------------------------------------------------------------


def test_tickets_need_a_citizen_login(client: Client) -> None:
    assert client.get("/ho-tro/yeu-cau/").status_code == 302
    assert browser("canbo.dongda").get("/ho-tro/yeu-cau/").status_code == 404
    assert browser("nhansu.demo").get("/ho-tro/yeu-cau/").status_code == 404


def test_a_citizen_creates_and_lists_own_tickets(binh: Client, ticket: Ticket) -> None:
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.office_id == "00106"  # Bình's ward is served by BHXH cơ sở Đống Đa
    listing = html(binh.get("/ho-tro/yeu-cau/"))
    assert "Thiếu tháng 3/2024" in listing and f"/ho-tro/yeu-cau/{ticket.pk}/" in listing
    assert "Quá trình thiếu tháng 3." in html(binh.get(f"/ho-tro/yeu-cau/{ticket.pk}/"))
    assert binh.post("/ho-tro/yeu-cau/", {"subject": "", "message": ""}).status_code == 400


def test_another_citizens_ticket_is_404(ticket: Ticket, other_citizen: Client) -> None:
    assert other_citizen.get(f"/ho-tro/yeu-cau/{ticket.pk}/").status_code == 404
    assert "Thiếu tháng" not in html(other_citizen.get("/ho-tro/yeu-cau/"))


def test_open_tickets_are_capped(binh: Client) -> None:
    for n in range(5):
        assert binh.post("/ho-tro/yeu-cau/", {"subject": f"Câu hỏi {n}", "message": "..."}).status_code == 302
    assert binh.post("/ho-tro/yeu-cau/", {"subject": "Một nữa", "message": "..."}).status_code == 409
    assert Ticket.objects.filter(person__ssn=BINH_SSN).count() == 5


def test_routing_falls_back_to_employer_then_province() -> None:
    person = Person.objects.get(ssn=BINH_SSN)
    assert routing_office(person).code == "00106"
    person.ward = None
    assert routing_office(person).code == "00106"  # the employer's managing office
    person.periods.all().delete()
    assert routing_office(person).code == "001"


# ---- staff ------------------------------------------------------------------------------


def test_staff_answer_notifies_and_texts_the_citizen(binh: Client, ticket: Ticket) -> None:
    clerk = browser("canbo.dongda")
    assert f"/staff/ho-tro/{ticket.pk}/" in html(clerk.get("/staff/ho-tro/"))
    detail = clerk.get(f"/staff/ho-tro/{ticket.pk}/")
    assert detail.status_code == 200 and "Quá trình thiếu tháng 3." in html(detail)
    assert AuditEvent.objects.filter(action="support_ticket_viewed", object_id=str(ticket.pk), person__ssn=BINH_SSN).exists()
    response = clerk.post(f"/staff/ho-tro/{ticket.pk}/tra-loi/", {"answer": "Đơn vị đã báo tăng bổ sung."})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ANSWERED and ticket.answered_by is not None
    assert ticket.answered_by.username == "canbo.dongda"
    note = Notification.objects.get(user__username=BINH_SSN, kind=Notification.Kind.TICKET_ANSWERED)
    assert note.link == f"/ho-tro/yeu-cau/{ticket.pk}/" and note.read_at is None
    assert len(sms_of("notice", BINH_PHONE)) == 1
    assert "Đơn vị đã báo tăng bổ sung." in html(binh.get(f"/ho-tro/yeu-cau/{ticket.pk}/"))
    # A second answer is refused; nothing more is sent.
    assert clerk.post(f"/staff/ho-tro/{ticket.pk}/tra-loi/", {"answer": "Lần hai"}).status_code == 400
    assert len(sms_of("notice", BINH_PHONE)) == 1


def test_a_lead_of_the_parent_office_may_answer(ticket: Ticket) -> None:
    lead = browser("lanhdao.hanoi")
    assert lead.get(f"/staff/ho-tro/{ticket.pk}/").status_code == 200


def test_staff_of_another_office_and_others_get_404(ticket: Ticket, other_citizen: Client) -> None:
    User.objects.create_user("canbo.badinh", password="Ba-Dinh-2026!", role=User.Role.STAFF, office_id="00101")
    for client in (browser("canbo.badinh"), browser("nhansu.demo"), other_citizen):
        assert f"/staff/ho-tro/{ticket.pk}/" not in html(client.get("/staff/ho-tro/"))
        assert client.get(f"/staff/ho-tro/{ticket.pk}/").status_code == 404
        assert client.post(f"/staff/ho-tro/{ticket.pk}/tra-loi/", {"answer": "x"}).status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.OPEN
    assert Client().get("/staff/ho-tro/").status_code == 302


def test_staff_queue_query_count(ticket: Ticket, binh: Client, django_assert_max_num_queries: Any) -> None:
    for n in range(3):
        binh.post("/ho-tro/yeu-cau/", {"subject": f"Câu hỏi {n}", "message": "..."})
    clerk = browser("canbo.dongda")
    with django_assert_max_num_queries(8):
        page = clerk.get("/staff/ho-tro/")
    assert html(page).count("/staff/ho-tro/") >= 4


def test_citizen_ticket_list_query_count(ticket: Ticket, binh: Client, django_assert_max_num_queries: Any) -> None:
    for n in range(3):
        binh.post("/ho-tro/yeu-cau/", {"subject": f"Câu hỏi {n}", "message": "..."})
    with django_assert_max_num_queries(6):
        assert binh.get("/ho-tro/yeu-cau/").status_code == 200


# ---- notifications -------------------------------------------------------------------------


def test_notifications_page_lists_and_marks_read(binh: Client, other_citizen: Client, django_assert_max_num_queries: Any) -> None:
    user = User.objects.get(username=BINH_SSN)
    notes = [Notification.objects.create(user=user, kind="notice", text=f"Tin {n}") for n in range(3)]
    with django_assert_max_num_queries(6):
        page = html(binh.get("/thong-bao/"))
    assert all(f"Tin {n}" in page for n in range(3))
    # Another citizen can neither see nor mark them.
    assert "Tin 0" not in html(other_citizen.get("/thong-bao/"))
    assert other_citizen.post(f"/thong-bao/{notes[0].pk}/da-doc/").status_code == 404
    assert Notification.objects.get(pk=notes[0].pk).read_at is None
    assert binh.post(f"/thong-bao/{notes[0].pk}/da-doc/").status_code == 302
    assert Notification.objects.get(pk=notes[0].pk).read_at is not None
    assert binh.post("/thong-bao/da-doc/").status_code == 302
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


def test_expiring_card_task_notifies_once_per_card(as_of: dt.date) -> None:
    card = HealthCard.objects.get(person__ssn=BINH_SSN, status=HealthCard.Status.ACTIVE)
    card.valid_to = as_of + dt.timedelta(days=20)
    card.save(update_fields=["valid_to"])
    # An expiring card of someone without an account: no one to notify.
    an_card = HealthCard.objects.filter(person__ssn="0123456789", status=HealthCard.Status.ACTIVE).first()
    if an_card is not None:
        an_card.valid_to = as_of + dt.timedelta(days=5)
        an_card.save(update_fields=["valid_to"])
    Notification.objects.filter(kind="card_expiring").delete()
    assert notify_expiring_cards(as_of - dt.timedelta(days=11)) == 0  # 31 days before: not yet
    created = notify_expiring_cards(as_of)
    assert created >= 1
    assert notify_expiring_cards(as_of) == 0
    assert notify_expiring_cards(as_of + dt.timedelta(days=1)) == 0
    mine = Notification.objects.filter(user__username=BINH_SSN, kind="card_expiring")
    assert mine.count() == 1 and card.number in mine.get().text
    assert not Notification.objects.filter(user__person__ssn="0123456789").exists()
    assert notify_expiring_cards(card.valid_to + dt.timedelta(days=1)) == 0


def test_task_is_registered() -> None:
    from support.tasks import notify_expiring_cards as task

    assert isinstance(task.call(), int)  # the periodic entry point runs the same service


# ---- API ---------------------------------------------------------------------------------


def test_api_tickets_own_only(client: Client, other_citizen: Client) -> None:
    token = api_token(client, BINH_SSN)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    created = client.post(
        f"{API}/support/tickets",
        json.dumps({"subject": "SMS", "message": "Không nhận được OTP"}),
        content_type="application/json",
        **auth,  # type: ignore[arg-type]
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "open" and body["office_code"] == "00106"
    listing = client.get(f"{API}/support/tickets", **auth)  # type: ignore[arg-type]
    assert listing.json()["count"] == 1 and listing.json()["items"][0]["id"] == body["id"]
    other_user = User.objects.get(pk=other_citizen.session["_auth_user_id"])
    other_user.set_password(PASSWORD)
    other_user.save()
    other = {"HTTP_AUTHORIZATION": f"Bearer {api_token(Client(), other_user.username)}"}
    missing = client.get(f"{API}/support/tickets/{body['id']}", **other)  # type: ignore[arg-type]
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert client.get(f"{API}/support/tickets", **other).json()["count"] == 0  # type: ignore[arg-type]
    invalid = client.post(
        f"{API}/support/tickets",
        json.dumps({"subject": " ", "message": "x"}),
        content_type="application/json",
        **auth,  # type: ignore[arg-type]
    )
    assert invalid.status_code == 400 and set(invalid.json()) == {"code", "message", "fields"}
    assert client.get(f"{API}/support/tickets").status_code == 401
    staff = {"HTTP_AUTHORIZATION": f"Bearer {api_token(Client(), 'canbo.dongda')}"}
    assert client.get(f"{API}/support/tickets", **staff).status_code == 403  # type: ignore[arg-type]


def test_api_notifications(client: Client) -> None:
    user = User.objects.get(username=BINH_SSN)
    note = Notification.objects.create(user=user, kind="notice", text="Xin chào", created_at=timezone.now())
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token(client, BINH_SSN)}"}
    body = client.get(f"{API}/support/notifications", **auth).json()  # type: ignore[arg-type]
    assert body["unread"] == 1 and body["items"][0]["text"] == "Xin chào"
    read = client.post(f"{API}/support/notifications/{note.pk}/read", **auth)  # type: ignore[arg-type]
    assert read.status_code == 200 and read.json()["read_at"]


def test_api_paging_past_bigint_is_invalid_input(client: Client) -> None:
    # OFFSET 2**63 overflowed PostgreSQL's bigint: a 500 before the bound.
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token(client, BINH_SSN)}", "HTTP_ACCEPT_LANGUAGE": "vi"}
    for path in ("/support/tickets", "/support/notifications"):
        response = client.get(f"{API}{path}", {"offset": 2**63}, **auth)  # type: ignore[arg-type]
        assert response.status_code == 422, response.content
        assert response.json()["fields"] == {"offset": ["Tối đa là 1000000000."]}
