"""Password rules: the user's own name, identifiers and phone are refused, so is keeping an issued
password; every message comes in Vietnamese (and in English for an English request)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from accounts.models import User
from accounts.services import AccountError, change_password
from enrollment.tests.web_support import PASSWORD, login

pytestmark = pytest.mark.django_db

BINH = "0198765432"


@pytest.fixture
def binh() -> User:
    return User.objects.get(username=BINH)


def refusals(password: str, user: User | None) -> list[str]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@pytest.mark.parametrize(
    "password",
    [
        "Trần Thị Bình",
        "tranthibinh",
        "TRAN-THI-BINH",
        "Binh@1992!",
        "Bình.Trần.92",
        "binhtran2026",
        "xx-TranThiBinh-xx",
        "Tran thi Binh 2026",
    ],
)
def test_the_citizens_own_name_is_refused_in_any_accent_or_case(binh: User, password: str) -> None:
    with translation.override("vi"):
        assert "Mật khẩu không được chứa họ tên của bạn." in refusals(password, binh)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Bhxh0198765432", "Mật khẩu không được chứa mã số BHXH của bạn."),
        ("Cccd-001192054321", "Mật khẩu không được chứa số CCCD của bạn."),
        ("Goi0987654321!", "Mật khẩu không được chứa số điện thoại của bạn."),
        ("Goi+84987654321", "Mật khẩu không được chứa số điện thoại của bạn."),
        ("Goi 0987.654.321", "Mật khẩu không được chứa số điện thoại của bạn."),
    ],
)
def test_the_citizens_identifiers_and_phone_are_refused(binh: User, password: str, message: str) -> None:
    with translation.override("vi"):
        assert message in refusals(password, binh)


def test_a_good_password_passes(binh: User) -> None:
    assert refusals("Hoa-Sen-2027", binh) == []
    assert refusals("Binh-Moi@2026", binh) == []  # holds the name among other words: allowed


def test_the_change_through_the_api_says_why(client: Any) -> None:
    token = client.post("/api/v1/auth/login", {"username": BINH, "password": PASSWORD}, content_type="application/json").json()[
        "access_token"
    ]
    response = client.post(
        "/api/v1/auth/password",
        {"old_password": PASSWORD, "new_password": "Tran.Thi.Binh"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["new_password"] == ["Mật khẩu không được chứa họ tên của bạn."]


def test_the_issued_password_cannot_be_kept_by_the_forced_change_nor_a_reset(binh: User) -> None:
    User.objects.filter(pk=binh.pk).update(must_change_password=True)
    binh.refresh_from_db()
    with translation.override("vi"):
        messages = refusals(PASSWORD, binh)
    assert "Không được giữ mật khẩu được cấp (gửi qua SMS): hãy chọn mật khẩu mới." in messages
    with pytest.raises(AccountError) as caught:
        change_password(binh, old_password=PASSWORD, new_password=PASSWORD)
    assert caught.value.code == "same_password"
    # Once changed, the same text is only "the old password", which is allowed back later.
    change_password(binh, old_password=PASSWORD, new_password="Hoa-Sen-2027")
    assert refusals(PASSWORD, binh) == []


def test_the_reset_cannot_set_back_the_issued_password(binh: User, settings: Any, tmp_path: Any) -> None:
    from accounts.services import confirm_password_reset, request_password_reset
    from vssid.testing import last_code

    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "sms.jsonl"
    User.objects.filter(pk=binh.pk).update(must_change_password=True)
    request_password_reset(BINH, "0987654321")
    code = last_code("password_reset_otp", "+84987654321")
    with pytest.raises(AccountError) as caught:
        confirm_password_reset(BINH, code, PASSWORD)
    assert caught.value.code == "weak_password"
    binh.refresh_from_db()
    assert binh.must_change_password is True


def test_staff_names_are_refused_too() -> None:
    staff = User(username="canbo.moi", first_name="Hùng", last_name="Lê Văn", role=User.Role.STAFF)
    assert refusals("Le.Van.Hung.1", staff)
    assert refusals("Hung@12345", staff)


# ---- language of every configured validator ---------------------------------------------------

BAD = ["abc", "12345678", "password", "x" * 200, "0198765432", "Tran-Thi-Binh"]


def test_every_validator_speaks_vietnamese_under_vi(binh: User) -> None:
    assert settings.LANGUAGE_CODE == "vi"
    with translation.override("vi"):
        messages = {m for password in BAD for m in refusals(password, binh)}
        helps = password_validation.password_validators_help_texts()
    codes_seen = len(messages)
    assert codes_seen >= 6
    for text in [*messages, *helps]:
        assert not text.isascii(), text  # Vietnamese has diacritics; Django's English fallback has none
        assert "password" not in text.lower(), text


def test_the_forced_change_page_refuses_the_name(client: Client, binh: User) -> None:
    User.objects.filter(pk=binh.pk).update(must_change_password=True)
    login(client, BINH)
    response = client.post(
        "/doi-mat-khau/", {"old_password": PASSWORD, "new_password": "Bình@Trần", "new_password2": "Bình@Trần"}
    )
    assert response.status_code == 400 and "Mật khẩu không được chứa họ tên của bạn." in response.content.decode()
