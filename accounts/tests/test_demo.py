"""The demo logins written with the demo register (accounts.demo, the session's seed in conftest.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password

from accounts.demo import USERS, is_seeded
from accounts.models import User
from registry.demo import loader

pytestmark = pytest.mark.django_db


def test_demo_users_have_their_links() -> None:
    users = {u.username: u for u in User.objects.all()}
    assert users["canbo.dongda"].role == "staff" and users["canbo.dongda"].office_id == "00106"
    assert users["nhansu.demo"].role == "employer" and users["nhansu.demo"].employer_id == "0101234567DNA03"
    assert users["lanhdao.hanoi"].role == "lead" and users["lanhdao.hanoi"].office_id == "001"
    for name in ("canbo.dongda", "nhansu.demo", "lanhdao.hanoi", "admin"):
        assert check_password("VssidDemo@2026", users[name].password)


def test_a_seed_without_its_logins_is_not_complete() -> None:
    assert is_seeded()
    User.objects.filter(username=USERS[-1]["username"]).delete()
    assert loader.is_seeded() and not is_seeded()
