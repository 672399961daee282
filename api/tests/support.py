"""Helpers of the API tests: photos made with Pillow, the SMS file, API calls with a language."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from vssid.testing import AN_PHONE, jpeg, last_code, sent_password, sms_lines, sms_of

API = "/api/v1"
PASSWORD = "VssidDemo@2026"
BINH_PHONE = "+84987654321"

AN = {
    "full_name": "Nguyễn Văn An",
    "ssn": "0123456789",
    "date_of_birth": "1990-05-12",
    "sex": "1",
    "phone": "0912345678",
    "email": "",
    "province_code": "01",
    "ward_code": "00235",
    "street": "Số 12 phố Tôn Đức Thắng",
    "office_code": "00106",
}


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def photos(**override: SimpleUploadedFile | None) -> dict[str, SimpleUploadedFile]:
    files = {
        "id_front": upload(jpeg(color=(200, 30, 30)), "front.jpg"),
        "id_back": upload(jpeg(color=(30, 200, 30)), "back.jpg"),
        "portrait": upload(jpeg(color=(30, 30, 200)), "portrait.jpg"),
    }
    files.update(override)  # type: ignore[arg-type]
    return {name: file for name, file in files.items() if file is not None}


def register(client: Client, *, lang: str = "vi", files: dict[str, Any] | None = None, **fields: str) -> Any:
    data: dict[str, Any] = {**AN, **fields}
    data.update(photos() if files is None else files)
    return client.post(f"{API}/registrations", data, HTTP_ACCEPT_LANGUAGE=lang)


def post_json(client: Client, path: str, body: dict[str, Any] | None = None, *, token: str = "", lang: str = "vi") -> Any:
    headers: dict[str, str] = {"HTTP_ACCEPT_LANGUAGE": lang}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.post(f"{API}{path}", json.dumps(body or {}), content_type="application/json", **headers)  # type: ignore[arg-type]


def get(client: Client, path: str, *, token: str = "", lang: str = "vi", **params: Any) -> Any:
    headers: dict[str, str] = {"HTTP_ACCEPT_LANGUAGE": lang}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.get(f"{API}{path}", params, **headers)  # type: ignore[arg-type]


def login(client: Client, username: str, password: str = PASSWORD) -> dict[str, Any]:
    response = post_json(client, "/auth/login", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert the error shape of design.md §6 and return the body."""
    assert response.status_code == status, (response.status_code, response.content)
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body


__all__ = ["AN_PHONE", "jpeg", "last_code", "sent_password", "sms_lines", "sms_of"]
