"""Background work of the campaign, run by the django-tasks worker (PERIODIC_TASKS)."""

from __future__ import annotations

from django_tasks import task

from employers.campaign import take_snapshot as take_snapshot_now


@task()
def take_snapshot() -> int:
    """Record today's adoption figures of every office and employer (idempotent per day)."""
    return take_snapshot_now()
