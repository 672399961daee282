"""Queueing: the outbox row lives and dies with the caller's transaction, and refuses bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from messaging.delivery import deliver_due_messages
from messaging.models import Message, Status
from messaging.services import queue_email, queue_sms
from messaging.tests.conftest import PHONE, TASKS_IMMEDIATE, sms_lines

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def test_a_rolled_back_change_sends_nothing(sms_file: Path, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.TASKS = TASKS_IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Rollback), transaction.atomic():
        queue_sms(
            to=PHONE,
            kind="registration_otp",
            body="Ma OTP dang ky VssID: 123456",
            secret="123456",
            secret_of="registration:DK7F3K9Q2M",
        )
        raise Rollback
    assert callbacks == []
    assert not Message.objects.exists()
    assert deliver_due_messages() == 0
    assert sms_lines(sms_file) == []


def test_commit_delivers_one_line_of_the_contract(sms_file: Path, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.TASKS = TASKS_IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        message = queue_sms(
            to=PHONE,
            kind="registration_otp",
            body="Ma OTP dang ky VssID: 123456",
            secret="123456",
            secret_of="registration:DK7F3K9Q2M",
        )
    assert len(callbacks) == 1
    [line] = sms_lines(sms_file)
    assert set(line) == {"to", "kind", "body", "created_at"}
    assert line["to"] == PHONE
    assert line["kind"] == "registration_otp"
    assert line["body"] == "Ma OTP dang ky VssID: 123456"
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert line["created_at"] == message.created_at.isoformat()


def test_a_dedupe_key_queues_a_password_once(sms_file: Path, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.TASKS = TASKS_IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            first = queue_sms(
                to=PHONE,
                kind="account_password",
                body="Mat khau VssID: Ab3kP9xQ2m",
                secret="Ab3kP9xQ2m",
                secret_of="user:1",
                dedupe_key="account_password:41",
            )
        with transaction.atomic():
            second = queue_sms(
                to=PHONE,
                kind="account_password",
                body="Mat khau VssID: Zz9yX8wV7u",
                secret="Zz9yX8wV7u",
                secret_of="user:1",
                dedupe_key="account_password:41",
            )
    assert second.pk == first.pk
    assert len(callbacks) == 1
    assert Message.objects.filter(dedupe_key="account_password:41").count() == 1
    assert [line["body"] for line in sms_lines(sms_file)] == ["Mat khau VssID: Ab3kP9xQ2m"]


def test_the_database_refuses_a_second_row_with_the_same_key() -> None:
    Message.objects.create(channel="sms", kind="notice", to=PHONE, body="x", dedupe_key="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(channel="sms", kind="notice", to=PHONE, body="y", dedupe_key="k")
    # No key: as many as wanted.
    Message.objects.create(channel="sms", kind="notice", to=PHONE, body="x")
    Message.objects.create(channel="sms", kind="notice", to=PHONE, body="x")


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"body": "Mã OTP đăng ký VssID: 123456"}, "ASCII"),
        ({"body": "x" * 161}, "161"),
        ({"body": "[" * 81}, "162"),  # GSM-7 escapes count twice
        ({"body": "line one\nline two"}, "ASCII"),
        ({"body": ""}, "ASCII"),
        ({"to": "0912345678"}, "E.164"),
        ({"to": "+84212345678"}, "E.164"),
        ({"kind": "registration_form"}, "kind"),
        ({"secret": "654321"}, "secret"),
        ({"secret_of": ""}, "secret_of"),  # could not be replaced if its delivery became uncertain
        ({"kind": "login_otp", "body": "Ma OTP dang nhap: 123456"}, "reissuer"),  # nobody issues these yet
    ],
)
def test_bad_sms_is_refused(fields: dict[str, str], problem: str) -> None:
    arguments = {
        "to": PHONE,
        "kind": "registration_otp",
        "body": "Ma OTP: 123456",
        "secret": "123456",
        "secret_of": "registration:DK7F3K9Q2M",
        **fields,
    }
    with pytest.raises(ValueError, match=problem), transaction.atomic():
        queue_sms(**arguments)
    assert not Message.objects.exists()


def test_a_full_160_character_sms_is_accepted() -> None:
    with transaction.atomic():
        queue_sms(to=PHONE, kind="notice", body="x" * 160)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"to": "not-an-address"}, "address"),
        ({"kind": "Registration Form"}, "kind"),
        ({"subject": "two\nlines"}, "subject"),
        ({"subject": ""}, "subject"),
    ],
)
def test_bad_email_is_refused(fields: dict[str, str], problem: str) -> None:
    arguments: dict[str, Any] = {"to": "an@example.com", "subject": "Mẫu số 01", "body": "Kính gửi", "kind": "registration_form"}
    arguments.update(fields)
    with pytest.raises(ValueError, match=problem), transaction.atomic():
        queue_email(**arguments)


@pytest.mark.django_db(transaction=True, available_apps=["messaging"])
def test_queueing_outside_a_transaction_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError, match="transaction"):
        queue_sms(to=PHONE, kind="notice", body="Thong bao")
    assert not Message.objects.exists()
