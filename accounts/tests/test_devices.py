"""The citizen's devices page: the current web session and live API tokens, each revocable."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken, User
from registry.models import Person

pytestmark = pytest.mark.django_db


def token(user: User, device: str, **extra: Any) -> ApiToken:
    now = timezone.now()
    return ApiToken.objects.create(
        user=user,
        family=uuid.uuid4(),
        access_hash=uuid.uuid4().hex,
        refresh_hash=uuid.uuid4().hex,
        access_expires_at=now + dt.timedelta(hours=1),
        refresh_expires_at=now + dt.timedelta(days=30),
        device=device,
        **extra,
    )


@pytest.fixture
def binh() -> User:
    return User.objects.get(username="0198765432")


@pytest.fixture
def other_citizen(binh: User) -> User:
    person = Person.objects.exclude(pk=binh.person_id or 0).filter(account__isnull=True).order_by("pk").first()
    assert person is not None
    return User.objects.create_user(username=person.ssn, password="x", role=User.Role.CITIZEN, person=person)


def test_it_lists_the_current_session_and_live_tokens(client: Client, binh: User, django_assert_max_num_queries: Any) -> None:
    phone = token(binh, "VssID/1.7 (Android 14; Pixel 8)", last_used_at=timezone.now())
    token(binh, "Old iPhone", revoked_at=timezone.now())
    client.force_login(binh)
    with django_assert_max_num_queries(6):
        response = client.get("/tai-khoan/thiet-bi/", HTTP_USER_AGENT="Mozilla/5.0 TestBrowser")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mozilla/5.0 TestBrowser" in html
    assert "Pixel 8" in html and "Old iPhone" not in html
    assert f"/tai-khoan/thiet-bi/{phone.pk}/dang-xuat/" in html


def test_it_revokes_an_own_token_by_post_only(client: Client, binh: User) -> None:
    phone = token(binh, "Pixel 8")
    client.force_login(binh)
    url = f"/tai-khoan/thiet-bi/{phone.pk}/dang-xuat/"
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/thiet-bi/"
    phone.refresh_from_db()
    assert phone.revoked_at is not None
    assert client.post(url).status_code == 404  # already ended


def test_another_users_token_is_a_404_and_stays_live(client: Client, binh: User, other_citizen: User) -> None:
    theirs = token(other_citizen, "Their phone")
    client.force_login(binh)
    assert client.post(f"/tai-khoan/thiet-bi/{theirs.pk}/dang-xuat/").status_code == 404
    assert "Their phone" not in client.get("/tai-khoan/thiet-bi/").content.decode()
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_staff_and_anonymous_users_do_not_get_the_page(client: Client) -> None:
    assert client.get("/tai-khoan/thiet-bi/").status_code == 302
    client.force_login(User.objects.get(username="canbo.dongda"))
    assert client.get("/tai-khoan/thiet-bi/").status_code == 404


def test_the_dashboard_shows_the_header_masked_and_the_tiles(client: Client, binh: User) -> None:
    client.force_login(binh)
    html = client.get("/tai-khoan/").content.decode()
    assert "Trần Thị Bình" in html and "0198765432" in html and "03/11/1992" in html
    assert "001192054321" not in html and "*********321" in html  # CCCD masked
    assert "+84987654321" not in html and "0987654321" not in html
    for url in ("/ca-nhan/uoc-tinh/", "/tai-khoan/thiet-bi/", "/tai-khoan/ai-da-xem/", "/doi-mat-khau/"):
        assert f'href="{url}"' in html
    assert 'action="/i18n/setlang/"' in html


def test_a_tile_whose_page_does_not_exist_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    from accounts import views

    monkeypatch.setattr(views, "DASHBOARD_TILES", [("nope:missing", "X", "", ""), ("estimate:estimate", "Ước tính", "", "")])
    assert [t["url"] for t in views._tiles()] == ["/ca-nhan/uoc-tinh/"]


def test_devices_are_named_as_people_know_them(client: Client, binh: User) -> None:
    samsung = (
        "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"
    )
    token(binh, samsung)
    client.force_login(binh)
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.1 Mobile/15E148 Safari/604.1"
    )
    html = client.get("/tai-khoan/thiet-bi/", HTTP_USER_AGENT=iphone).content.decode()
    assert "Mobile Safari 17 · iPhone · iOS 17" in html
    assert "Chrome Mobile 120 · Samsung SM-A145F · Android 13" in html
    assert "Mozilla/5.0" not in html and "AppleWebKit" not in html
