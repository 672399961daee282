"""A password or OTP that may have gone out is never sent again: its issuer replaces it.

The issuers' own replacements (new password, new code) are tested end to end in
accounts/tests/test_secret_reissue.py and enrollment/tests/test_secret_reissue.py; here a
stand-in issuer checks the outbox's side: when, how often, with which key.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from messaging import backends, delivery
from messaging.delivery import (
    Outcome,
    UncertainSecret,
    deliver_due_messages,
    deliver_message,
    requeue_stuck_messages,
    settle_uncertain,
)
from messaging.models import SCRUBBED, Message, Status
from messaging.services import queue_sms
from messaging.tests.conftest import OUTBOX_APPS, PHONE, Gateway, sms_lines

pytestmark = pytest.mark.django_db
KIND = "password_reset_otp"


class Issuer:
    """Stands in for accounts: each call issues the next code and queues it as told."""

    def __init__(self) -> None:
        self.calls: list[UncertainSecret] = []
        self.fail = False
        self.in_use = True

    def __call__(self, uncertain: UncertainSecret) -> Message | None:
        self.calls.append(uncertain)
        if self.fail:
            raise RuntimeError("the issuer's database is busy")
        if not self.in_use:
            return None
        code = f"{700000 + len(self.calls)}"
        return queue_sms(
            to=uncertain.to,
            kind=uncertain.kind,
            body=f"Ma OTP truoc khong con dung duoc. Ma moi: {code}",
            secret=code,
            secret_of=uncertain.secret_of,
            dedupe_key=uncertain.dedupe_key,
        )


@pytest.fixture
def issuer(monkeypatch: pytest.MonkeyPatch) -> Issuer:
    fake = Issuer()
    monkeypatch.setitem(delivery._reissuers, KIND, fake)
    return fake


def queue_code(code: str = "482913", dedupe_key: str | None = None) -> Message:
    with transaction.atomic():
        return queue_sms(to=PHONE, kind=KIND, body=f"Ma OTP: {code}", secret=code, secret_of="user:7", dedupe_key=dedupe_key)


def strand(message: Message, minutes: int = 6) -> None:
    """As a worker that claimed the message and died before recording the gateway's answer."""
    Message.objects.filter(pk=message.pk).update(status=Status.SENDING, claimed_at=timezone.now() - dt.timedelta(minutes=minutes))


def test_a_stranded_code_is_replaced_once_and_never_resent(sms_file: Path, issuer: Issuer) -> None:
    message = queue_code()
    strand(message)
    assert deliver_due_messages() == 1
    assert [line["body"] for line in sms_lines(sms_file)] == ["Ma OTP truoc khong con dung duoc. Ma moi: 700001"]
    [call] = issuer.calls
    assert (call.message_id, call.secret, call.secret_of, call.to) == (message.pk, "482913", "user:7", PHONE)
    message.refresh_from_db()
    assert (message.status, message.secret, message.body, message.attempts) == (Status.UNCERTAIN, "", f"Ma OTP: {SCRUBBED}", 1)
    assert message.last_error.startswith("Uncertain, not sent again; replaced by message ")
    assert message.reissue.status == Status.SENT
    assert not Message.objects.filter(body__contains="482913").exists()
    for _ in range(3):
        assert deliver_due_messages() == 0
    assert len(issuer.calls) == 1


def test_a_code_still_being_sent_is_left_alone(sms_file: Path, issuer: Issuer) -> None:
    message = queue_code()
    strand(message, minutes=4)
    assert deliver_due_messages() == 0
    assert Message.objects.get(pk=message.pk).status == Status.SENDING
    assert issuer.calls == []


def test_settling_twice_issues_one_new_secret(issuer: Issuer) -> None:
    message = queue_code()
    strand(message)
    claimed_at = Message.objects.get(pk=message.pk).claimed_at
    assert claimed_at is not None
    first = settle_uncertain(message.pk, claimed_at=claimed_at, reason="test")
    again = settle_uncertain(message.pk, claimed_at=claimed_at, reason="test")
    assert first is not None and again is None
    assert requeue_stuck_messages() == 0
    assert len(issuer.calls) == 1
    assert Message.objects.filter(reissue_of=message).count() == 1


def test_a_replacement_keeps_the_key_with_a_generation(sms_file: Path, issuer: Issuer) -> None:
    message = queue_code(dedupe_key="password_reset_otp:user:7")
    strand(message)
    requeue_stuck_messages()
    second = Message.objects.get(reissue_of=message)
    assert second.dedupe_key == "password_reset_otp:user:7:2"
    strand(second)
    requeue_stuck_messages()
    assert Message.objects.get(reissue_of=second).dedupe_key == "password_reset_otp:user:7:3"
    assert sms_lines(sms_file) == []  # neither old code went out from here


def test_a_secret_no_longer_in_use_is_settled_without_a_new_one(sms_file: Path, issuer: Issuer) -> None:
    issuer.in_use = False
    message = queue_code()
    strand(message)
    assert deliver_due_messages() == 0
    message.refresh_from_db()
    assert (message.status, message.secret) == (Status.UNCERTAIN, "")
    assert "no longer in use" in message.last_error
    assert sms_lines(sms_file) == []


def test_while_the_issuer_fails_the_code_waits_and_is_not_resent(sms_file: Path, issuer: Issuer) -> None:
    issuer.fail = True
    message = queue_code()
    strand(message)
    assert deliver_due_messages() == 0
    message.refresh_from_db()
    assert (message.status, message.secret) == (Status.SENDING, "482913")  # nothing settled, nothing sent
    issuer.fail = False
    assert deliver_due_messages() == 1
    assert [line["body"] for line in sms_lines(sms_file)] == ["Ma OTP truoc khong con dung duoc. Ma moi: 700002"]
    assert Message.objects.get(pk=message.pk).status == Status.UNCERTAIN


def test_a_gateway_timeout_replaces_the_code_but_retries_a_notice(
    settings: Any, gateway: Gateway, issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SMS_BACKEND, settings.SMS_HTTP_URL, settings.SMS_HTTP_TOKEN = "http", gateway.url, "t"
    monkeypatch.setattr(backends, "HTTP_TIMEOUT", 0.3)
    gateway.hang = True
    code = queue_code()
    with transaction.atomic():
        notice = queue_sms(to=PHONE, kind="notice", body="Ho so DK7F3K9Q2M da duoc tiep nhan.")
    assert deliver_message(code.pk) == Outcome.UNCERTAIN
    assert deliver_message(notice.pk) == Outcome.RETRY  # at least once: a second copy beats none
    code.refresh_from_db()
    assert (code.status, code.secret) == (Status.UNCERTAIN, "")
    assert code.last_error.endswith("UncertainDeliveryError: SMS gateway did not answer: TimeoutError")
    assert len(issuer.calls) == 1
    assert Message.objects.get(pk=notice.pk).status == Status.PENDING


def test_a_refusal_retries_the_same_code(settings: Any, gateway: Gateway, issuer: Issuer) -> None:
    settings.SMS_BACKEND, settings.SMS_HTTP_URL, settings.SMS_HTTP_TOKEN = "http", gateway.url, "t"
    gateway.status = 503
    message = queue_code()
    assert deliver_message(message.pk) == Outcome.RETRY
    message.refresh_from_db()
    assert (message.status, message.secret) == (Status.PENDING, "482913")
    assert issuer.calls == []


def test_a_bug_in_the_backend_counts_as_uncertain_for_a_code(
    settings: Any, issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SMS_BACKEND = "console"

    def broken(self: backends.ConsoleBackend, sms: backends.Sms) -> None:
        raise KeyError("halfway through")

    monkeypatch.setattr(backends.ConsoleBackend, "send", broken)
    message = queue_code()
    with pytest.raises(KeyError):
        deliver_message(message.pk)  # raised for the task log, after settling
    assert Message.objects.get(pk=message.pk).status == Status.UNCERTAIN
    assert len(issuer.calls) == 1


@pytest.mark.django_db(transaction=True, available_apps=OUTBOX_APPS)
def test_two_workers_finding_one_stranded_code_replace_it_once(sms_file: Path, issuer: Issuer) -> None:
    message = queue_code()
    strand(message)
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            requeue_stuck_messages()
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(issuer.calls) == 1
    assert Message.objects.filter(reissue_of=message).count() == 1
