"""The demo employer's declarations: six months of processed dossiers, C12s and payments, one month unpaid.

The dossiers hold the rows that the demo register's own periods imply (a period starting in the
month is a TD/TM row, one ending the month before a GH row, a new wage a DC row), so what the
pages show agrees with the history. The ledger opens six months before the reference date; each
month is paid by payment order on the 20th of the following month, one of them twelve days after
its deadline (its interest shows in B.5 and stays owed as "Thiếu lãi"; the workers' history counts
it as a late month), and the last month is unpaid.
Bình (an account holder) gets her "month paid" notifications from the real allocation.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q

from accounts.models import User
from declarations import late as late_months
from declarations import ledger, payments
from declarations.models import AlertSetting, Allocation, Charge, Debt, Dossier, DossierCounter, Payment, Row
from declarations.validation import add_months
from registry.demo.fixed import DEMO_EMPLOYER_CODE
from registry.models import Employer, ParticipationPeriod
from support.models import Notification

MONTHS = 6
TABLES = (Allocation, Payment, Charge, Debt, Row, Dossier, DossierCounter, AlertSetting)


def clear() -> None:
    """Empty the declaration tables before the register is replaced (SQLite has no TRUNCATE … CASCADE)."""
    with transaction.atomic():
        for model in TABLES:
            model.objects.all().delete()
        # The notifications of paid and overdue months point at the demo logins, replaced too.
        Notification.objects.filter(Q(dedupe_key__startswith="month_paid:") | Q(dedupe_key__startswith="month_overdue:")).delete()


def _rows(dossier: Dossier, employer: Employer, month: dt.date) -> list[Row]:
    rows: list[Row] = []
    periods = (
        ParticipationPeriod.objects.filter(employer=employer, scheme="bhxh")
        .select_related("person")
        .order_by("person_id", "from_month")
    )
    previous: dict[int, ParticipationPeriod] = {}
    for period in periods:
        person = period.person
        before = previous.get(person.pk)
        previous[person.pk] = period
        pa = ""
        from_month = month
        if period.from_month == month:
            pa = "DC" if before is not None and before.to_month == add_months(month, -1) else "TD"
        elif (
            period.to_month == add_months(month, -1)
            and not ParticipationPeriod.objects.filter(person=person, employer=employer, scheme="bhxh", from_month=month).exists()
        ):
            pa = "GH"
        if not pa:
            continue
        rows.append(
            Row(
                dossier=dossier,
                line=len(rows) + 5,
                pa=pa,
                ssn=person.ssn,
                person=person,
                full_name=person.full_name,
                birth_date=person.date_of_birth_display,
                sex=1 if person.sex == 1 else 0,
                title=period.position,
                wage=period.salary_basis if pa != "GH" else 0,
                from_month=from_month,
            )
        )
    return rows


def seed(as_of: dt.date) -> None:
    employer = Employer.objects.filter(code=DEMO_EMPLOYER_CODE).first()
    hr = User.objects.filter(username="nhansu.demo").first()
    staff = User.objects.filter(username="canbo.dongda").first()
    if employer is None or hr is None or staff is None:
        return
    current = as_of.replace(day=1)
    first = add_months(current, -MONTHS)
    with transaction.atomic():
        for index in range(MONTHS):
            month = add_months(first, index)
            decided = dt.datetime.combine(month + dt.timedelta(days=27), dt.time(9), tzinfo=dt.UTC)
            dossier = Dossier.objects.create(
                employer=employer,
                office_id=employer.office_id,
                period=month,
                status=Dossier.Status.PROCESSED,
                source=Dossier.Source.EXCEL,
                file_name=f"D02-LT_{month:%m%Y}.xlsx",
                seq=index + 1,
                number=f"{index + 1:05d}/{month.year}/{employer.office_id}",
                created_by=hr,
                created_at=decided - dt.timedelta(days=7),
                submitted_at=decided - dt.timedelta(days=7),
                received_at=decided - dt.timedelta(days=6),
                received_by=staff,
                decided_at=decided,
                decided_by=staff,
            )
            rows = _rows(dossier, employer, month)
            Row.objects.bulk_create(rows)
            dossier.row_count = len(rows)
            dossier.save(update_fields=["row_count"])
        DossierCounter.objects.update_or_create(office_id=employer.office_id, year=current.year, defaults={"last": MONTHS})
        ledger.accrue(employer, add_months(current, -1), opening=first)
        late = add_months(first, 2)
        for debt in Debt.objects.filter(employer=employer, period__lt=add_months(current, -1)).order_by("period"):
            debt.refresh_from_db()  # the previous order may have covered part of it
            if debt.unpaid <= 0:
                continue
            day = debt.deadline + dt.timedelta(days=12) if debt.period == late else debt.deadline - dt.timedelta(days=10)
            Payment.objects.create(
                employer=employer,
                amount=debt.unpaid,
                unallocated=debt.unpaid,
                paid_on=day,
                reference=f"UNC{debt.period:%Y%m}",
                recorded_by=staff,
            )
            payments.allocate(employer)
        # As of the reference date, not the day the demo is loaded: the month paid late counts.
        late_months.refresh(employer, as_of)
