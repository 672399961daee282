"""Delivering the outbox (messaging.models.Message): the worker's side; messaging.services queues.

The worker claims a row with a conditional UPDATE, committed before the gateway is called, so two
workers never send the same message (style.md rule 7) and the claim records the hand-off: a row
found in "sending" was, or may have been, given to the gateway.

Uncertain delivery. A message without a secret is delivered at least once: a worker that dies
mid-send, or a gateway that stops answering after taking the request, leaves the row to be sent
again after STUCK_AFTER or its backoff. A password or OTP is handed to the gateway at most once.
It is retried only after an error that proves the gateway did not take it (we could not connect,
or it answered with a refusal; messaging.backends.DeliveryError). After a timeout or a lost
connection once the request was out, an unreadable answer, any other error, or a worker that died
mid-send, we cannot know whether the SMS went out: the row ends "uncertain", its secret is
scrubbed, and, in the same transaction, the app that issued the secret invalidates it and queues
a new one (register_reissuer), at most one per uncertain row. So the citizen may receive the old
secret, which no longer works, and then the new one, whose SMS says so; or only the new one; and
never one secret twice. If the secret was no longer in use (the code was superseded or used, the
password already changed), nothing new is issued. If the gateway itself lies (answers "accepted"
and drops the SMS, or answers "refused" and sends it), we know no better than it does.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from messaging.backends import DeliveryError, Sms, UncertainDeliveryError, get_sms_backend
from messaging.models import SCRUBBED, Channel, Message, SmsKind, Status

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# Wait after the n-th failed attempt: quick retries for a blip, then hourly through an outage.
BACKOFF = (dt.timedelta(seconds=30), dt.timedelta(minutes=2), dt.timedelta(minutes=10), dt.timedelta(minutes=30))
BACKOFF_CAP = dt.timedelta(hours=1)
# Far longer than one send may take (SMPP and HTTP time out after 10 s): only a dead worker leaves it.
STUCK_AFTER = dt.timedelta(minutes=5)
DUE_BATCH = 500


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # failed this time, pending again with a later next_attempt_at
    FAILED = "failed"  # gave up after MAX_ATTEMPTS
    UNCERTAIN = "uncertain"  # a secret that may have gone out: not sent again, replaced by its issuer
    SKIPPED = "skipped"  # not due, already claimed by another worker, done, or gone


@dataclass(frozen=True)
class UncertainSecret:
    """A password or OTP that may or may not have reached the citizen, handed to its issuer."""

    message_id: int
    kind: str
    to: str
    secret: str  # to tell whether it is still the one in use
    secret_of: str  # as the issuer gave it to queue_sms
    # The replacement must be queued with this key ("account_password:17" -> "account_password:17:2").
    dedupe_key: str | None


# Issues a new secret that invalidates `uncertain.secret` and queues it with queue_sms (same kind,
# `dedupe_key=uncertain.dedupe_key`); returns that message, or None when the old secret is no
# longer in use and nothing needs replacing. It runs inside the transaction that settles the row.
Reissuer = Callable[[UncertainSecret], Message | None]
_reissuers: dict[str, Reissuer] = {}


def register_reissuer(kind: str, reissuer: Reissuer) -> None:
    """Name who replaces an uncertain secret of this SMS kind; called from the issuing app's ready().

    Messaging sits below the apps that issue secrets and must not import them (style.md §4).
    """
    if kind not in SmsKind.values:
        raise ValueError(f"Unknown SMS kind {kind!r}; one of {', '.join(SmsKind.values)}.")
    if _reissuers.get(kind, reissuer) is not reissuer:
        raise ValueError(f"A reissuer for {kind!r} is registered already.")
    _reissuers[kind] = reissuer


def has_reissuer(kind: str) -> bool:
    return kind in _reissuers


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try, after `attempts` failed ones."""
    return BACKOFF[attempts - 1] if attempts <= len(BACKOFF) else BACKOFF_CAP


def _prepare(message: Message) -> Callable[[], None]:
    """The send, ready to call. Errors here (a misconfiguration) come before anything leaves."""
    if message.channel == Channel.SMS:
        backend = get_sms_backend()
        sms = Sms(to=message.to, kind=message.kind, body=message.body, created_at=message.created_at)
        return lambda: backend.send(sms)
    email = EmailMessage(subject=message.subject, body=message.body, to=[message.to])
    if message.attachment is not None:
        # PostgreSQL hands back a memoryview.
        email.attach(message.attachment_name, bytes(message.attachment), message.attachment_type)

    def send_email() -> None:
        email.send(fail_silently=False)

    return send_email


def _scrubbed(message: Message) -> dict[str, object]:
    """The secret blanked out of the body, the attachment dropped: the fields to update."""
    body = message.body.replace(message.secret, SCRUBBED) if message.secret else message.body
    return {"body": body, "secret": "", "attachment": None}


def _error_text(exc: BaseException, message: Message) -> str:
    # Third-party errors may quote the recipient (smtplib does); keep personal data out of the row.
    text = str(exc)
    for private in (message.secret, message.body, message.to, message.to.removeprefix("+")):
        if private:
            text = text.replace(private, "…")
    return f"{type(exc).__name__}: {text}"[:200]


def _certainly_not_taken(exc: BaseException) -> bool:
    """Only the backends' own verdict proves the gateway did not take a message (backends.py)."""
    return isinstance(exc, DeliveryError) and not isinstance(exc, UncertainDeliveryError)


def deliver_message(message_id: int) -> Outcome:
    """One delivery attempt. Safe to call from several workers at once: only one sends."""
    now = timezone.now()
    # Outside a transaction (the worker's), this UPDATE commits at once: the hand-off is on
    # record before the gateway sees the message.
    claimed = Message.objects.filter(id=message_id, status=Status.PENDING, next_attempt_at__lte=now).update(
        status=Status.SENDING, claimed_at=now
    )
    if claimed != 1:
        return Outcome.SKIPPED
    message = Message.objects.get(id=message_id)
    try:
        send = _prepare(message)
    except Exception as exc:
        _record_failure(message, exc, claimed_at=now)
        raise  # a bug or a misconfiguration: counted, and shown in the task log
    try:
        send()
    except Exception as exc:
        if message.secret and not _certainly_not_taken(exc):
            outcome = Outcome.UNCERTAIN
            settle_uncertain(message_id, claimed_at=now, reason=_error_text(exc, message))
        else:
            outcome = _record_failure(message, exc, claimed_at=now)
        if not isinstance(exc, DeliveryError | OSError):
            raise
        return outcome
    done = Message.objects.filter(id=message_id, status=Status.SENDING, claimed_at=now).update(
        status=Status.SENT, sent_at=timezone.now(), claimed_at=None, last_error="", **_scrubbed(message)
    )
    if done != 1:
        # This send outlasted STUCK_AFTER and the row was settled meanwhile: a message without a
        # secret may go out again, a secret has been replaced (module docstring).
        logger.warning("Message %s was sent after it had been given up as stuck", message_id)
    logger.info("Delivered %s message %s (%s)", message.channel, message.pk, message.kind)
    return Outcome.SENT


def _record_failure(message: Message, exc: BaseException, *, claimed_at: dt.datetime) -> Outcome:
    attempts = message.attempts + 1
    fields: dict[str, object] = {"attempts": attempts, "last_error": _error_text(exc, message), "claimed_at": None}
    if attempts >= MAX_ATTEMPTS:
        # A password that will never arrive must not stay in the database either; the sender
        # (e.g. staff re-sending credentials) queues a new message with a new secret.
        fields.update(status=Status.FAILED, **_scrubbed(message))
        outcome = Outcome.FAILED
    else:
        fields.update(status=Status.PENDING, next_attempt_at=timezone.now() + backoff(attempts))
        outcome = Outcome.RETRY
    Message.objects.filter(id=message.pk, status=Status.SENDING, claimed_at=claimed_at).update(**fields)
    logger.warning("Delivery of message %s failed (attempt %s): %s", message.pk, attempts, fields["last_error"])
    return outcome


def _next_dedupe_key(message: Message) -> str | None:
    if message.dedupe_key is None:
        return None
    if message.reissue_of_id is None:
        return f"{message.dedupe_key}:2"
    base, _, generation = message.dedupe_key.rpartition(":")  # a replacement's key ends in ":<n>"
    return f"{base}:{int(generation) + 1}"


@transaction.atomic(durable=True)
def settle_uncertain(message_id: int, *, claimed_at: dt.datetime, reason: str) -> Message | None:
    """End a secret-bearing row still "sending" under this claim as uncertain, and replace its secret.

    The row lock and the status check make it the claim: one settlement, one new secret, however
    many workers try. Should the reissuer raise, nothing is settled and the row stays "sending",
    so the next requeue_stuck_messages() tries again; the secret is never sent again meanwhile.
    Returns the replacement message, or None.
    """
    message = (
        Message.objects.select_for_update()
        .filter(id=message_id, status=Status.SENDING, claimed_at=claimed_at)
        .exclude(secret="")
        .first()
    )
    if message is None:
        return None  # settled by another worker, or its worker finished after all
    uncertain = UncertainSecret(
        message_id=message.pk,
        kind=message.kind,
        to=message.to,
        secret=message.secret,
        secret_of=message.secret_of,
        dedupe_key=_next_dedupe_key(message),
    )
    reissuer = _reissuers.get(message.kind)
    replacement = reissuer(uncertain) if reissuer is not None and message.secret_of else None
    if replacement is None:
        note = "the secret was no longer in use" if reissuer is not None else "no reissuer for this kind"
    else:
        if (replacement.kind, replacement.dedupe_key) != (message.kind, uncertain.dedupe_key) or not replacement.secret:
            raise ValueError(f"The reissuer of {message.kind!r} must queue the same kind with the key it was given.")
        # One-to-one: a second replacement of the same row fails here and rolls back its secret.
        if Message.objects.filter(id=replacement.pk, reissue_of__isnull=True).update(reissue_of=message) != 1:
            raise ValueError(f"Message {replacement.pk} replaces another message already.")
        note = f"replaced by message {replacement.pk}"
    Message.objects.filter(id=message.pk).update(
        status=Status.UNCERTAIN,
        attempts=F("attempts") + 1,
        last_error=f"Uncertain, not sent again; {note}. {reason}"[:200],
        **_scrubbed(message),
    )
    # Without a reissuer the citizen is left without a secret: someone must look.
    log = logger.error if reissuer is None else logger.warning
    log("Delivery of %s message %s is uncertain; %s", message.kind, message.pk, note)
    return replacement


def requeue_stuck_messages() -> int:
    """Hand back messages claimed by a worker that died mid-send; the number handed back.

    A message with a secret may have gone out before the worker died: it is settled as uncertain
    and its secret replaced instead (settle_uncertain).
    """
    now = timezone.now()
    stuck = Message.objects.filter(status=Status.SENDING, claimed_at__lt=now - STUCK_AFTER)
    for message_id, claimed_at in stuck.exclude(secret="").values_list("id", "claimed_at"):
        if claimed_at is None:  # never: the filter compares it; this tells the type checker
            continue
        try:
            settle_uncertain(message_id, claimed_at=claimed_at, reason="Interrupted: the worker stopped while sending")
        except Exception:
            # Left in "sending" and tried again next time; the others must not wait for it.
            logger.exception("Replacing the secret of message %s failed", message_id)
    # Counted, so a message that kills its worker each time still ends after MAX_ATTEMPTS (+1).
    return stuck.filter(secret="").update(
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
