""" "Who viewed my data": audit rows about the citizen's person made by others, newest first."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def binh() -> User:
    return User.objects.get(username="0198765432")


def test_it_lists_who_viewed_with_masked_staff_and_plain_actions(client: Client, binh: User) -> None:
    staff = User.objects.get(username="canbo.dongda")
    hr = User.objects.get(username="nhansu.demo")
    old = record("registration.view", actor=staff, object_type="registration", object_id="DK1", person=binh.person)
    AuditEvent.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=2))
    record("history.flag_viewed", actor=hr, object_type="flag", object_id="1", person=binh.person)
    record("history.flag_created", actor=binh, object_type="flag", object_id="1", person=binh.person)  # own
    record("registration.view", actor=staff, object_type="registration", object_id="DK2", person=1)  # someone else
    client.force_login(binh)
    html = client.get("/tai-khoan/ai-da-xem/").content.decode()
    assert "canbo.dongda" not in html and "ca********da" in html
    assert staff.office is not None and staff.office.name in html
    assert hr.employer is not None and hr.employer.name in html
    assert "Xem hồ sơ đăng ký giao dịch điện tử" in html and "registration.view" not in html
    assert "Tạo phản ánh" not in html  # the citizen's own action is not listed
    assert html.index("Xem phản ánh") < html.index("Xem hồ sơ đăng ký")  # newest first
    assert html.count("<tr>") == 1 + 2  # header + two rows: the other person's row is not there


def test_it_paginates_with_a_fixed_number_of_queries(client: Client, binh: User, django_assert_max_num_queries: Any) -> None:
    staff = User.objects.get(username="canbo.dongda")
    for i in range(45):
        record("registration.view", actor=staff, object_type="registration", object_id=f"DK{i}", person=binh.person)
    client.force_login(binh)
    with django_assert_max_num_queries(6):
        first = client.get("/tai-khoan/ai-da-xem/")
    assert first.content.decode().count("<tr>") == 1 + 20
    third = client.get("/tai-khoan/ai-da-xem/", {"page": 3}).content.decode()
    assert third.count("<tr>") == 1 + 5 and "Trang 3/3" in third


def test_the_page_is_for_citizens_only(client: Client) -> None:
    assert client.get("/tai-khoan/ai-da-xem/").status_code == 302
    client.force_login(User.objects.get(username="canbo.dongda"))
    assert client.get("/tai-khoan/ai-da-xem/").status_code == 404
