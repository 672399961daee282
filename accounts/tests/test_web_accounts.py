"""The account pages: login with lockout, one device at a time, forced change, reset by OTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from enrollment.tests.web_support import BINH_PHONE, PASSWORD, last_otp, login, sms_lines, use_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


def html(response: Any) -> str:
    return str(response.content.decode())


def test_a_citizen_logs_in_with_the_bhxh_code_or_the_cccd(client: Client) -> None:
    response = login(client, "001192054321")
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/"
    page = html(client.get("/tai-khoan/"))
    assert "Trần Thị Bình" in page and "0198765432" in page
    assert 'action="/dang-xuat/"' in page
    response = client.post("/dang-xuat/")
    assert response.status_code == 302 and client.get("/tai-khoan/")["Location"] == "/dang-nhap/?next=/tai-khoan/"


def test_a_wrong_password_keeps_the_login_and_says_so(client: Client) -> None:
    response = login(client, "0198765432", "wrong")
    page = html(response)
    assert response.status_code == 401 and "Tên đăng nhập hoặc mật khẩu không đúng." in page
    assert 'value="0198765432"' in page and "wrong" not in page


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(client: Client) -> None:
    for _attempt in range(5):
        assert login(client, "0198765432", "not-the-password").status_code == 401
    response = login(client, "0198765432", PASSWORD)  # even the right one, for a while
    page = html(response)
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút." in page
    assert "_auth_user_id" not in client.session


def test_logging_in_on_a_second_device_ends_the_first_session() -> None:
    phone, laptop = Client(), Client()
    assert login(phone, "0198765432").status_code == 302
    assert phone.get("/tai-khoan/").status_code == 200
    assert login(laptop, "0198765432").status_code == 302
    assert laptop.get("/tai-khoan/").status_code == 200
    assert phone.get("/tai-khoan/")["Location"] == "/dang-nhap/?next=/tai-khoan/"


def test_staff_may_keep_several_sessions() -> None:
    desk, tablet = Client(), Client()
    login(desk, "canbo.dongda")
    login(tablet, "canbo.dongda")
    assert desk.get("/staff/").status_code == 200 and tablet.get("/staff/").status_code == 200


def test_a_must_change_user_sees_only_the_change_page_and_logout(client: Client) -> None:
    User.objects.filter(username="0198765432").update(must_change_password=True)
    login(client, "0198765432")
    for url in ("/tai-khoan/", "/", "/dang-ky/", "/staff/"):
        assert client.get(url)["Location"] == "/doi-mat-khau/", url
    page = html(client.get("/doi-mat-khau/"))
    assert "Mật khẩu bạn đang dùng do hệ thống cấp" in page
    static = client.get("/static/css/app.css")
    # Reading the stream closes the file the way the test client expects (close() would end the DB connection).
    assert static.status_code == 200 and b":root" in static.getvalue()
    # A weak or mismatched new password is refused with the reason, and nothing changes.
    response = client.post("/doi-mat-khau/", {"old_password": PASSWORD, "new_password": "12345678", "new_password2": "12345678"})
    assert response.status_code == 400 and 'class="error-summary"' in html(response)
    response = client.post(
        "/doi-mat-khau/", {"old_password": PASSWORD, "new_password": "Hoa-Sen-2027", "new_password2": "Hoa-Sen-2028"}
    )
    assert "Hai mật khẩu mới không giống nhau." in html(response)
    response = client.post(
        "/doi-mat-khau/", {"old_password": "nope", "new_password": "Hoa-Sen-2027", "new_password2": "Hoa-Sen-2027"}
    )
    assert "Mật khẩu hiện tại không đúng." in html(response)
    response = client.post(
        "/doi-mat-khau/", {"old_password": PASSWORD, "new_password": "Hoa-Sen-2027", "new_password2": "Hoa-Sen-2027"}
    )
    assert response["Location"] == "/tai-khoan/"
    assert client.get("/tai-khoan/").status_code == 200  # still logged in, now free to go anywhere
    assert client.post("/dang-xuat/").status_code == 302


def test_the_change_keeps_one_device_at_a_time(client: Client) -> None:
    login(client, "0198765432")
    client.post("/doi-mat-khau/", {"old_password": PASSWORD, "new_password": "Hoa-Sen-2027", "new_password2": "Hoa-Sen-2027"})
    other = Client()
    assert login(other, "0198765432", "Hoa-Sen-2027").status_code == 302
    assert client.get("/tai-khoan/").status_code == 302
    # The phone on file hears of it: a change by someone else is noticed at once.
    (notice,) = [line for line in sms_lines() if line["kind"] == "notice"]
    assert notice["to"] == BINH_PHONE and "0198765432 vua duoc doi" in notice["body"] and "1900 9068" in notice["body"]


def test_password_reset_answers_the_same_whoever_asks() -> None:
    answers = []
    for username, phone in (("0198765432", "0987654321"), ("0198765432", "0911111111"), ("9999999999", "0987654321")):
        response = Client().post("/quen-mat-khau/", {"username": username, "phone": phone})
        answers.append((response.status_code, response["Location"]))
    assert answers == [(302, "/quen-mat-khau/ma-otp/")] * 3
    assert [line["kind"] for line in sms_lines()] == ["password_reset_otp"]  # only the real one got a code


def test_password_reset_end_to_end_with_the_otp_from_the_sms(client: Client) -> None:
    response = client.post("/quen-mat-khau/", {"username": "001192054321", "phone": "0987654321"}, follow=True)
    page = html(response)
    assert "Nếu mã số và số điện thoại khớp với một tài khoản" in page and 'value="001192054321"' in page
    otp = last_otp("password_reset_otp", BINH_PHONE)
    wrong = client.post(
        "/quen-mat-khau/ma-otp/",
        {
            "username": "001192054321",
            "otp": "000000" if otp != "000000" else "111111",
            "new_password": "Hoa-Sen-2027",
            "new_password2": "Hoa-Sen-2027",
        },
    )
    assert wrong.status_code == 400 and "Mã OTP không đúng." in html(wrong)
    response = client.post(
        "/quen-mat-khau/ma-otp/",
        {"username": "001192054321", "otp": otp, "new_password": "Hoa-Sen-2027", "new_password2": "Hoa-Sen-2027"},
        follow=True,
    )
    assert response.redirect_chain == [("/dang-nhap/", 302)] and "Đã đặt lại mật khẩu" in html(response)
    assert login(Client(), "0198765432", PASSWORD).status_code == 401
    assert login(Client(), "0198765432", "Hoa-Sen-2027").status_code == 302
    assert [line["to"] for line in sms_lines() if line["kind"] == "notice"] == [BINH_PHONE]


def test_logout_is_a_post(client: Client) -> None:
    login(client, "0198765432")
    assert "<form" in html(client.get("/dang-xuat/"))
    assert client.get("/tai-khoan/").status_code == 200  # a GET (a link, a prefetch) does not log out


def test_the_pages_exist_in_english(client: Client) -> None:
    client.cookies["django_language"] = "en"
    page = html(client.get("/dang-nhap/"))
    assert '<html lang="en">' in page and "Log in" in page and "Forgot your password?" in page


def test_the_first_phone_is_told_it_was_logged_in_elsewhere(client: Client) -> None:
    first, second = Client(), Client()
    assert login(first, "0198765432").status_code == 302
    assert login(second, "0198765432").status_code == 302
    response = first.get("/ca-nhan/the-bhyt/")
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")
    page = html(first.get(response["Location"]))
    assert "đăng nhập trên một thiết bị khác" in page
    # Once: a reload, a logout or a session that simply expired says nothing of the sort.
    assert "thiết bị khác" not in html(first.get("/dang-nhap/"))
    second.post("/dang-xuat/")
    assert "thiết bị khác" not in html(second.get("/dang-nhap/"))
    assert "thiết bị khác" not in html(Client().get("/dang-nhap/"))


def test_a_login_on_the_app_also_tells_the_web_session(client: Client) -> None:
    from accounts.services import issue_tokens

    assert login(client, "0198765432").status_code == 302
    issue_tokens(User.objects.get(username="0198765432"), device="VssID/2.0 (Android 14)")
    assert client.get("/tai-khoan/").status_code == 302
    assert "thiết bị khác" in html(client.get("/dang-nhap/"))
