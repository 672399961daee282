"""Logins, tokens, passwords, lockout and the language of error messages."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from api.tests.support import BINH_PHONE, PASSWORD, error, get, last_code, login, post_json, register, sms_lines

pytestmark = pytest.mark.django_db

BINH = "0198765432"


def test_login_answers_a_token_pair(client: Any) -> None:
    body = login(client, BINH)
    assert set(body) == {"access_token", "refresh_token", "expires_in", "must_change_password"}
    assert body["expires_in"] == 3600 and body["must_change_password"] is False
    me = get(client, "/me", token=body["access_token"]).json()
    assert me["full_name"] == "Trần Thị Bình" and me["ssn"] == BINH and me["phone"] == BINH_PHONE


def test_wrong_password_and_unknown_user_answer_alike(client: Any) -> None:
    wrong = error(post_json(client, "/auth/login", {"username": BINH, "password": "nope"}), 401, "invalid_credentials")
    unknown = error(post_json(client, "/auth/login", {"username": "0000000001", "password": "nope"}), 401, "invalid_credentials")
    assert wrong == unknown


def test_five_wrong_passwords_lock_the_account(client: Any) -> None:
    for _ in range(5):
        error(post_json(client, "/auth/login", {"username": BINH, "password": "wrong-one"}), 401, "invalid_credentials")
    body = error(post_json(client, "/auth/login", {"username": BINH, "password": PASSWORD}), 429, "locked_out")
    assert body["message"] == "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút."
    body = error(post_json(client, "/auth/login", {"username": BINH, "password": PASSWORD}, lang="en"), 429, "locked_out")
    assert body["message"].isascii() and "15" in body["message"]  # English


def test_missing_or_dead_tokens(client: Any) -> None:
    body = error(get(client, "/me"), 401, "not_authenticated")
    assert body["message"] == "Bạn cần đăng nhập."
    assert error(get(client, "/me", lang="en"), 401, "not_authenticated")["message"] == "You need to log in."
    error(get(client, "/me", token="x" * 43), 401, "not_authenticated")
    error(post_json(client, "/auth/logout"), 401, "not_authenticated")
    error(post_json(client, "/auth/refresh", {"refresh_token": "x" * 64}), 401, "invalid_refresh_token")


def test_an_inactive_account_loses_its_token(client: Any) -> None:
    token = login(client, BINH)["access_token"]
    User.objects.filter(username=BINH).update(is_active=False)
    error(get(client, "/me", token=token), 401, "not_authenticated")


def test_until_the_password_is_changed_only_password_and_logout_work(client: Any) -> None:
    User.objects.filter(username=BINH).update(must_change_password=True)
    tokens = login(client, BINH)
    assert tokens["must_change_password"] is True
    token = tokens["access_token"]
    body = error(get(client, "/me", token=token, lang="en"), 403, "password_change_required")
    assert body["message"] == "Change the password sent by SMS before you continue."
    error(
        post_json(client, "/auth/password", {"old_password": "wrong", "new_password": "Binh-Moi@2026"}, token=token),
        400,
        "wrong_password",
    )
    error(
        post_json(client, "/auth/password", {"old_password": PASSWORD, "new_password": PASSWORD}, token=token),
        400,
        "same_password",
    )
    body = error(
        post_json(client, "/auth/password", {"old_password": PASSWORD, "new_password": "12345678"}, token=token),
        400,
        "weak_password",
    )
    assert body["fields"]["new_password"]
    assert post_json(client, "/auth/logout", token=token).status_code == 204


def test_password_reset_answers_the_same_whoever_asks(client: Any) -> None:
    known = post_json(client, "/auth/password-reset", {"username": BINH, "phone": "0987654321"})
    unknown = post_json(client, "/auth/password-reset", {"username": "0000000001", "phone": "0987654321"})
    wrong_phone = post_json(client, "/auth/password-reset", {"username": BINH, "phone": "0912345678"})
    assert known.status_code == unknown.status_code == wrong_phone.status_code == 202
    assert known.json() == unknown.json() == wrong_phone.json()
    assert [(line["to"], line["kind"]) for line in sms_lines()] == [(BINH_PHONE, "password_reset_otp")]


def test_password_reset_confirm(client: Any) -> None:
    old_token = login(client, BINH)["access_token"]
    post_json(client, "/auth/password-reset", {"username": BINH, "phone": "0987654321"})
    code = last_code("password_reset_otp", BINH_PHONE)
    body = {"username": BINH, "otp": f"{(int(code) + 1) % 1_000_000:06d}", "new_password": "Binh-Moi@2026"}
    error(post_json(client, "/auth/password-reset/confirm", body), 400, "otp_invalid")
    # A wrong code is answered first, whatever the password: "weak" would reveal the account exists.
    error(post_json(client, "/auth/password-reset/confirm", {**body, "new_password": "123"}), 400, "otp_invalid")
    error(
        post_json(client, "/auth/password-reset/confirm", {**body, "username": "0000000001", "new_password": "123"}),
        400,
        "otp_invalid",
    )
    error(post_json(client, "/auth/password-reset/confirm", {**body, "otp": code, "new_password": "123"}), 400, "weak_password")
    error(post_json(client, "/auth/password-reset/confirm", {**body, "username": "0000000001"}), 400, "otp_invalid")
    response = post_json(client, "/auth/password-reset/confirm", {**body, "otp": code})
    assert response.status_code == 200 and response.json()["message"]
    error(get(client, "/me", token=old_token), 401, "not_authenticated")  # the reset ends older sessions
    error(post_json(client, "/auth/login", {"username": BINH, "password": PASSWORD}), 401, "invalid_credentials")
    assert login(client, "001192054321", "Binh-Moi@2026")["must_change_password"] is False
    error(post_json(client, "/auth/password-reset/confirm", {**body, "otp": code}), 400, "otp_used")


def test_error_shape_and_language(client: Any) -> None:
    # An unknown BHXH code gets the same answer as wrong data: the register is not an oracle.
    vi = error(register(client, ssn="0999999999"), 409, "data_mismatch")
    en = error(register(client, ssn="0999999999", lang="en"), 409, "data_mismatch")
    assert vi["message"].startswith("Thông tin không khớp")
    assert en["message"].isascii() and en["message"] != vi["message"]
    invalid = error(register(client, lang="en", phone="123"), 400, "invalid_input")
    assert invalid["message"].isascii()
    assert list(invalid["fields"]) == ["phone"] and invalid["fields"]["phone"][0].isascii()
    malformed = error(post_json(client, "/auth/login", {"username": BINH}, lang="en"), 422, "invalid_input")
    assert malformed == {
        "code": "invalid_input",
        "message": "The data sent is not valid.",
        "fields": {"password": ["This field is required."]},
    }
    response = get(client, "/me", lang="en")
    assert response["Content-Language"] == "en" and "Accept-Language" in response["Vary"]


def test_a_nul_character_is_refused_before_it_reaches_the_database(client: Any) -> None:
    # PostgreSQL cannot compare text holding NUL: the login look-up used to answer 500.
    body = error(post_json(client, "/auth/login", {"username": BINH + "\x00", "password": "x"}), 422, "invalid_input")
    assert body == {
        "code": "invalid_input",
        "message": "Dữ liệu gửi lên không hợp lệ.",
        "fields": {"username": ["Không được chứa ký tự NUL."]},
    }
    reset = {"username": BINH, "otp": "123456\x00", "new_password": "Binh-Moi@2026\x00"}
    body = error(post_json(client, "/auth/password-reset/confirm", reset), 422, "invalid_input")
    assert set(body["fields"]) == {"otp", "new_password"}
    body = error(post_json(client, "/registrations/R%00/confirm", {"otp": "123456"}), 422, "invalid_input")
    assert list(body["fields"]) == ["reference"]
    error(get(client, "/me/benefits", tab="\x00"), 401, "not_authenticated")  # the guard still comes first


def test_a_body_that_is_not_json_answers_in_the_error_shape(client: Any) -> None:
    response = client.post("/api/v1/auth/login", "{not json", content_type="application/json", HTTP_ACCEPT_LANGUAGE="vi")
    body = error(response, 400, "invalid_json")
    assert body["message"] == "Nội dung gửi lên không phải JSON hợp lệ."
