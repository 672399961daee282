"""Every role: a forced password change blocks the API, and a change or reset ends the other logins."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from api.tests.support import PASSWORD, error, get, login, post_json
from enrollment.tests.web_support import login as web_login

pytestmark = pytest.mark.django_db

# A read each role may make, to show its token works.
READS = {
    "canbo.dongda": "/staff/registrations",
    "lanhdao.hanoi": "/campaign/adoption",
    "nhansu.demo": "/employer/workers",
    "0198765432": "/me",
}
NEW_PASSWORD = "Hoa-Sen-2027"


def web_logged_in(client: Client) -> bool:
    client.get("/")  # a request reads the user, which ends a session whose password hash is stale
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("username", ["canbo.dongda", "lanhdao.hanoi", "nhansu.demo", "0198765432"])
def test_a_forced_change_is_required_on_the_api_for_every_role(client: Any, username: str) -> None:
    User.objects.filter(username=username).update(must_change_password=True)
    tokens = login(client, username)
    assert tokens["must_change_password"] is True
    token = tokens["access_token"]
    body = error(get(client, READS[username], token=token), 403, "password_change_required")
    assert body["message"].startswith("Bạn cần đổi mật khẩu")
    response = post_json(client, "/auth/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, token=token)
    assert response.status_code == 200, response.content
    assert get(client, READS[username], token=token).status_code == 200  # the token that changed it stays


def test_a_staff_message_does_not_speak_of_sms(client: Any) -> None:
    User.objects.filter(username="canbo.dongda").update(must_change_password=True)
    token = login(client, "canbo.dongda")["access_token"]
    body = error(get(client, "/staff/registrations", token=token), 403, "password_change_required")
    assert body["message"] == "Bạn cần đổi mật khẩu được cấp trước khi tiếp tục."


# A citizen holds one login at a time anyway (a new login ends the older one): the roles that may
# hold several are the ones whose other logins used to survive a change.
@pytest.mark.parametrize("username", ["canbo.dongda", "lanhdao.hanoi", "nhansu.demo"])
def test_a_change_through_the_api_ends_the_other_tokens_and_web_sessions(username: str) -> None:
    phone, tablet, browser = Client(), Client(), Client()
    assert web_login(browser, username).status_code == 302 and web_logged_in(browser)
    other = login(tablet, username)["access_token"]
    mine = login(phone, username)["access_token"]
    assert get(tablet, READS[username], token=other).status_code == 200
    response = post_json(phone, "/auth/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, token=mine)
    assert response.status_code == 200, response.content
    assert get(phone, READS[username], token=mine).status_code == 200
    error(get(tablet, READS[username], token=other), 401, "not_authenticated")
    assert not web_logged_in(browser)


@pytest.mark.parametrize("username", ["canbo.dongda", "nhansu.demo", "0198765432"])
def test_a_change_on_the_web_ends_the_tokens_and_other_browsers(username: str) -> None:
    desk, other_browser, app = Client(), Client(), Client()
    token = login(app, username)["access_token"]
    web_login(other_browser, username)
    web_login(desk, username)
    response = desk.post(
        "/doi-mat-khau/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    error(get(app, READS[username], token=token), 401, "not_authenticated")
    assert not web_logged_in(other_browser)
    assert web_logged_in(desk)


def test_a_reset_ends_every_login_of_the_account(client: Any, settings: Any, tmp_path: Any) -> None:
    from accounts.services import confirm_password_reset, request_password_reset
    from vssid.testing import last_code

    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "sms.jsonl"
    token = login(client, "0198765432")["access_token"]
    browser = Client()
    web_login(browser, "0198765432")
    request_password_reset("0198765432", "0987654321")
    confirm_password_reset("0198765432", last_code("password_reset_otp", "+84987654321"), NEW_PASSWORD)
    error(get(client, "/me", token=token), 401, "not_authenticated")
    assert not web_logged_in(browser)
