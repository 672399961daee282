from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

pytestmark = pytest.mark.django_db


def test_citizen_logs_in_with_bhxh_code_or_cccd() -> None:
    by_code = authenticate(username="0198765432", password="VssidDemo@2026")
    by_cccd = authenticate(username="001192054321", password="VssidDemo@2026")
    assert by_code is not None and by_code == by_cccd
    assert by_code.person is not None and by_code.person.full_name == "Trần Thị Bình"


def test_wrong_password_or_unknown_identifier_fails() -> None:
    assert authenticate(username="001192054321", password="wrong") is None
    assert authenticate(username="001090012345", password="VssidDemo@2026") is None  # An has no account
    assert authenticate(username="999999999999", password="VssidDemo@2026") is None


def test_staff_keep_their_usernames() -> None:
    user = authenticate(username="canbo.dongda", password="VssidDemo@2026")
    assert user is not None and user.office_id == "00106"
