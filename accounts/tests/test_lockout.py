"""The lockout: per account (whatever identifier was typed), per address, for 15 minutes, on every door."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.services import AccountError, authenticate_login
from enrollment.tests.web_support import PASSWORD, login
from vssid.models import RateCounter

pytestmark = pytest.mark.django_db

BINH, BINH_CCCD = "0198765432", "001192054321"


def fail(identifier: str, ip: str | None = "203.0.113.7") -> str:
    with pytest.raises(AccountError) as caught:
        authenticate_login(identifier, "not-the-password", ip=ip)
    return caught.value.code


def test_guesses_by_bhxh_code_and_by_cccd_count_together() -> None:
    for identifier in (BINH, BINH_CCCD, BINH, BINH_CCCD, " 0198765432 "):
        assert fail(identifier, ip=None) == "invalid_credentials"
    for identifier in (BINH, BINH_CCCD):
        with pytest.raises(AccountError) as caught:
            authenticate_login(identifier, PASSWORD, ip=None)
        assert caught.value.code == "locked_out" and caught.value.status == 429


def test_the_lock_ends_after_15_minutes_and_success_clears_the_count() -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _attempt in range(5):
            fail(BINH_CCCD, ip=None)
        assert fail(BINH, ip=None) == "locked_out"
    with time_machine.travel(start + dt.timedelta(minutes=14, seconds=59), tick=False):
        assert fail(BINH, ip=None) == "locked_out"
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        user = authenticate_login(BINH_CCCD, PASSWORD, ip=None)
        assert user.username == BINH
        # The success cleared the count: four new failures do not lock.
        for _attempt in range(4):
            assert fail(BINH, ip=None) == "invalid_credentials"
        assert authenticate_login(BINH, PASSWORD, ip=None) == user


def test_thirty_failures_lock_the_address_not_the_others() -> None:
    for n in range(30):
        assert fail(f"no-such-user-{n}") == "invalid_credentials"
    assert fail("another-name") == "locked_out"
    with pytest.raises(AccountError) as caught:
        authenticate_login(BINH, PASSWORD, ip="203.0.113.7")
    assert caught.value.code == "locked_out"
    assert authenticate_login(BINH, PASSWORD, ip="198.51.100.1").username == BINH  # another address


def test_keys_are_bounded_whatever_is_typed() -> None:
    # A key used to be "user:" + the typed text: 156 characters overflowed the column (a 500 on PostgreSQL).
    for identifier in ("x" * 156, "y" * 5000, "Ä" * 200, "name\x00with-nul"):
        assert fail(identifier) == "invalid_credentials"
    assert all(len(key) <= 80 for key in RateCounter.objects.values_list("key", flat=True))


def test_an_unknown_name_is_locked_under_its_normalised_form() -> None:
    for identifier in ("Nobody.Here", "nobody.here", " NOBODY.HERE", "nobody.here", "Nobody.here"):
        fail(identifier, ip=None)
    assert fail("nobody.HERE", ip=None) == "locked_out"


def test_the_web_login_is_locked_by_guesses_made_through_the_api(client: Client) -> None:
    api = Client()
    for _attempt in range(5):
        response = api.post("/api/v1/auth/login", {"username": BINH_CCCD, "password": "wrong"}, content_type="application/json")
        assert response.status_code == 401
    assert login(client, BINH).status_code == 429


# ---- the Django admin's login -----------------------------------------------------------------


def admin_login(client: Client, username: str, password: str) -> str:
    response = client.post("/admin/login/?next=/admin/", {"username": username, "password": password})
    return "302" if response.status_code == 302 else response.content.decode()


def test_the_admin_login_counts_failures_and_is_locked() -> None:
    client = Client()
    for _attempt in range(5):
        assert admin_login(client, "admin", "wrong-password") != "302"
    page = admin_login(client, "admin", PASSWORD)
    assert "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút." in page
    assert "_auth_user_id" not in client.session


def test_admin_guesses_lock_the_other_doors_too() -> None:
    for _attempt in range(5):
        admin_login(Client(), "admin", "wrong-password")
    assert login(Client(), "admin").status_code == 429


def test_the_admin_login_still_works() -> None:
    client = Client()
    assert admin_login(client, "admin", PASSWORD) == "302"
    assert client.get("/admin/").status_code == 200
    # A citizen is not staff of the admin site: refused, though the password is right.
    assert admin_login(Client(), BINH, PASSWORD) != "302"


def test_authenticate_counts_and_refuses_when_locked() -> None:
    from django.contrib.auth import authenticate

    for _attempt in range(5):
        assert authenticate(username=BINH_CCCD, password="wrong") is None
    assert authenticate(username=BINH, password=PASSWORD) is None
    assert User.objects.get(username=BINH).check_password(PASSWORD)
