"""Turning a received dossier's rows into effective-dated changes of the register and the ledger.

Called by declarations.actions.process_dossier inside its transaction, with the dossier locked.
All reads and writes are batched (the periods of every person of the file in one query per 5,000
people, bulk writes after), so a 100,000-row file is processed in seconds, not hours.

Effects, by phương án (declarations.md §3.1):
- TM/TD/TC open a period at this employer from the from-month in each scheme (BHXH, BHYT, BHTN,
  BHTNLĐ-BNN); TM for someone without a BHXH code creates the person with a new code;
- GH/GD/GC end the periods the month before the from-month (the first month not paid);
- KL/OF/TS end them likewise; with a to-month they resume the month after it, else ON resumes;
- DC/CD split the open periods at the from-month with the new wage or title;
- AD/SB/TT/TU leave the periods as they are and become adjustments for past months.
Changes to months already charged become adjustment charges in the dossier's period (C12 B.4).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery

from declarations import codes, db, ledger
from declarations.ledger import Amounts, PeriodSpan
from declarations.models import FUNDS, Charge, Debt, Dossier, Row
from declarations.validation import add_months, chunks
from registry import rules
from registry.models import Employer, ParticipationPeriod, Person
from vssid.text import fold

SCHEMES = ("bhxh", "bhyt", "bhtn", "bhtnld")
SCHEME_START = {"bhxh": rules.BHXH_START, "bhyt": dt.date(1993, 1, 1), "bhtn": rules.BHTN_START, "bhtnld": rules.BHTNLD_START}


@dataclass
class Outcome:
    opened: int = 0
    ended: int = 0
    changed: int = 0
    new_people: int = 0
    adjustments: int = 0
    people: set[int] = field(default_factory=set)


def _birth_parts(text: str) -> tuple[int, int | None, int | None]:
    parts = [int(p) for p in text.split("/")] if text else []
    if len(parts) == 3:
        return parts[2], parts[1], parts[0]
    if len(parts) == 2:
        return parts[1], parts[0], None
    return (parts[0] if parts else 1900), None, None


def _new_people(rows: list[Row], employer: Employer) -> int:
    """Create the first-time participants (TM with a CCCD only) with a new BHXH code each."""
    newcomers = [r for r in rows if r.person_id is None and r.cccd]
    if not newcomers:
        return 0
    prefix = employer.province_id[-2:].rjust(2, "0")
    codes_needed = len(newcomers)
    chosen: set[str] = set()
    while len(chosen) < codes_needed:
        candidates = {f"{prefix}{secrets.randbelow(10**8):08d}" for _ in range(codes_needed - len(chosen) + 10)} - chosen
        taken: set[str] = set()
        for part in chunks(sorted(candidates)):
            taken |= set(Person.objects.filter(ssn__in=part).values_list("ssn", flat=True))
        chosen |= set(sorted(candidates - taken)[: codes_needed - len(chosen)])
    people = []
    for row, ssn in zip(newcomers, sorted(chosen), strict=True):
        year, month, day = _birth_parts(row.birth_date)
        people.append(
            Person(
                ssn=ssn,
                cccd=row.cccd,
                full_name=row.full_name,
                birth_year=year,
                birth_month=month,
                birth_day=day,
                sex=row.sex or 1,
                province_id=employer.province_id,
                search_name=fold(row.full_name),  # what Person.save() fills, which bulk_create skips
            )
        )
    db.insert(Person, people)
    # One UPDATE … FROM rather than a CASE per row (bulk_update is quadratic on 100,000 rows).
    same_cccd = Person.objects.filter(cccd=OuterRef("cccd"))
    Row.objects.filter(dossier_id=newcomers[0].dossier_id, person__isnull=True).exclude(cccd="").update(
        person_id=Subquery(same_cccd.values("pk")[:1]), ssn=Subquery(same_cccd.values("ssn")[:1])
    )
    ids: dict[str, int] = {}
    for part in chunks([r.cccd for r in newcomers]):
        ids.update(Person.objects.filter(cccd__in=part).values_list("cccd", "pk"))
    for row, person in zip(newcomers, people, strict=True):
        row.person_id = ids[row.cccd]
        row.ssn = person.ssn
    return len(people)


def _salary(row: Row, month: dt.date) -> int:
    if row.coefficient is not None:
        return round(row.coefficient * rules.base_salary_on(month)) + row.allowances
    return row.wage + row.allowances


class PeriodBook:
    """The periods of the file's people with this employer, edited in memory and written once."""

    def __init__(self, employer: Employer, person_ids: list[int]) -> None:
        self.employer = employer
        self.periods: dict[tuple[int, str], list[ParticipationPeriod]] = defaultdict(list)
        for part in chunks(sorted(set(person_ids))):
            for period in ParticipationPeriod.objects.filter(employer=employer, person_id__in=part).order_by("from_month"):
                self.periods[(period.person_id, period.scheme)].append(period)
        self.new: list[ParticipationPeriod] = []
        self.dirty: dict[int, ParticipationPeriod] = {}
        self.deleted: set[int] = set()

    def open_at(self, pid: int, scheme: str, month: dt.date) -> ParticipationPeriod | None:
        for period in reversed(self.periods[(pid, scheme)]):
            if period.pk in self.deleted:
                continue
            if period.from_month <= month and (period.to_month is None or month <= period.to_month):
                return period
        return None

    def last(self, pid: int) -> ParticipationPeriod | None:
        spans = [p for p in self.periods[(pid, "bhxh")] if p.pk not in self.deleted]
        return spans[-1] if spans else None

    def open(self, pid: int, start: dt.date, end: dt.date | None, salary: int, title: str) -> None:
        for scheme in SCHEMES:
            if start < SCHEME_START[scheme]:
                continue
            period = ParticipationPeriod(
                person_id=pid,
                scheme=scheme,
                from_month=start,
                to_month=end,
                employer=self.employer,
                position=title[:120],
                salary_basis=salary,
                participant_group=self.employer.participant_group,
            )
            self.periods[(pid, scheme)].append(period)
            self.new.append(period)

    def end(self, pid: int, first_unpaid: dt.date) -> int:
        """End every open period the month before `first_unpaid`; a period that would have no month goes."""
        ended = 0
        last_paid = add_months(first_unpaid, -1)
        for scheme in SCHEMES:
            for period in self.periods[(pid, scheme)]:
                if period.pk in self.deleted or not (period.to_month is None or period.to_month >= first_unpaid):
                    continue
                if period.from_month > last_paid:
                    if period.pk is None:
                        self.periods[(pid, scheme)].remove(period)
                        self.new.remove(period)
                    else:
                        self.deleted.add(period.pk)
                else:
                    period.to_month = last_paid
                    if period.pk is not None:
                        self.dirty[period.pk] = period
                ended += 1
        return ended

    def change(self, pid: int, start: dt.date, salary: int | None, title: str | None) -> None:
        for scheme in SCHEMES:
            period = self.open_at(pid, scheme, start)
            if period is None:
                continue
            new_salary = salary if salary is not None else period.salary_basis
            new_title = title[:120] if title else period.position
            if period.from_month == start:
                period.salary_basis, period.position = new_salary, new_title
                if period.pk is not None:
                    self.dirty[period.pk] = period
                continue
            end = period.to_month
            period.to_month = add_months(start, -1)
            if period.pk is not None:
                self.dirty[period.pk] = period
            split = ParticipationPeriod(
                person_id=pid,
                scheme=scheme,
                from_month=start,
                to_month=end,
                employer=self.employer,
                position=new_title,
                salary_basis=new_salary,
                participant_group=period.participant_group,
            )
            self.periods[(pid, scheme)].append(split)
            self.new.append(split)

    def spans(self, pid: int) -> list[PeriodSpan]:
        return [
            PeriodSpan(scheme, p.from_month, p.to_month, p.salary_basis)
            for scheme in SCHEMES
            for p in self.periods[(pid, scheme)]
            if p.pk not in self.deleted
        ]

    def save(self) -> None:
        if self.deleted:
            ParticipationPeriod.objects.filter(pk__in=self.deleted).delete()
        dirty = [p for pk, p in self.dirty.items() if pk not in self.deleted]
        ParticipationPeriod.objects.bulk_update(dirty, ["to_month", "salary_basis", "position"], batch_size=5000)
        db.insert(ParticipationPeriod, self.new)


def apply(dossier: Dossier, rows: list[Row]) -> Outcome:
    employer = dossier.employer
    period = dossier.period
    outcome = Outcome()
    outcome.new_people = _new_people(rows, employer)
    person_ids = [r.person_id for r in rows if r.person_id]
    book = PeriodBook(employer, person_ids)
    before = {pid: book.spans(pid) for pid in set(person_ids)}
    first_touched: dict[int, dt.date] = {}

    for row in sorted(rows, key=lambda r: (r.from_month, r.line)):
        pid = row.person_id
        if pid is None:  # validation resolved (or processing created) every person
            raise RuntimeError(f"row {row.line} has no person")
        start = row.from_month
        if row.pa not in codes.ADJUSTING:
            first_touched[pid] = min(first_touched.get(pid, start), start)
            outcome.people.add(pid)
        if row.pa in codes.OPENING:
            book.open(pid, start, row.to_month, _salary(row, start), row.title)
            outcome.opened += 1
        elif row.pa in codes.RESUMING:
            last = book.last(pid)
            salary = _salary(row, start) if (row.wage or row.coefficient is not None) else (last.salary_basis if last else 0)
            book.open(pid, start, row.to_month, salary, row.title or (last.position if last else ""))
            outcome.opened += 1
        elif row.pa in codes.LEAVING:
            outcome.ended += book.end(pid, start)
        elif row.pa in codes.PAUSING:
            current = book.open_at(pid, "bhxh", add_months(start, -1)) or book.open_at(pid, "bhxh", start)
            outcome.ended += book.end(pid, start)
            if row.to_month is not None and current is not None:
                # A leave with its end known resumes by itself the month after; without one, ON does it.
                book.open(pid, add_months(row.to_month, 1), None, current.salary_basis, current.position)
        elif row.pa in codes.CHANGING:
            new_salary = _salary(row, start) if (row.wage or row.coefficient is not None) else None
            book.change(pid, start, new_salary, row.title if row.pa == "CD" or row.title else None)
            outcome.changed += 1
    start = ledger.ledger_start(employer) or period
    touched: list[Debt] = []
    if start < period:
        # Months between the last C12 and this period are charged from the register as it stood
        # before these rows; the rows' effect on them is then an adjustment like any other.
        touched.extend(ledger.accrue(employer, add_months(period, -1)))
    book.save()
    after = {pid: book.spans(pid) for pid in first_touched}
    debt = ledger.debt_for(employer, period)
    touched.append(debt)
    # Months already charged (or settled before the ledger) that the rows changed: adjustments.
    adjustments: list[Charge] = []
    if first_touched:
        earliest = min(first_touched.values())
        if earliest < period:
            charged = ledger.charged(employer, first_touched, earliest, add_months(period, -1))
            for pid, first in first_touched.items():
                for month in ledger.months_between(first, add_months(period, -1)) if first < period else []:
                    new, basis = ledger.month_charge(after[pid], month)
                    if month < start:
                        old, _b = ledger.month_charge(before.get(pid, []), month)
                    else:
                        old = charged.get((pid, month), ledger.zero())
                    delta = {f: new[f] - old[f] for f in FUNDS}
                    if any(delta.values()):
                        adjustments.append(
                            _adjust(employer, pid, month, debt, None, basis - _basis(before.get(pid, []), month), delta)
                        )
    # Regular charges of the months from this period on that were already written.
    accrued_later = list(Debt.objects.filter(employer=employer, period__gte=period, accrued=True).order_by("period"))
    for later in accrued_later:
        pids = list(first_touched)
        for part in chunks(pids):
            Charge.objects.filter(debt=later, kind=Charge.Kind.REGULAR, person_id__in=part).delete()
        fresh = []
        for pid in pids:
            amounts, basis = ledger.month_charge(after[pid], later.period)
            if any(amounts.values()):
                fresh.append(
                    Charge(
                        employer=employer,
                        person_id=pid,
                        month=later.period,
                        debt=later,
                        kind=Charge.Kind.REGULAR,
                        salary_basis=basis,
                        **amounts,
                    )
                )
        db.insert(Charge, fresh)
        touched.append(later)
    adjustments.extend(_adjusting_rows(employer, [r for r in rows if r.pa in codes.ADJUSTING], debt, start, before))
    db.insert(Charge, adjustments)
    outcome.adjustments = len(adjustments)
    touched.extend(ledger.accrue(employer, period, opening=period))
    ledger.refresh_debts(touched)
    return outcome


def _basis(spans: list[PeriodSpan], month: dt.date) -> int:
    return ledger.month_charge(spans, month)[1]


def _adjust(employer: Employer, pid: int, month: dt.date, debt: Debt, row: Row | None, basis: int, amounts: Amounts) -> Charge:
    return Charge(
        employer=employer,
        person_id=pid,
        month=month,
        debt=debt,
        kind=Charge.Kind.ADJUSTMENT,
        row=row,
        salary_basis=basis,
        **amounts,
    )


def _adjusting_rows(
    employer: Employer, rows: list[Row], debt: Debt, start: dt.date, before: dict[int, list[PeriodSpan]]
) -> list[Charge]:
    """AD/TT charge the difference up to the declared wage; SB/TU refund down to it (or all of it)."""
    if not rows:
        return []
    first = min(r.from_month for r in rows)
    last = max(r.to_month or r.from_month for r in rows)
    charged = ledger.charged(employer, [r.person_id for r in rows if r.person_id], first, last)
    out = []
    for row in rows:
        pid = row.person_id
        if pid is None:  # validation resolved (or processing created) every person
            raise RuntimeError(f"row {row.line} has no person")
        for month in ledger.months_between(row.from_month, row.to_month or row.from_month):
            salary = _salary(row, month) if (row.wage or row.coefficient is not None) else 0
            spans = [PeriodSpan(s, month, month, salary) for s in SCHEMES if month >= SCHEME_START[s]]
            declared, basis = ledger.month_charge(spans, month)
            if month < start:
                old, old_basis = ledger.month_charge(before.get(pid, []), month)
            else:
                old, old_basis = charged.get((pid, month), ledger.zero()), _basis(before.get(pid, []), month)
            funds = ("bhyt",) if row.pa in codes.BHYT_ONLY else FUNDS
            delta = ledger.zero()
            for fund in funds:
                diff = declared[fund] - old[fund]
                delta[fund] = max(diff, 0) if row.pa in codes.ADJUSTING_UP else min(diff, 0)
            if any(delta.values()):
                out.append(
                    _adjust(employer, pid, month, debt, row, basis - old_basis if row.pa not in codes.BHYT_ONLY else 0, delta)
                )
    return out
