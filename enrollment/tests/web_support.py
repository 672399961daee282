"""Helpers of the web-page tests: photos made with Pillow, the SMS file, the registration form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from vssid.testing import AN_PHONE, jpeg, sent_password, sms_lines, sms_of
from vssid.testing import last_code as last_otp

PASSWORD = "VssidDemo@2026"
BINH_PHONE = "+84987654321"

# Nguyễn Văn An as typed into the web form (the demo register has him, without an account).
AN_FORM = {
    "full_name": "Nguyễn Văn An",
    "ssn": "0123456789",
    "cccd": "",
    "date_of_birth": "1990-05-12",
    "sex": "1",
    "phone": "0912345678",
    "email": "an.nguyen@example.vn",
    "province_code": "01",
    "ward_code": "00235",
    "street": "Số 12, ngõ 34 phố Tây Sơn",
    "office_code": "00106",
}


def use_files(settings: Any, tmp_path: Path) -> Path:
    """SMS to a file of this test, uploads to its own media directory."""
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    settings.MEDIA_ROOT = tmp_path / "media"
    path: Path = settings.SMS_FILE_PATH
    return path


def photos() -> dict[str, SimpleUploadedFile]:
    return {
        "id_front": SimpleUploadedFile("front.jpg", jpeg(color=(200, 30, 30)), "image/jpeg"),
        "id_back": SimpleUploadedFile("back.jpg", jpeg(color=(30, 200, 30)), "image/jpeg"),
        "portrait": SimpleUploadedFile("portrait.jpg", jpeg(color=(30, 30, 200)), "image/jpeg"),
    }


def post_registration(client: Client, files: dict[str, Any] | None = None, /, **fields: str) -> Any:
    data: dict[str, Any] = {**AN_FORM, **fields}
    data.update(photos() if files is None else files)
    return client.post("/dang-ky/", data)


def register_and_confirm(client: Client, **fields: str) -> str:
    """An (or whoever `fields` describe) registered and confirmed through the pages: the reference."""
    response = post_registration(client, **fields)
    assert response.status_code == 302, response.content.decode()
    reference = str(response["Location"]).split("/")[2]
    phone = "+84" + fields.get("phone", AN_FORM["phone"])[1:]
    response = client.post(f"/dang-ky/{reference}/xac-nhan/", {"otp": last_otp("registration_otp", phone)})
    assert response.status_code == 302 and response["Location"] == f"/dang-ky/{reference}/", response.content.decode()
    return reference


def login(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post("/dang-nhap/", {"username": username, "password": password})


__all__ = ["AN_PHONE", "jpeg", "last_otp", "sent_password", "sms_lines", "sms_of"]
