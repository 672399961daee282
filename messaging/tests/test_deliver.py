"""Delivery: claimed once, retried with backoff through an outage, secrets scrubbed when done."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from messaging.delivery import MAX_ATTEMPTS, Outcome, deliver_due_messages, deliver_message, pending_problems
from messaging.models import SCRUBBED, Message, Status
from messaging.services import queue_email, queue_sms
from messaging.tests.conftest import OUTBOX_APPS, PHONE, closed_port, sms_lines

pytestmark = pytest.mark.django_db

OTP_BODY = "Ma OTP dat lai mat khau VssID: 482913. Khong chia se ma nay."


def queue_otp(**overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "to": PHONE,
        "kind": "password_reset_otp",
        "body": OTP_BODY,
        "secret": "482913",
        "secret_of": "user:1",
    }
    fields.update(overrides)
    with transaction.atomic():
        return queue_sms(**fields)


@pytest.fixture
def gateway_down(settings: Any) -> None:
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{closed_port()}/sms"
    settings.SMS_HTTP_TOKEN = "token"


def test_the_secret_is_in_the_sms_but_not_in_the_database_after_delivery(sms_file: Path) -> None:
    message = queue_otp()
    assert deliver_message(message.pk) == Outcome.SENT
    [line] = sms_lines(sms_file)
    assert "482913" in line["body"]
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.sent_at is not None
    assert message.secret == ""
    assert message.body == OTP_BODY.replace("482913", SCRUBBED)
    assert not Message.objects.filter(body__contains="482913").exists()


def test_a_delivered_message_is_not_sent_again(sms_file: Path) -> None:
    message = queue_otp()
    assert deliver_message(message.pk) == Outcome.SENT
    assert deliver_message(message.pk) == Outcome.SKIPPED
    assert deliver_due_messages() == 0
    assert len(sms_lines(sms_file)) == 1


@pytest.mark.django_db(transaction=True, available_apps=OUTBOX_APPS)
def test_two_workers_racing_for_one_message_send_it_once(sms_file: Path) -> None:
    message = queue_otp()
    start = threading.Barrier(2)
    outcomes: list[Outcome] = []

    def worker() -> None:
        try:
            start.wait()
            outcomes.append(deliver_message(message.pk))
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == [Outcome.SENT, Outcome.SKIPPED]
    assert len(sms_lines(sms_file)) == 1


def test_gateway_down_then_back_up(gateway_down: None, settings: Any, tmp_path: Path) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        message = queue_otp()
        assert deliver_message(message.pk) == Outcome.RETRY
        message.refresh_from_db()
        assert message.status == Status.PENDING
        assert message.attempts == 1
        assert message.next_attempt_at == timezone.now() + dt.timedelta(seconds=30)
        assert message.last_error.startswith("DeliveryError: ")
        assert PHONE not in message.last_error and "482913" not in message.last_error
        assert message.secret == "482913"  # still needed for the next try
        assert list(pending_problems()) == [message]

        # The gateway is back; the message waits for its backoff to end.
        settings.SMS_BACKEND = "file"
        settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
        assert deliver_due_messages() == 0
        traveller.shift(dt.timedelta(seconds=31))
        assert deliver_due_messages() == 1

    [line] = sms_lines(tmp_path / "sms.jsonl")
    assert line["body"] == OTP_BODY
    message.refresh_from_db()
    assert (message.status, message.attempts, message.secret) == (Status.SENT, 1, "")
    assert list(pending_problems()) == []


def test_after_twelve_failures_the_message_has_failed(gateway_down: None) -> None:
    waits = []
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        message = queue_otp()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            outcome = deliver_message(message.pk)
            message.refresh_from_db()
            assert message.attempts == attempt
            if attempt < MAX_ATTEMPTS:
                assert outcome == Outcome.RETRY
                waits.append(message.next_attempt_at - timezone.now())
                # Not before its time, even when asked.
                assert deliver_message(message.pk) == Outcome.SKIPPED
                traveller.move_to(message.next_attempt_at)
        assert outcome == Outcome.FAILED
    assert [w.total_seconds() for w in waits] == [30, 120, 600, 1800] + [3600] * 7
    assert message.status == Status.FAILED
    # A password that will never arrive does not stay in the database either.
    assert message.secret == ""
    assert "482913" not in message.body
    assert list(pending_problems()) == [message]
    assert deliver_due_messages() == 0


def test_a_notice_whose_worker_died_mid_send_is_sent_again(sms_file: Path) -> None:
    # At least once: without a secret, a second copy is better than none. (Secrets: test_uncertain.py.)
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        message = queue_otp(body="Ho so DK7F3K9Q2M da duoc tiep nhan.", kind="notice", secret="", secret_of="")
        Message.objects.filter(pk=message.pk).update(status=Status.SENDING, claimed_at=timezone.now())
        traveller.shift(dt.timedelta(minutes=4))
        assert deliver_due_messages() == 0  # may still be sending
        traveller.shift(dt.timedelta(minutes=2))
        assert deliver_due_messages() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)
    assert len(sms_lines(sms_file)) == 1


def test_a_misconfigured_backend_is_counted_and_raised(settings: Any) -> None:
    settings.SMS_BACKEND = "pigeon"
    message = queue_otp()
    with pytest.raises(Exception, match="SMS_BACKEND"):
        deliver_message(message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert message.last_error.startswith("ImproperlyConfigured")


def test_email_with_attachment_is_sent_and_the_attachment_dropped(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    pdf = b"%PDF-1.7 form 01"
    with transaction.atomic():
        message = queue_email(
            to="an.nguyen@example.com",
            subject="Mẫu số 01 – đăng ký giao dịch điện tử",
            body="Kính gửi ông Nguyễn Văn An, …",
            kind="registration_form",
            attachment=("mau-01.pdf", pdf, "application/pdf"),
        )
    assert deliver_message(message.pk) == Outcome.SENT
    [email] = mail.outbox
    assert email.to == ["an.nguyen@example.com"]
    assert email.subject == "Mẫu số 01 – đăng ký giao dịch điện tử"
    assert email.attachments == [("mau-01.pdf", pdf, "application/pdf")]
    message.refresh_from_db()
    assert message.attachment is None
    assert message.attachment_name == "mau-01.pdf"  # what was sent stays visible


def test_smtp_errors_do_not_put_the_address_in_last_error(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 5
    with transaction.atomic():
        message = queue_email(to="an.nguyen@example.com", subject="Thông báo", body="…", kind="registration_rejected")
    assert deliver_message(message.pk) == Outcome.RETRY
    message.refresh_from_db()
    assert message.last_error.startswith("ConnectionRefusedError")
    assert "an.nguyen" not in message.last_error


@pytest.mark.django_db(transaction=True, available_apps=OUTBOX_APPS)
def test_the_database_worker_delivers_what_was_committed(sms_file: Path, restore_signals: None) -> None:
    # The default TASKS backend: the commit enqueues a task row, `db_worker --batch` runs it.
    message = queue_otp()
    assert Message.objects.get(pk=message.pk).status == Status.PENDING
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert [line["body"] for line in sms_lines(sms_file)] == [OTP_BODY]
    assert Message.objects.get(pk=message.pk).status == Status.SENT


@pytest.mark.django_db(transaction=True, available_apps=OUTBOX_APPS)
def test_a_failed_delivery_task_comes_back_after_its_backoff(gateway_down: None, restore_signals: None) -> None:
    from django_tasks_db.models import DBTaskResult

    message = queue_otp()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    message.refresh_from_db()
    assert message.attempts == 1
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.task_path == "messaging.tasks.deliver"
    assert retry.args_kwargs["args"] == [message.pk]
    assert retry.run_after == message.next_attempt_at
