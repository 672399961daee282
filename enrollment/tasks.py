from __future__ import annotations

from django_tasks import task

from enrollment.services import expire_overdue


@task()
def expire_registrations() -> int:
    """Move `submitted` registrations past their 10 days to `expired` and tell each person."""
    return expire_overdue()
