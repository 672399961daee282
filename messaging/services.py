"""Queueing and delivering SMS and e-mail through the outbox (messaging.models.Message).

Callers queue inside the transaction of the change that causes the message, so a rolled-back
change sends nothing and a committed one is never lost. The worker claims a row with a
conditional UPDATE before sending, so two workers never send the same message (style.md rule 7).
Delivery is at least once: a worker that dies between the gateway's answer and the status update
leaves the row in "sending", and deliver_due_messages() tries it again after STUCK_AFTER.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from messaging.backends import DeliveryError, Sms, get_sms_backend
from messaging.models import SCRUBBED, SECRET_MAX_LENGTH, Channel, Message, SmsKind, Status
from registry.identity import PHONE_E164_REGEX

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# Wait after the n-th failed attempt: quick retries for a blip, then hourly through an outage.
BACKOFF = (dt.timedelta(seconds=30), dt.timedelta(minutes=2), dt.timedelta(minutes=10), dt.timedelta(minutes=30))
BACKOFF_CAP = dt.timedelta(hours=1)
# Far longer than one send may take (SMPP and HTTP time out after 10 s): only a dead worker leaves it.
STUCK_AFTER = dt.timedelta(minutes=5)
DUE_BATCH = 500

SMS_MAX_LENGTH = 160
# GSM 03.38 sends these through its escape table: two of the 160 septets each.
_GSM_EXTENDED = frozenset("[\\]^{|}~")
_PHONE = re.compile(PHONE_E164_REGEX)
_EMAIL_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # failed this time, pending again with a later next_attempt_at
    FAILED = "failed"  # gave up after MAX_ATTEMPTS
    SKIPPED = "skipped"  # not due, already claimed by another worker, done, or gone


def sms_length(body: str) -> int:
    """Length in GSM-7 septets, the unit of the 160-character limit of one SMS."""
    return len(body) + sum(ch in _GSM_EXTENDED for ch in body)


def check_sms_body(body: str) -> None:
    # Printable ASCII only: no diacritics (they would force UCS-2 and 70 characters), no newline,
    # and no backquote, which GSM-7 cannot encode. vssid.text.to_ascii_sms prepares Vietnamese text.
    if not body or any(not " " <= ch <= "~" or ch == "`" for ch in body):
        raise ValueError("SMS body must be plain printable ASCII without diacritics (design.md §4).")
    if sms_length(body) > SMS_MAX_LENGTH:
        raise ValueError(f"SMS body is {sms_length(body)} characters; one SMS holds {SMS_MAX_LENGTH}.")


def _require_transaction() -> None:
    # The outbox row must commit or roll back with the change that causes it; outside a
    # transaction a failing caller would still send the SMS.
    if not connection.in_atomic_block:
        raise RuntimeError("Queue messages inside the transaction of the change that causes them (transaction.atomic).")


def _enqueue_delivery(message_id: int) -> None:
    # Imported here: messaging.tasks imports this module.
    from messaging.tasks import deliver

    deliver.enqueue(message_id)


def _insert(fields: dict[str, object], dedupe_key: str | None) -> Message:
    if dedupe_key is None:
        message = Message.objects.create(**fields)
    else:
        # get_or_create inserts in a savepoint and, when a concurrent transaction committed the
        # same key first, returns that row: the caller's transaction stays usable either way.
        message, created = Message.objects.get_or_create(dedupe_key=dedupe_key, defaults=fields)
        if not created:
            return message
    # robust: the row is committed whatever happens here; the periodic deliver_due picks it up.
    transaction.on_commit(lambda: _enqueue_delivery(message.pk), robust=True)
    return message


def queue_sms(*, to: str, kind: str, body: str, secret: str = "", dedupe_key: str | None = None) -> Message:
    """Record an SMS to send once the caller's transaction commits.

    `secret` is the password or OTP inside `body`; it is blanked out of the row after delivery.
    With a `dedupe_key` already used, returns that message and queues nothing.
    """
    _require_transaction()
    if kind not in SmsKind.values:
        raise ValueError(f"Unknown SMS kind {kind!r}; one of {', '.join(SmsKind.values)}.")
    if not _PHONE.match(to):
        raise ValueError("SMS recipient must be a Vietnamese mobile number in E.164 (+84…).")
    check_sms_body(body)
    if secret and secret not in body:
        raise ValueError("The secret must appear in the body, or it could not be scrubbed after delivery.")
    if len(secret) > SECRET_MAX_LENGTH:
        raise ValueError("The secret is longer than any password or OTP we send.")
    fields: dict[str, object] = {"channel": Channel.SMS, "kind": kind, "to": to, "body": body, "secret": secret}
    return _insert(fields, dedupe_key)


def queue_email(
    *,
    to: str,
    subject: str,
    body: str,
    kind: str,
    attachment: tuple[str, bytes, str] | None = None,
    dedupe_key: str | None = None,
) -> Message:
    """Record an e-mail to send once the caller's transaction commits.

    `attachment` is (file name, content, MIME type); it is removed from the row after delivery.
    """
    _require_transaction()
    try:
        validate_email(to)
    except ValidationError:
        raise ValueError("E-mail recipient is not a valid address.") from None
    if not _EMAIL_KIND.match(kind):
        raise ValueError("E-mail kind must be a short snake_case name, e.g. 'registration_form'.")
    if not subject or "\n" in subject or "\r" in subject or len(subject) > 200:
        raise ValueError("E-mail subject must be one line of at most 200 characters.")
    fields: dict[str, object] = {"channel": Channel.EMAIL, "kind": kind, "to": to, "subject": subject, "body": body}
    if attachment is not None:
        name, content, mimetype = attachment
        fields.update(attachment=content, attachment_name=name, attachment_type=mimetype)
    return _insert(fields, dedupe_key)


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try, after `attempts` failed ones."""
    return BACKOFF[attempts - 1] if attempts <= len(BACKOFF) else BACKOFF_CAP


def _send(message: Message) -> None:
    if message.channel == Channel.SMS:
        get_sms_backend().send(Sms(to=message.to, kind=message.kind, body=message.body, created_at=message.created_at))
        return
    email = EmailMessage(subject=message.subject, body=message.body, to=[message.to])
    if message.attachment is not None:
        # PostgreSQL hands back a memoryview.
        email.attach(message.attachment_name, bytes(message.attachment), message.attachment_type)
    email.send(fail_silently=False)


def _scrub(message: Message) -> list[str]:
    """Blank the secret and drop the attachment; the fields to save."""
    if message.secret:
        message.body = message.body.replace(message.secret, SCRUBBED)
    message.secret = ""
    message.attachment = None
    return ["body", "secret", "attachment"]


def _error_text(exc: BaseException, message: Message) -> str:
    # Third-party errors may quote the recipient (smtplib does); keep personal data out of the row.
    text = str(exc)
    for private in (message.secret, message.body, message.to, message.to.removeprefix("+")):
        if private:
            text = text.replace(private, "…")
    return f"{type(exc).__name__}: {text}"[:200]


def deliver_message(message_id: int) -> Outcome:
    """One delivery attempt. Safe to call from several workers at once: only one sends."""
    now = timezone.now()
    claimed = Message.objects.filter(id=message_id, status=Status.PENDING, next_attempt_at__lte=now).update(
        status=Status.SENDING, claimed_at=now
    )
    if claimed != 1:
        return Outcome.SKIPPED
    message = Message.objects.get(id=message_id)
    try:
        _send(message)
    except Exception as exc:
        outcome = _record_failure(message, exc)
        if not isinstance(exc, DeliveryError | OSError):
            # Not a gateway problem but a bug or a misconfiguration: counted, and shown in the task log.
            raise
        return outcome
    message.status = Status.SENT
    message.sent_at = timezone.now()
    message.claimed_at = None
    message.last_error = ""
    message.save(update_fields=["status", "sent_at", "claimed_at", "last_error", *_scrub(message)])
    logger.info("Delivered %s message %s (%s)", message.channel, message.pk, message.kind)
    return Outcome.SENT


def _record_failure(message: Message, exc: BaseException) -> Outcome:
    message.attempts += 1
    message.last_error = _error_text(exc, message)
    message.claimed_at = None
    fields = ["attempts", "last_error", "claimed_at", "status"]
    if message.attempts >= MAX_ATTEMPTS:
        # A password that will never arrive must not stay in the database either; the sender
        # (e.g. staff re-sending credentials) queues a new message with a new secret.
        message.status = Status.FAILED
        fields += _scrub(message)
        outcome = Outcome.FAILED
    else:
        message.status = Status.PENDING
        message.next_attempt_at = timezone.now() + backoff(message.attempts)
        fields.append("next_attempt_at")
        outcome = Outcome.RETRY
    message.save(update_fields=fields)
    logger.warning("Delivery of message %s failed (attempt %s): %s", message.pk, message.attempts, message.last_error)
    return outcome


def requeue_stuck_messages() -> int:
    """Hand back messages claimed by a worker that died mid-send; counted as an attempt."""
    now = timezone.now()
    # Counted, so a message that kills its worker each time still ends after MAX_ATTEMPTS (+1).
    return Message.objects.filter(status=Status.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=Status.PENDING,
        claimed_at=None,
        next_attempt_at=now,
        attempts=F("attempts") + 1,
        last_error="Interrupted: the worker stopped while sending",
    )


def deliver_due_messages(limit: int = DUE_BATCH) -> int:
    """Deliver every pending message whose time has come (at most `limit`); the number sent."""
    requeue_stuck_messages()
    due = (
        Message.objects.filter(status=Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    sent = 0
    for message_id in list(due):
        try:
            outcome = deliver_message(message_id)
        except Exception:
            # Recorded on the message already; one broken message must not hold up the others.
            logger.exception("Delivering message %s failed unexpectedly", message_id)
            continue
        if outcome == Outcome.SENT:
            sent += 1
    return sent


def pending_problems() -> QuerySet[Message]:
    """Messages that failed at least once and are not delivered: for staff screens.

    The body, secret and attachment are left out: a pending body may still hold a password.
    """
    return (
        Message.objects.filter(attempts__gt=0)
        .exclude(status=Status.SENT)
        .defer("body", "secret", "attachment")
        .order_by("-created_at")
    )
