"""The register's late months (ParticipationPeriod.late_months) as the ledger knows them.

A worker's month is late ("chậm đóng") when a debt holding a charge for it was paid after its
deadline, or is still unpaid past it (the same test as alerts.month_statuses). It counts for each
of the person's periods at that employer that covers the month, in the schemes the month was
charged for. The citizen's history, the C14-TS and "Tổng thời gian chậm đóng" read the field.

The count of a period the ledger covers is the ledger's: periods without any charge (history from
before the employer's first processed dossier, other employers) keep the register's own figure.
Lateness only grows (a month once late stays late, paid or not), so the set-based recount is run
where it can change: after each allocation (declarations.payments.allocate, which processing also
calls) and daily for employers with a debt unpaid past its deadline (refresh_overdue).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from declarations.models import Charge, Debt
from registry.models import Employer, ParticipationPeriod

_UNPAID = " + ".join(f"d.due_{f} - d.paid_{f}" for f in ("bhxh", "bhyt", "bhtn", "bhtnld"))
_CHARGE, _DEBT, _PERIOD = Charge._meta.db_table, Debt._meta.db_table, ParticipationPeriod._meta.db_table
# Only what can differ is read: the charges of the employer's late debts (none for an employer
# that pays on time), and the periods that have a late month or a count to put right. A period
# with a count but no month in the ledger keeps the register's figure. (Joins, not a correlated
# EXISTS: with stale statistics the planner scanned all of the employer's charges per period.)
_SQL = f"""
WITH late_months AS (
    SELECT c.person_id, c.month,
           bool_or(c.bhxh <> 0) AS bhxh, bool_or(c.bhyt <> 0) AS bhyt,
           bool_or(c.bhtn <> 0) AS bhtn, bool_or(c.bhtnld <> 0) AS bhtnld
      FROM {_CHARGE} c JOIN {_DEBT} d ON d.id = c.debt_id
     WHERE d.employer_id = %(employer)s
       AND (d.paid_on > d.deadline OR (d.paid_on IS NULL AND d.deadline < %(today)s AND {_UNPAID} > 0))
     GROUP BY c.person_id, c.month
), counted_before AS (
    SELECT DISTINCT p.id
      FROM {_PERIOD} p JOIN {_CHARGE} c ON c.person_id = p.person_id AND c.employer_id = p.employer_id
                                        AND c.month >= p.from_month AND (p.to_month IS NULL OR c.month <= p.to_month)
     WHERE p.employer_id = %(employer)s AND p.late_months > 0
), counted AS (
    SELECT id, sum(n)::int AS n FROM (
        SELECT p.id, count(*) FILTER (
                   WHERE CASE p.scheme WHEN 'bhxh' THEN m.bhxh WHEN 'bhyt' THEN m.bhyt
                                       WHEN 'bhtn' THEN m.bhtn ELSE m.bhtnld END
               ) AS n
          FROM {_PERIOD} p
          JOIN late_months m ON m.person_id = p.person_id AND m.month >= p.from_month
                            AND (p.to_month IS NULL OR m.month <= p.to_month)
         WHERE p.employer_id = %(employer)s
         GROUP BY p.id
        UNION ALL
        SELECT id, 0 FROM counted_before
    ) parts GROUP BY id
)
UPDATE {_PERIOD} p SET late_months = LEAST(counted.n, 32767)
  FROM counted WHERE p.id = counted.id AND p.late_months <> counted.n
"""  # noqa: S608 - table names from the models, values as parameters


def refresh(employer: Employer | str, today: dt.date | None = None) -> int:
    """Recount the late months of the employer's periods from its ledger; returns the rows changed.

    One statement, so it may run inside the caller's transaction (the allocation's) without
    holding it long; on other databases than PostgreSQL (the SQLite quick start) it does nothing.
    """
    if connection.vendor != "postgresql":
        return 0
    code = employer.code if isinstance(employer, Employer) else employer
    with connection.cursor() as cursor:
        cursor.execute(_SQL, {"employer": code, "today": today or timezone.localdate()})
        changed: int = cursor.rowcount
    return max(changed, 0)


def refresh_overdue(today: dt.date | None = None) -> int:
    """The daily pass: employers with a debt unpaid past its deadline, one short transaction each."""
    today = today or timezone.localdate()
    codes = (
        Debt.objects.filter(deadline__lt=today, paid_on__isnull=True)
        .values_list("employer_id", flat=True)
        .distinct()
        .order_by("employer_id")
    )
    changed = 0
    for code in list(codes):
        with transaction.atomic():
            changed += refresh(code, today)
    return changed
