"""The contribution ledger: what each worker's month costs, per fund, and the employer's debts.

A month's amount per fund is the rate of `registry.rules` on the salary basis capped at that
month's ceiling (20 × base salary; BHTN 20 × regional minimum wage). The ledger of an employer
opens with its first processed dossier: months before it are the register's settled history,
and a late change to them is charged (or refunded) as an adjustment, never as a rewrite.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Min, Q, Sum

from declarations import db
from declarations.models import FUNDS, Charge, Debt, deadline_of
from declarations.validation import chunks
from registry import rules
from registry.models import Employer, ParticipationPeriod

Amounts = dict[str, int]


@dataclass(frozen=True)
class PeriodSpan:
    scheme: str
    start: dt.date
    end: dt.date | None
    salary: int

    def covers(self, month: dt.date) -> bool:
        return self.start <= month and (self.end is None or month <= self.end)


def zero() -> Amounts:
    return dict.fromkeys(FUNDS, 0)


def month_charge(spans: Iterable[PeriodSpan], month: dt.date, region: int = 1) -> tuple[Amounts, int]:
    """(amount per fund, salary basis) of one worker's month, from the periods covering it."""
    out = zero()
    basis = 0
    for span in spans:
        if not span.covers(month) or span.scheme not in out:
            continue
        if span.scheme == "bhtn":
            capped = min(span.salary, rules.bhtn_salary_ceiling_on(month, region))
        else:
            capped = min(span.salary, rules.salary_ceiling_on(month))
        employer_share, employee_share = rules.contribution(span.scheme, capped)
        out[span.scheme] = employer_share + employee_share
        if span.scheme == "bhxh":
            basis = span.salary
    return out, basis


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [rules.month_from_index(i) for i in range(rules.month_index(first), rules.month_index(last) + 1)]


def spans_of(employer: Employer, person_ids: Iterable[int]) -> dict[int, list[PeriodSpan]]:
    """The periods of these people with this employer (all schemes), batched."""
    out: dict[int, list[PeriodSpan]] = defaultdict(list)
    for part in chunks(sorted(set(person_ids))):
        for pid, scheme, start, end, salary in ParticipationPeriod.objects.filter(
            employer=employer, person_id__in=part
        ).values_list("person_id", "scheme", "from_month", "to_month", "salary_basis"):
            out[pid].append(PeriodSpan(scheme, start, end, salary))
    return out


def ledger_start(employer: Employer) -> dt.date | None:
    first: dt.date | None = Debt.objects.filter(employer=employer).aggregate(first=Min("period"))["first"]
    return first


def debt_for(employer: Employer, period: dt.date) -> Debt:
    debt, _created = Debt.objects.get_or_create(employer=employer, period=period, defaults={"deadline": deadline_of(period)})
    return debt


def accrue(employer: Employer, through: dt.date, *, opening: dt.date | None = None) -> list[Debt]:
    """Write the regular charges of every period not yet accrued, from the ledger's start to `through`.

    The ledger starts at `opening` when it has no debt yet (the first processed dossier's period).
    """
    start = ledger_start(employer) or opening
    if start is None or through < start:
        return []
    touched = []
    for month in months_between(start, through):
        # Locked, so the daily task and a C12 opened at the same moment write the month once.
        debt = Debt.objects.select_for_update().get(pk=debt_for(employer, month).pk)
        if debt.accrued:
            continue
        rows = ParticipationPeriod.objects.filter(employer=employer, from_month__lte=month).filter(
            Q(to_month__isnull=True) | Q(to_month__gte=month)
        )
        spans: dict[int, list[PeriodSpan]] = defaultdict(list)
        for pid, scheme, start_m, end_m, salary in rows.values_list(
            "person_id", "scheme", "from_month", "to_month", "salary_basis"
        ):
            spans[pid].append(PeriodSpan(scheme, start_m, end_m, salary))
        charges = []
        for pid, person_spans in spans.items():
            amounts, basis = month_charge(person_spans, month)
            if any(amounts.values()):
                charges.append(
                    Charge(
                        employer=employer,
                        person_id=pid,
                        month=month,
                        debt=debt,
                        kind=Charge.Kind.REGULAR,
                        salary_basis=basis,
                        **amounts,
                    )
                )
        # The month is locked and not yet accrued: no regular charge of it exists.
        db.insert(Charge, charges)
        debt.accrued = True
        debt.save(update_fields=["accrued"])
        touched.append(debt)
    refresh_debts(touched)
    return touched


def refresh_debts(debts: Iterable[Debt]) -> None:
    """Put the sums of the charges on each debt (after charges changed, in the same transaction)."""
    for debt in {d.pk: d for d in debts}.values():
        sums = Charge.objects.filter(debt=debt).aggregate(**{f: Sum(f) for f in FUNDS})
        for fund in FUNDS:
            setattr(debt, f"due_{fund}", sums[fund] or 0)
        if debt.unpaid > 0:
            debt.paid_on = None
        debt.save(update_fields=[*(f"due_{f}" for f in FUNDS), "paid_on"])


def charged(employer: Employer, person_ids: Iterable[int], first: dt.date, last: dt.date) -> dict[tuple[int, dt.date], Amounts]:
    """Everything charged for these people's months in [first, last], per fund, batched."""
    out: dict[tuple[int, dt.date], Amounts] = {}
    for part in chunks(sorted(set(person_ids))):
        for row in (
            Charge.objects.filter(employer=employer, person_id__in=part, month__gte=first, month__lte=last)
            .values("person_id", "month")
            .annotate(**{f"s_{f}": Sum(f) for f in FUNDS})
        ):
            out[(row["person_id"], row["month"])] = {f: row[f"s_{f}"] or 0 for f in FUNDS}
    return out
