"""Every login, password and reset field is bounded and refuses NUL, with a 4xx and a Vietnamese reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from vssid.models import RateCounter

pytestmark = pytest.mark.django_db

LONG_NAME = "a" * 156  # "user:" + 156 characters overflowed LoginThrottle.key (160): a 500 on PostgreSQL


def api(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="vi")


@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        ("/auth/login", {"username": LONG_NAME, "password": "x"}, "username", "Tối đa 150 ký tự."),
        ("/auth/login", {"username": "0198765432", "password": "p" * 129}, "password", "Tối đa 128 ký tự."),
        ("/auth/password-reset", {"username": LONG_NAME, "phone": "0987654321"}, "username", "Tối đa 150 ký tự."),
        ("/auth/password-reset", {"username": "0198765432", "phone": "0" * 21}, "phone", "Tối đa 20 ký tự."),
        (
            "/auth/password-reset/confirm",
            {"username": "0198765432", "otp": "1" * 21, "new_password": "Hoa-Sen-2027"},
            "otp",
            "Tối đa 20 ký tự.",
        ),
        (
            "/auth/password-reset/confirm",
            {"username": "0198765432", "otp": "123456", "new_password": "p" * 129},
            "new_password",
            "Tối đa 128 ký tự.",
        ),
        ("/auth/refresh", {"refresh_token": "r" * 201}, "refresh_token", "Tối đa 200 ký tự."),
    ],
)
def test_the_api_refuses_overlong_fields(client: Client, path: str, body: dict[str, Any], field: str, message: str) -> None:
    response = api(client, path, body)
    assert response.status_code == 422, response.content
    assert response.json()["fields"] == {field: [message]}


def test_the_api_password_change_is_bounded(client: Client) -> None:
    token = api(client, "/auth/login", {"username": "0198765432", "password": "VssidDemo@2026"}).json()["access_token"]
    response = client.post(
        "/api/v1/auth/password",
        json.dumps({"old_password": "VssidDemo@2026", "new_password": "p" * 129}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422 and list(response.json()["fields"]) == ["new_password"]


def test_a_long_name_within_the_bound_is_a_plain_wrong_login(client: Client) -> None:
    response = api(client, "/auth/login", {"username": "b" * 150, "password": "x"})
    assert response.status_code == 401 and response.json()["code"] == "invalid_credentials"
    assert all(len(key) <= 80 for key in RateCounter.objects.values_list("key", flat=True))


@pytest.mark.parametrize(
    ("url", "data", "field_message"),
    [
        ("/dang-nhap/", {"username": LONG_NAME, "password": "x"}, "Tối đa 150 ký tự."),
        ("/dang-nhap/", {"username": "0198765432", "password": "p" * 129}, "Tối đa 128 ký tự."),
        ("/dang-nhap/", {"username": "0198765432\x00", "password": "x"}, "Không được chứa ký tự NUL."),
        ("/dang-nhap/", {"username": "0198765432", "password": "x\x00"}, "Không được chứa ký tự NUL."),
        ("/quen-mat-khau/", {"username": LONG_NAME, "phone": "0987654321"}, "Tối đa 150 ký tự."),
        ("/quen-mat-khau/", {"username": "0198765432", "phone": "0" * 21}, "Tối đa 20 ký tự."),
        ("/quen-mat-khau/", {"username": "0198765432", "phone": "0987654321\x00"}, "Không được chứa ký tự NUL."),
        (
            "/quen-mat-khau/ma-otp/",
            {"username": "0198765432", "otp": "123456", "new_password": "p" * 129, "new_password2": "p" * 129},
            "Tối đa 128 ký tự.",
        ),
    ],
)
def test_the_web_forms_refuse_overlong_or_nul_fields(client: Client, url: str, data: dict[str, str], field_message: str) -> None:
    response = client.post(url, data)
    assert response.status_code == 400
    assert field_message in response.content.decode()


def test_the_web_password_change_is_bounded(client: Client) -> None:
    client.post("/dang-nhap/", {"username": "0198765432", "password": "VssidDemo@2026"})
    long = "p" * 129
    response = client.post("/doi-mat-khau/", {"old_password": "VssidDemo@2026", "new_password": long, "new_password2": long})
    assert response.status_code == 400 and "Tối đa 128 ký tự." in response.content.decode()


def test_the_admin_login_refuses_a_long_name_cleanly(client: Client) -> None:
    response = client.post("/admin/login/", {"username": "a" * 200, "password": "x"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
