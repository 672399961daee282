"""Background work of the declarations, run by the django-tasks worker (PERIODIC_TASKS)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from declarations import actions, alerts, ledger, payments
from declarations.models import Debt
from declarations.validation import add_months
from registry.models import Employer


@task()
def flag_overdue() -> int:
    """Months still unpaid 60 days after their deadline: told to the workers and listed for the office."""
    return alerts.flag_overdue()


@task()
def accrue_months() -> int:
    """Write each ledger's regular charges up to last month, so its C12 and the workers' unpaid months
    exist whether or not anyone opens the statement; money already received is set against them."""
    through = add_months(timezone.localdate().replace(day=1), -1)
    count = 0
    for code in Debt.objects.values_list("employer_id", flat=True).distinct().order_by("employer_id"):
        employer = Employer.objects.get(code=code)
        with transaction.atomic():
            if ledger.accrue(employer, through):
                payments.allocate(employer)
                count += 1
    return count


@task()
def process_dossier(dossier_id: int) -> str:
    """Apply a dossier the office started processing, batch after batch (enqueued when it is started);
    run again, it goes on from the rows not applied yet."""
    return actions.run(dossier_id)


@task()
def resume_processing() -> int:
    """Queue again the dossiers whose processing stopped (a worker killed mid-way): how many."""
    return len(actions.resume_stalled())
