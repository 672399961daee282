"""The citizen's health-insurance card: web page, QR payload, offline assets and the JSON API."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
import zxingcpp
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts.models import ApiToken, User
from accounts.services import issue_tokens, revoke_access_token
from registry.card import CITIZEN_ROLE, benefit_text, card_for_citizen
from registry.cardformat import PartialDate, parse_qr_payload, verify_card_qr
from registry.cardkeys import published_jwks
from registry.models import HealthCard, Person

pytestmark = pytest.mark.django_db

CARD_URL = "/ca-nhan/the-bhyt/"
BINH_CARD = "DN4010198765432"


@pytest.fixture
def binh() -> User:
    return User.objects.select_related("person").get(username="0198765432")


@pytest.fixture
def binh_client(client: Client, binh: User) -> Client:
    client.force_login(binh)
    return client


def bearer(user: User) -> dict[str, str]:
    """Request headers with a fresh access token of this user."""
    return {"Authorization": f"Bearer {issue_tokens(user).access_token}"}


def citizen_for(person: Person) -> User:
    return User.objects.create_user(username=person.ssn, password=None, role=User.Role.CITIZEN, person=person)


# ---- the page ---------------------------------------------------------------------------------


def test_binh_sees_her_card(binh_client: Client, binh: User, django_assert_max_num_queries: Any) -> None:
    card = HealthCard.objects.select_related("initial_facility").get(person=binh.person, status="active")
    with django_assert_max_num_queries(4):
        response = binh_client.get(CARD_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert BINH_CARD in html
    assert card.initial_facility.code in html and card.initial_facility.name in html
    assert "Trần Thị Bình" in html and "03/11/1992" in html
    assert f"từ {card.valid_from:%d/%m/%Y} đến" in html
    assert "Thời điểm đủ 5 năm liên tục" in html and "01/09/2021" in html
    assert "<svg" in html and 'class="qr-svg"' in html
    assert 'data-source="network"' in html and "Cập nhật lúc" in html
    assert 'rel="manifest"' in html
    assert "no-store" in response["Cache-Control"]


def test_counter_mode_shows_a_big_qr_and_the_number(binh_client: Client) -> None:
    response = binh_client.get(CARD_URL, {"su-dung": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    # The number grouped as it is read out, "DN4 01 0198765432" (spans, so a copy has no spaces).
    grouped = '<span class="grp">DN4</span><span class="grp">01</span><span class="grp">0198765432</span>'
    assert f'class="use-number">{grouped}' in html and "card-use" in html


def test_login_is_required(client: Client) -> None:
    response = client.get(CARD_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=")


@pytest.mark.parametrize("username", ["canbo.dongda", "nhansu.demo", "lanhdao.hanoi", "admin"])
def test_only_citizens_have_a_card_page(client: Client, username: str) -> None:
    client.force_login(User.objects.get(username=username))
    assert client.get(CARD_URL).status_code == 404


def test_without_an_active_card_a_clear_message(binh_client: Client, binh: User) -> None:
    HealthCard.objects.filter(person=binh.person).update(status=HealthCard.Status.WITHDRAWN)
    response = binh_client.get(CARD_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "chưa có thẻ BHYT đang sử dụng" in html
    assert BINH_CARD not in html


def test_another_persons_card_is_never_reachable(binh_client: Client, binh: User) -> None:
    an = Person.objects.get(ssn="0123456789")
    an_card = HealthCard.objects.get(person=an, status="active").number
    for query in ({"person": an.pk}, {"person_id": an.pk}, {"ssn": an.ssn}, {"card": an_card}):
        html = binh_client.get(CARD_URL, query).content.decode()
        # (the language form echoes the query string back, so look at what the card prints)
        groups = "".join(f'<span class="grp">{g}</span>' for g in (BINH_CARD[:3], BINH_CARD[3:5], BINH_CARD[5:]))
        assert f'class="card-number">{groups}<' in html
        assert f">{an_card}<" not in html and f">{an_card[5:]}<" not in html
    token = bearer(binh)
    for path in (f"/api/v1/me/card?person_id={an.pk}", f"/api/v1/me/card?ssn={an.ssn}"):
        assert Client().get(path, headers=token).json()["card_number"] == BINH_CARD
    assert Client().get(f"/api/v1/me/card/{an.pk}", headers=token).status_code == 404


# ---- the QR payload ---------------------------------------------------------------------------


def test_the_payload_round_trips_with_her_data(binh: User) -> None:
    card = HealthCard.objects.select_related("initial_facility").get(person=binh.person, status="active")
    view = card_for_citizen(binh, today=dt.date(2026, 11, 25))
    parsed = parse_qr_payload(view.qr_payload, keys=published_jwks())
    assert parsed.card_code == BINH_CARD
    assert parsed.full_name == "Trần Thị Bình"
    assert parsed.date_of_birth == PartialDate(1992, 11, 3)
    assert parsed.sex == 2
    assert parsed.facility_code == card.initial_facility.code
    assert parsed.valid_from == card.valid_from
    assert parsed.valid_to == card.valid_to
    assert parsed.issue_date == card.issue_date
    assert parsed.five_year_date == dt.date(2021, 9, 1)
    assert parsed.manager_code == "-" and parsed.guardian_name is None and parsed.live_area == ""
    assert "Thái Hà" in parsed.address and "Hà Nội" in parsed.address
    assert view.qr_payload.endswith("|$")
    with pytest.raises(ValueError, match="check"):
        parse_qr_payload(view.qr_payload, keys={"keys": []})


def test_year_only_birth_and_open_ended_card(binh: User) -> None:
    person = binh.person
    assert person is not None
    Person.objects.filter(pk=person.pk).update(birth_month=None, birth_day=None)
    HealthCard.objects.filter(person=person, status="active").update(valid_to=None, live_area="K2")
    binh.refresh_from_db()
    view = card_for_citizen(binh, today=dt.date(2026, 11, 25))
    assert view.date_of_birth == "1992"
    assert view.valid_to == dt.date(2026, 12, 31) and view.valid_to_open_ended
    assert not view.expired
    parsed = parse_qr_payload(view.qr_payload, keys=published_jwks())
    assert parsed.date_of_birth == PartialDate(1992)
    assert parsed.valid_to == dt.date(2026, 12, 31)
    assert parsed.live_area == "K2"
    assert "K2" in view.benefit_text


def test_the_card_knows_the_citizen_role_by_its_stored_value() -> None:
    # registry sits below accounts: it compares the role with the value accounts stores.
    assert User.Role.CITIZEN.value == CITIZEN_ROLE


def test_benefit_text_by_level() -> None:
    assert "80%" in benefit_text(4)
    assert "95%" in benefit_text(3)
    assert "100%" in benefit_text(1) and "100%" in benefit_text(5)


# ---- offline: manifest and service worker -----------------------------------------------------


def test_service_worker_is_served_uncached_with_its_scope(client: Client) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert '"cardPath": "/ca-nhan/the-bhyt/"' in body
    assert '"/dang-xuat/"' in body  # logout drops the stored card


def test_manifest(client: Client) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    body = json.loads(response.content)
    assert body["start_url"] == CARD_URL and body["display"] == "standalone"
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert sizes == {"192x192", "512x512"}
    for icon in body["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200
        content = image.getvalue()  # WhiteNoise answers with a streaming response
        width = int(icon["sizes"].split("x")[0])
        assert Image.open(io.BytesIO(content)).size == (width, width)


# ---- the JSON API -----------------------------------------------------------------------------


def test_api_card(binh: User) -> None:
    response = Client().get("/api/v1/me/card", headers=bearer(binh))
    assert response.status_code == 200
    body = response.json()
    card = HealthCard.objects.select_related("initial_facility").get(person=binh.person, status="active")
    assert body["card_number"] == BINH_CARD and len(body["card_number"]) == 15
    assert body["initial_facility"] == {"code": card.initial_facility.code, "name": card.initial_facility.name}
    assert body["valid_from"] == card.valid_from.isoformat()
    assert body["five_year_date"] == "2021-09-01"
    parse_qr_payload(body["qr_payload"], keys=published_jwks())


def test_api_card_is_one_prepared_query(binh: User, django_assert_num_queries: Any) -> None:
    """The hottest read: the token, its user and the card with its place names in one round trip."""
    headers = bearer(binh)
    client = Client()
    client.get("/api/v1/me/card", headers=headers)
    with django_assert_num_queries(1) as captured:
        assert client.get("/api/v1/me/card", headers=headers).status_code == 200
    sql = captured.captured_queries[0]["sql"]
    assert "access_hash" in sql and "registry_healthcard" in sql
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = " ".join(row[0] for row in cursor.fetchall())
        assert "access_hash" in prepared and "registry_healthcard" in prepared


def test_api_expired_or_revoked_token_is_refused(binh: User) -> None:
    pair = issue_tokens(binh)
    headers = {"Authorization": f"Bearer {pair.access_token}"}
    assert Client().get("/api/v1/me/card", headers=headers).status_code == 200
    ApiToken.objects.filter(user=binh).update(access_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert Client().get("/api/v1/me/card", headers=headers).status_code == 401
    ApiToken.objects.filter(user=binh).update(access_expires_at=timezone.now() + dt.timedelta(hours=1))
    User.objects.filter(pk=binh.pk).update(is_active=False)
    assert Client().get("/api/v1/me/card", headers=headers).status_code == 401
    User.objects.filter(pk=binh.pk).update(is_active=True)
    revoke_access_token(pair.access_token)
    assert Client().get("/api/v1/me/card", headers=headers).status_code == 401


def test_api_qr_png_decodes_to_the_payload(binh: User) -> None:
    token = bearer(binh)
    payload = Client().get("/api/v1/me/card", headers=token).json()["qr_payload"]
    response = Client().get("/api/v1/me/card/qr.png", headers=token)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert [r.text for r in results] == [payload]
    # Field 13 is the Ed25519 signature (design.md §8), verified with the published keys alone.
    assert re.fullmatch(r"[A-Za-z0-9]{1,8}\.[A-Za-z0-9_-]{86}-[0-9a-f]{4}", results[0].text.split("|")[13])
    assert verify_card_qr(results[0].text, Client().get("/.well-known/vssid-card-keys.json").json()).valid


@pytest.mark.parametrize("path", ["/api/v1/me/card", "/api/v1/me/card/qr.png"])
def test_api_guards(path: str, binh: User) -> None:
    assert Client().get(path).status_code == 401
    assert Client().get(path, headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    staff = Client().get(path, headers=bearer(User.objects.get(username="canbo.dongda")))
    assert staff.status_code == 403 and staff.json()["code"] == "forbidden"
    hr = Client().get(path, headers=bearer(User.objects.get(username="nhansu.demo")))
    assert hr.status_code == 403
    User.objects.filter(pk=binh.pk).update(must_change_password=True)
    forced = Client().get(path, headers=bearer(binh))
    assert forced.status_code == 403 and forced.json()["code"] == "password_change_required"


def test_api_without_an_active_card(binh: User) -> None:
    HealthCard.objects.filter(person=binh.person).update(status=HealthCard.Status.REDUCED)
    response = Client().get("/api/v1/me/card", headers=bearer(binh))
    assert response.status_code == 404 and response.json()["code"] == "no_active_card"


def test_another_citizen_gets_their_own_card() -> None:
    person = Person.objects.filter(cards__status="active", account__isnull=True).exclude(ssn="0198765432").first()
    assert person is not None
    user = citizen_for(person)
    body = Client().get("/api/v1/me/card", headers=bearer(user)).json()
    assert body["card_number"].endswith(person.ssn) and body["card_number"] != BINH_CARD
