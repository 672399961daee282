"""Background work of the registration procedure, run by the django-tasks worker.

The e-mail with Form 01 is a task of enrollment.form_mail, which the service enqueues.
"""

from __future__ import annotations

from django_tasks import task

from enrollment.actions import expire_overdue
from enrollment.services import finish_waiting_photos, sweep_photos


@task()
def expire_registrations() -> int:
    """Move `submitted` registrations past their 10 days to `expired` and tell each person."""
    return expire_overdue()


@task()
def sweep_registration_photos() -> int:
    """Re-encode photos whose task was lost, then delete photo files no registration refers to
    (left by a crash mid-submission, or held for a form never sent again), an hour on."""
    finish_waiting_photos()
    return sweep_photos()
