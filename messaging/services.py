"""Queueing SMS and e-mail in the outbox (messaging.models.Message).

Callers queue inside the transaction of the change that causes the message, so a rolled-back
change sends nothing and a committed one is never lost; once it commits, messaging.tasks.deliver
is enqueued for it. The worker's side (claiming, retries, secrets whose delivery is uncertain)
is messaging.delivery.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django_tasks.base import Task
from django_tasks.utils import normalize_json
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from messaging.delivery import deliver_due_messages as deliver_due_messages  # re-exported for the test helpers
from messaging.delivery import has_reissuer
from messaging.models import SECRET_MAX_LENGTH, Channel, Message, SmsKind
from messaging.tasks import deliver
from vssid.phone import PHONE_E164_REGEX

SMS_MAX_LENGTH = 160
# GSM 03.38 sends these through its escape table: two of the 160 septets each.
_GSM_EXTENDED = frozenset("[\\]^{|}~")
_PHONE = re.compile(PHONE_E164_REGEX)
_EMAIL_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


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


def _insert(message: Message, dedupe_key: str | None) -> Message:
    if dedupe_key is None:
        message.save(force_insert=True)
    else:
        # get_or_create inserts in a savepoint and, when a concurrent transaction committed the
        # same key first, returns that row: the caller's transaction stays usable either way.
        fields = {f.attname: getattr(message, f.attname) for f in Message._meta.concrete_fields if not f.primary_key}
        del fields["dedupe_key"]
        message, created = Message.objects.get_or_create(dedupe_key=dedupe_key, defaults=fields)
        if not created:
            return message
    enqueue_with_transaction(deliver, message.pk)
    return message


def enqueue_with_transaction(task: Task[..., Any], *args: Any) -> None:
    """Enqueue `task` for what the caller's transaction writes: it runs only once that has committed.

    The database backend stores the task as a row of that same transaction, committed with the
    change or not at all, with no commit of its own after it (a disk flush each, per request).
    Any other backend hands the task over at once, so it is called once the transaction has
    committed; robust, as the periodic sweeps (deliver_due, the photo sweep) redo what it would have.
    """
    if connection.in_atomic_block and isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args), robust=True)


def task_row(task: Task[..., Any], *args: Any) -> DBTaskResult[..., Any] | None:
    """The row the database backend stores to enqueue `task`, unsaved; None with any other backend.

    For a caller that inserts it in the statement of its change, which enqueue_with_transaction
    would do with a statement of its own. Built as the backend builds it (the library's save
    signal fills `run_after` the same way); the caller may put the arguments in from its statement
    (an id just inserted). With another backend the caller enqueues once its transaction has committed.
    """
    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    backend.validate_task(task)
    row: DBTaskResult[..., Any] = DBTaskResult(
        id=backend._get_id(),
        args_kwargs=normalize_json({"args": list(args), "kwargs": {}}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after or get_date_max(),
        backend_name=backend.alias,
    )
    return row


def queue_sms(*, to: str, kind: str, body: str, secret: str = "", secret_of: str = "", dedupe_key: str | None = None) -> Message:
    """Record an SMS to send once the caller's transaction commits.

    `secret` is the password or OTP inside `body`; it is blanked out of the row after delivery.
    `secret_of` says what it unlocks ("user:42"), for the reissuer of `kind` to replace it should
    its delivery become uncertain. With a `dedupe_key` already used, returns that message and
    queues nothing.
    """
    _require_transaction()
    return _insert(sms_message(to=to, kind=kind, body=body, secret=secret, secret_of=secret_of), dedupe_key)


def sms_message(*, to: str, kind: str, body: str, secret: str = "", secret_of: str = "") -> Message:
    """The outbox row of an SMS, checked as queue_sms checks it, unsaved: for a caller that inserts
    it in the statement of its change, with its delivery task (task_row(deliver))."""
    if kind not in SmsKind.values:
        raise ValueError(f"Unknown SMS kind {kind!r}; one of {', '.join(SmsKind.values)}.")
    if not _PHONE.match(to):
        raise ValueError("SMS recipient must be a Vietnamese mobile number in E.164 (+84…).")
    check_sms_body(body)
    if secret and secret not in body:
        raise ValueError("The secret must appear in the body, or it could not be scrubbed after delivery.")
    if len(secret) > SECRET_MAX_LENGTH:
        raise ValueError("The secret is longer than any password or OTP we send.")
    if secret and not (secret_of and has_reissuer(kind)):
        # Such a secret could only be dropped, never replaced, when its delivery is uncertain.
        raise ValueError("A secret needs `secret_of` and a reissuer registered for its kind (register_reissuer).")
    return Message(channel=Channel.SMS, kind=kind, to=to, body=body, secret=secret, secret_of=secret_of if secret else "")


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
    message = Message(channel=Channel.EMAIL, kind=kind, to=to, subject=subject, body=body)
    if attachment is not None:
        message.attachment_name, message.attachment, message.attachment_type = attachment
    return _insert(message, dedupe_key)
