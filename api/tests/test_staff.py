"""The office side through the API: own office only, receive before approve, one account, one SMS."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.models import F
from django.test import Client

from accounts.models import ApiToken, OneTimeCode, User
from api.tests.support import (
    AN_PHONE,
    PASSWORD,
    error,
    get,
    last_code,
    login,
    post_json,
    register,
    sent_password,
    sms_lines,
    sms_of,
)
from audit.models import AuditEvent
from enrollment.models import Registration
from messaging.delivery import deliver_due_messages
from messaging.models import Message
from registry.models import Person
from vssid.models import RateCounter


def make_clerk(username: str, office: str) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, role=User.Role.STAFF, office_id=office)


def register_person(client: Any, person: Person, phone: str) -> str:
    """A submitted registration of a person of the seeded register, at office 00106."""
    assert person.date_of_birth is not None
    response = register(
        client,
        full_name=person.full_name,
        ssn=person.ssn,
        date_of_birth=person.date_of_birth.isoformat(),
        sex=str(person.sex),
        phone=phone,
    )
    assert response.status_code == 201, response.content
    reference: str = response.json()["reference"]
    e164 = "+84" + phone[1:]
    assert (
        post_json(client, f"/registrations/{reference}/confirm", {"otp": last_code("registration_otp", e164)}).status_code == 200
    )
    return reference


def people_without_account(count: int) -> list[Person]:
    return list(
        Person.objects.filter(account__isnull=True, registrations__isnull=True, birth_day__isnull=False, died_on__isnull=True)
        .exclude(ssn="0123456789")
        .order_by("id")[:count]
    )


# ---- who may see what -------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_of_another_office_see_nothing(client: Any, submitted: dict[str, Any]) -> None:
    reference = submitted["reference"]
    make_clerk("canbo.badinh", "00101")
    other = login(client, "canbo.badinh")["access_token"]
    response = get(client, "/staff/registrations", token=other)
    assert response.status_code == 200 and response.json() == {"count": 0, "items": []}
    error(get(client, f"/staff/registrations/{reference}", token=other), 404, "not_found")
    for action in ("receive", "approve"):
        error(post_json(client, f"/staff/registrations/{reference}/{action}", token=other), 404, "not_found")
    error(post_json(client, f"/staff/registrations/{reference}/reject", {"reason": "x"}, token=other), 404, "not_found")
    assert Registration.objects.get(reference=reference).status == "submitted"


@pytest.mark.django_db
def test_an_unconfirmed_registration_is_not_shown_to_the_office(client: Any, staff_token: str) -> None:
    reference = register(client).json()["reference"]
    error(get(client, f"/staff/registrations/{reference}", token=staff_token), 404, "not_found")
    assert get(client, "/staff/registrations", token=staff_token).json()["count"] == 0


@pytest.mark.django_db
def test_roles_are_kept_apart(client: Any, staff_token: str) -> None:
    citizen = login(client, "0198765432")["access_token"]
    body = error(get(client, "/staff/registrations", token=citizen), 403, "forbidden")
    assert body["message"] == "Chức năng này chỉ dành cho cán bộ cơ quan BHXH."
    error(get(client, "/me", token=staff_token), 403, "forbidden")
    error(get(client, "/staff/registrations"), 401, "not_authenticated")
    error(get(client, "/staff/registrations", token="not-a-token"), 401, "not_authenticated")


# ---- the queue --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_queue_is_sorted_by_deadline_filtered_and_paginated(
    client: Any, staff_token: str, django_assert_num_queries: Any
) -> None:
    people = people_without_account(3)
    references = [register_person(client, person, f"09120000{i:02d}") for i, person in enumerate(people)]
    # Different deadlines: the nearest first.
    for days, reference in zip((3, 1, 2), references, strict=True):
        Registration.objects.filter(reference=reference).update(deadline=F("deadline") + dt.timedelta(days=days))
    assert post_json(client, f"/staff/registrations/{references[0]}/receive", token=staff_token).status_code == 200
    with django_assert_num_queries(3):  # token and user, count, page
        response = get(client, "/staff/registrations", token=staff_token)
    assert response.json()["count"] == 3
    assert [item["reference"] for item in response.json()["items"]] == [references[1], references[2], references[0]]
    page = get(client, "/staff/registrations", token=staff_token, limit=1, offset=1).json()
    assert page["count"] == 3 and [item["reference"] for item in page["items"]] == [references[2]]
    received = get(client, "/staff/registrations", token=staff_token, status="received").json()
    assert [item["reference"] for item in received["items"]] == [references[0]]
    assert get(client, "/staff/registrations", token=staff_token, status="approved").json()["count"] == 0
    error(get(client, "/staff/registrations", token=staff_token, limit=101), 422, "invalid_input")
    error(get(client, "/staff/registrations", token=staff_token, status="awaiting_confirmation"), 422, "invalid_input")


# ---- the order of the steps -------------------------------------------------------------


@pytest.mark.django_db
def test_approve_needs_receive_first_and_happens_once(client: Any, submitted: dict[str, Any], staff_token: str) -> None:
    reference = submitted["reference"]
    error(post_json(client, f"/staff/registrations/{reference}/approve", token=staff_token), 409, "not_received")
    assert post_json(client, f"/staff/registrations/{reference}/receive", token=staff_token).status_code == 200
    error(post_json(client, f"/staff/registrations/{reference}/receive", token=staff_token), 409, "already_received")
    assert post_json(client, f"/staff/registrations/{reference}/approve", token=staff_token).status_code == 200
    error(post_json(client, f"/staff/registrations/{reference}/approve", token=staff_token), 409, "already_approved")
    error(
        post_json(client, f"/staff/registrations/{reference}/reject", {"reason": "x"}, token=staff_token), 409, "already_decided"
    )
    assert len(sms_of("account_password")) == 1
    assert User.objects.filter(username="0123456789").count() == 1


# ---- the SMS gateway is down ------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there any more


@pytest.mark.django_db
def test_approval_stands_when_the_sms_gateway_is_down(
    client: Any, settings: Any, submitted: dict[str, Any], staff_token: str
) -> None:
    reference = submitted["reference"]
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{closed_port()}/sms"
    assert post_json(client, f"/staff/registrations/{reference}/receive", token=staff_token).status_code == 200
    assert post_json(client, f"/staff/registrations/{reference}/approve", token=staff_token).status_code == 200
    assert deliver_due_messages() == 0
    message = Message.objects.get(kind="account_password", to=AN_PHONE)
    assert (message.status, message.attempts) == ("pending", 1)
    assert "unreachable" in message.last_error and message.secret  # kept until delivered
    assert Registration.objects.get(reference=reference).status == "approved"
    assert User.objects.filter(username="0123456789").exists()

    # The gateway is back: the next run after the backoff delivers it.
    settings.SMS_BACKEND = "file"
    assert deliver_due_messages() == 0  # not due yet
    with time_machine.travel(message.next_attempt_at, tick=False):
        assert deliver_due_messages() == 2  # and the confirmation's reference SMS, which failed alike
    message.refresh_from_db()
    assert message.status == "sent" and not message.secret
    assert login(client, "0123456789", sent_password())["must_change_password"] is True


# ---- two clerks at once -----------------------------------------------------------------


@pytest.fixture
def committed_rows(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Database access outside pytest-django's per-test transaction, undone row by row afterwards.

    Two connections can only race on committed rows. `django_db(transaction=True)` would flush
    every table after the test, the session's seeded register included; instead this test commits
    in autocommit mode and deletes exactly the rows it added (everything above the ids it saw).
    """
    models = [AuditEvent, Message, OneTimeCode, ApiToken, RateCounter, Registration, User]
    with django_db_blocker.unblock():
        high = {model: (model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0) for model in models}
        try:
            yield
        finally:
            for model in models:  # in dependency order
                model._default_manager.filter(pk__gt=high[model]).delete()
            connection.close()


def test_two_clerks_approving_at_once_make_one_account_and_one_sms(client: Any, settings: Any, committed_rows: None) -> None:
    # The immediate backend delivers each SMS when its transaction commits.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
    person = people_without_account(1)[0]
    reference = register_person(client, person, "0912000099")
    make_clerk("canbo.dongda2", "00106")
    tokens = [login(client, "canbo.dongda")["access_token"], login(client, "canbo.dongda2")["access_token"]]
    assert post_json(client, f"/staff/registrations/{reference}/receive", token=tokens[0]).status_code == 200

    start = threading.Barrier(2)
    statuses: list[int] = []

    def approve(token: str) -> None:
        try:
            start.wait(timeout=10)
            statuses.append(post_json(Client(), f"/staff/registrations/{reference}/approve", token=token).status_code)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=approve, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 409]
    assert User.objects.filter(person=person).count() == 1
    assert Message.objects.filter(kind="account_password", to="+84912000099").count() == 1
    kinds = [line["kind"] for line in sms_lines() if line["to"] == "+84912000099"]
    assert kinds == ["registration_otp", "notice", "account_password"]  # the notice: the reference, once confirmed


@pytest.mark.django_db
def test_an_offset_past_bigint_is_invalid_input(client: Any, staff_token: str) -> None:
    # OFFSET 2**63 overflowed PostgreSQL's bigint: a 500 before the bound.
    body = error(get(client, "/staff/registrations", token=staff_token, offset=2**63), 422, "invalid_input")
    assert body["fields"] == {"offset": ["Tối đa là 1000000000."]}
    assert get(client, "/staff/registrations", token=staff_token, offset=1_000_000_000).json()["items"] == []
