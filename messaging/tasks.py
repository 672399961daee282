"""Background work of the outbox, run by the django-tasks worker (manage.py db_worker)."""

from __future__ import annotations

from django_tasks import task

from messaging.delivery import Outcome, deliver_due_messages, deliver_message
from messaging.models import Message, Status


@task()
def deliver(message_id: int) -> str:
    """Try one message; after a failure, come back when its backoff is over."""
    outcome = deliver_message(message_id)
    if outcome == Outcome.RETRY:
        retry_at = Message.objects.filter(id=message_id, status=Status.PENDING).values_list("next_attempt_at", flat=True).first()
        # Backends without run_after (the immediate one) would retry at once, in a loop; the
        # periodic deliver_due catches those messages instead.
        if retry_at is not None and deliver.get_backend().supports_defer:
            deliver.using(run_after=retry_at).enqueue(message_id)
    return outcome.value


@task()
def deliver_due() -> int:
    """Safety net run every minute by run_periodic: retries, crashed workers, lost enqueues."""
    return deliver_due_messages()
