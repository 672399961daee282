"""Turning a received dossier's rows into effective-dated changes of the register and the ledger.

A dossier is applied in batches (declarations.actions runs them, each in a short transaction of
its own, with the dossier locked): `prepare` once, then `apply_batch` for each group of whole
people that `plan` cuts, then the dossier is numbered. A batch holds every row of each of its
people, so a citizen's history is never seen half-changed. Reads are by batch (the periods of the
batch's people in one query), writes are COPY / one UPDATE … FROM per table, never per row.

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
import functools
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model, Sum
from django.utils import timezone
from psycopg.types.json import Jsonb

from audit.models import AuditEvent
from declarations import codes, db, ledger
from declarations.ledger import Amounts, PeriodSpan
from declarations.models import FUNDS, Charge, Debt, Dossier, Row
from declarations.validation import add_months, chunks
from registry import rules
from registry.models import Employer, ParticipationPeriod, Person
from vssid.text import fold

SCHEMES = ("bhxh", "bhyt", "bhtn", "bhtnld")
SCHEME_START = {"bhxh": rules.BHXH_START, "bhyt": dt.date(1993, 1, 1), "bhtn": rules.BHTN_START, "bhtnld": rules.BHTNLD_START}
# Rows per batch transaction: big enough that the per-batch queries are a small share, small enough
# that a batch commits in about a second and holds its locks no longer.
BATCH_ROWS = 2000


@dataclass
class Outcome:
    opened: int = 0
    ended: int = 0
    changed: int = 0
    new_people: int = 0
    adjustments: int = 0
    people: set[int] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        return {
            "opened": self.opened,
            "ended": self.ended,
            "changed": self.changed,
            "new_people": self.new_people,
            "adjustments": self.adjustments,
            "people": len(self.people),
        }


@dataclass(slots=True, eq=False)
class Line:
    """A dossier row as processing reads it (model instances cost more to build than the work)."""

    id: int
    line: int
    pa: str
    ssn: str
    cccd: str
    person_id: int | None
    full_name: str
    birth_date: str
    sex: int | None
    title: str
    wage: int
    coefficient: Decimal | None
    allowances: int
    from_month: dt.date
    to_month: dt.date | None


LINE_FIELDS = tuple(Line.__dataclass_fields__)


def plan(dossier_id: int, size: int | None = None) -> list[list[int]]:
    """The rows not applied yet, cut into batches of about `size` that each hold all rows of their people."""
    size = size or BATCH_ROWS
    groups: dict[object, list[int]] = {}
    pending = Row.objects.filter(dossier_id=dossier_id, applied=False).order_by("person_id", "line")
    for pk, pid, cccd in pending.values_list("id", "person_id", "cccd"):
        groups.setdefault(pid if pid is not None else ("new", cccd), []).append(pk)
    batches: list[list[int]] = []
    current: list[int] = []
    for ids in groups.values():
        current.extend(ids)
        if len(current) >= size:
            batches.append(current)
            current = []
    if current:
        batches.append(current)
    return batches


def load_lines(ids: Sequence[int]) -> list[Line]:
    """The rows among `ids` still to apply (a run that was cut short may have done some)."""
    return [Line(*values) for values in Row.objects.filter(id__any_of=ids, applied=False).values_list(*LINE_FIELDS)]


# ---- writing many rows ---------------------------------------------------------------------------


def _update_from(model: type[Model], names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """UPDATE these columns of many rows in one statement (first value of each tuple: the primary key)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(["pk", *names], row, strict=True))) for row in rows]
        model._default_manager.bulk_update(objs, list(names), batch_size=2000)
        return
    q = connection.ops.quote_name
    fields = {f.attname: f for f in model._meta.concrete_fields}
    table = q(model._meta.db_table)
    sets = ", ".join(f"{q(fields[n].column)} = v.c{i}" for i, n in enumerate(names))
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in (model._meta.pk, *(fields[n] for n in names)))
    aliases = ", ".join(["id", *(f"c{i}" for i in range(len(names)))])
    columns = [list(column) for column in zip(*rows, strict=True)]
    pk = q(model._meta.pk.column)
    # Arrays, not VALUES or IN lists: a few parameters however many rows, so the client does not
    # scan a query of 100,000 placeholders.
    with _bound_cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v({aliases}) WHERE {table}.{pk} = v.id", columns)  # noqa: S608


def _insert_returning(
    model: type[Model], names: Sequence[str], rows: list[tuple[Any, ...]], returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    """INSERT many rows, skipping those that break a unique constraint; the `returning` columns of those inserted."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        created = []
        for row in rows:  # the development database (SQLite): files are small there
            obj = model(**dict(zip(names, row, strict=True)))
            try:
                with transaction.atomic():
                    obj.save(force_insert=True)
            except IntegrityError:
                continue
            created.append(tuple(getattr(obj, n) for n in returning))
        return created
    q = connection.ops.quote_name
    fields = {f.attname: f for f in model._meta.concrete_fields}
    rest = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in names]
    columns = ", ".join(q(f.column) for f in (*(fields[n] for n in names), *rest))
    arrays = ", ".join(f"%s::{fields[n].db_type(connection)}[]" for n in names)
    defaults = "".join(f", CAST(%s AS {f.db_type(connection)})" for f in rest)
    sql = (
        f"INSERT INTO {q(model._meta.db_table)} ({columns}) SELECT u.*{defaults} FROM unnest({arrays}) AS u"  # noqa: S608
        f" ON CONFLICT DO NOTHING RETURNING {', '.join(q(fields[n].column) for n in returning)}"
    )
    params = [f.get_default() for f in rest] + [list(column) for column in zip(*rows, strict=True)]
    with _bound_cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(r) for r in cursor.fetchall()]


def _bound_cursor() -> psycopg.Cursor[Any]:
    """A cursor of the same connection (and transaction) with server-side parameters: the arrays of a
    batch go as parameters, dumped by psycopg's C code, not spelt into the SQL text in Python."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


# ---- first-time participants ---------------------------------------------------------------------


def _birth_parts(text: str) -> tuple[int, int | None, int | None]:
    parts = [int(p) for p in text.split("/")] if text else []
    if len(parts) == 3:
        return parts[2], parts[1], parts[0]
    if len(parts) == 2:
        return parts[1], parts[0], None
    return (parts[0] if parts else 1900), None, None


PERSON_FIELDS = ("ssn", "cccd", "full_name", "search_name", "birth_year", "birth_month", "birth_day", "sex", "province_id")


def _new_people(lines: list[Line], employer: Employer) -> int:
    """Create the batch's first-time participants (TM with a CCCD only), a new BHXH code each.

    One INSERT … ON CONFLICT DO NOTHING: a code drawn twice, or a CCCD someone else's dossier
    registered since the rows were checked, leaves that row out; the CCCD's person is then used,
    or a new code drawn.
    """
    waiting = {r.cccd: r for r in lines if r.person_id is None and r.cccd}
    prefix = employer.province_id[-2:].rjust(2, "0")
    created = 0
    while waiting:
        rows = []
        for row in waiting.values():
            year, month, day = _birth_parts(row.birth_date)
            ssn = f"{prefix}{secrets.randbelow(10**8):08d}"
            # search_name is what Person.save() fills; this INSERT skips save().
            rows.append((ssn, row.cccd, row.full_name, fold(row.full_name), year, month, day, row.sex or 1, employer.province_id))
        for pk, cccd, ssn in _insert_returning(Person, PERSON_FIELDS, rows, ("id", "cccd", "ssn")):
            row = waiting.pop(cccd)
            row.person_id, row.ssn = pk, ssn
            created += 1
        for pk, cccd, ssn in Person.objects.filter(cccd__any_of=list(waiting)).values_list("pk", "cccd", "ssn"):
            row = waiting.pop(cccd)
            row.person_id, row.ssn = pk, ssn
    return created


# ---- the register, in memory ---------------------------------------------------------------------


def _salary(row: Line, month: dt.date) -> int:
    if row.coefficient is not None:
        return round(row.coefficient * rules.base_salary_on(month)) + row.allowances
    return row.wage + row.allowances


@dataclass(slots=True, eq=False)
class Spell:
    """One participation period being edited; `pk` None until written."""

    pk: int | None
    person_id: int
    scheme: str
    from_month: dt.date
    to_month: dt.date | None
    position: str
    salary_basis: int
    participant_group: str


PERIOD_FIELDS = (
    "person_id",
    "scheme",
    "from_month",
    "to_month",
    "employer_id",
    "position",
    "salary_basis",
    "participant_group",
)


class PeriodBook:
    """The periods of the batch's people with this employer, edited in memory and written once."""

    def __init__(self, employer: Employer, person_ids: Iterable[int]) -> None:
        self.employer = employer
        self.periods: dict[tuple[int, str], list[Spell]] = defaultdict(list)
        for part in chunks(sorted(set(person_ids))):
            periods = ParticipationPeriod.objects.filter(employer=employer, person_id__any_of=part).order_by("from_month")
            for values in periods.values_list(
                "pk", "person_id", "scheme", "from_month", "to_month", "position", "salary_basis", "participant_group"
            ):
                spell = Spell(*values)
                self.periods[(spell.person_id, spell.scheme)].append(spell)
        self.new: list[Spell] = []
        self.dirty: dict[int, Spell] = {}
        self.deleted: set[int] = set()

    def open_at(self, pid: int, scheme: str, month: dt.date) -> Spell | None:
        for period in reversed(self.periods[(pid, scheme)]):
            if period.pk in self.deleted:
                continue
            if period.from_month <= month and (period.to_month is None or month <= period.to_month):
                return period
        return None

    def last(self, pid: int) -> Spell | None:
        spans = [p for p in self.periods[(pid, "bhxh")] if p.pk not in self.deleted]
        return spans[-1] if spans else None

    def _add(self, pid: int, scheme: str, start: dt.date, end: dt.date | None, title: str, salary: int, group: str) -> None:
        period = Spell(None, pid, scheme, start, end, title, salary, group)
        self.periods[(pid, scheme)].append(period)
        self.new.append(period)

    def open(self, pid: int, start: dt.date, end: dt.date | None, salary: int, title: str) -> None:
        for scheme in SCHEMES:
            if start >= SCHEME_START[scheme]:
                self._add(pid, scheme, start, end, title[:120], salary, self.employer.participant_group)

    def end(self, pid: int, first_unpaid: dt.date) -> int:
        """End every open period the month before `first_unpaid`; a period that would have no month goes."""
        ended = 0
        last_paid = add_months(first_unpaid, -1)
        for scheme in SCHEMES:
            for period in list(self.periods[(pid, scheme)]):
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
            self._add(pid, scheme, start, end, new_title, new_salary, period.participant_group)

    def spans(self, pid: int) -> list[PeriodSpan]:
        return [
            PeriodSpan(scheme, p.from_month, p.to_month, p.salary_basis)
            for scheme in SCHEMES
            for p in self.periods[(pid, scheme)]
            if p.pk not in self.deleted
        ]

    def save(self) -> None:
        if self.deleted:
            ParticipationPeriod.objects.filter(pk__in=sorted(self.deleted)).delete()
        dirty = [p for pk, p in self.dirty.items() if pk not in self.deleted]
        _update_from(
            ParticipationPeriod,
            ("to_month", "salary_basis", "position"),
            [(p.pk, p.to_month, p.salary_basis, p.position) for p in dirty],
        )
        code = self.employer.code
        db.copy_rows(
            ParticipationPeriod,
            PERIOD_FIELDS,
            [
                (p.person_id, p.scheme, p.from_month, p.to_month, code, p.position, p.salary_basis, p.participant_group)
                for p in self.new
            ],
        )


# ---- the steps -------------------------------------------------------------------------------------


def prepare(dossier: Dossier) -> dt.date:
    """Before the first batch: charge the months up to the dossier's period from the register as it
    stands before these rows, and say where the ledger started (what counts as already charged).

    Each batch then rewrites its own people's charges of those months, so between two batches the
    ledger is right for everyone: the people done have their new charges, the others their old ones.
    """
    employer, period = dossier.employer, dossier.period
    start = ledger.ledger_start(employer) or period
    touched = ledger.accrue(employer, period, opening=period)
    ledger.debt_for(employer, period)
    ledger.refresh_debts(touched)
    return start


CHARGE_FIELDS = ("employer_id", "person_id", "month", "debt_id", "kind", "row_id", "salary_basis", *FUNDS)


def _charge(
    employer: Employer, pid: int, month: dt.date, debt: Debt, kind: str, row: int | None, basis: int, amounts: Amounts
) -> tuple[Any, ...]:
    return (employer.code, pid, month, debt.pk, kind, row, basis, *(amounts[f] for f in FUNDS))


def apply_batch(dossier: Dossier, lines: list[Line], start: dt.date) -> Outcome:
    """Apply these rows (all rows of their people) to the register and the ledger.

    `start` is where the ledger started before the dossier (from `prepare`): months before it were
    never charged, so what they were is read from the periods as they stood.
    """
    employer = dossier.employer
    period = dossier.period
    outcome = Outcome()
    # People on the register before this batch; the ones it creates have no periods or charges yet.
    known = {r.person_id for r in lines if r.person_id}
    outcome.new_people = _new_people(lines, employer)
    book = PeriodBook(employer, known)
    before = {pid: book.spans(pid) for pid in known}
    first_touched: dict[int, dt.date] = {}

    for row in sorted(lines, key=lambda r: (r.from_month, r.line)):
        pid = row.person_id
        if pid is None:  # validation resolved (or processing created) every person
            raise RuntimeError(f"row {row.line} has no person")
        start_month = row.from_month
        if row.pa not in codes.ADJUSTING:
            first_touched[pid] = min(first_touched.get(pid, start_month), start_month)
            outcome.people.add(pid)
        if row.pa in codes.OPENING:
            book.open(pid, start_month, row.to_month, _salary(row, start_month), row.title)
            outcome.opened += 1
        elif row.pa in codes.RESUMING:
            last = book.last(pid)
            declared = row.wage or row.coefficient is not None
            salary = _salary(row, start_month) if declared else (last.salary_basis if last else 0)
            book.open(pid, start_month, row.to_month, salary, row.title or (last.position if last else ""))
            outcome.opened += 1
        elif row.pa in codes.LEAVING:
            outcome.ended += book.end(pid, start_month)
        elif row.pa in codes.PAUSING:
            current = book.open_at(pid, "bhxh", add_months(start_month, -1)) or book.open_at(pid, "bhxh", start_month)
            outcome.ended += book.end(pid, start_month)
            if row.to_month is not None and current is not None:
                # A leave with its end known resumes by itself the month after; without one, ON does it.
                book.open(pid, add_months(row.to_month, 1), None, current.salary_basis, current.position)
        elif row.pa in codes.CHANGING:
            new_salary = _salary(row, start_month) if (row.wage or row.coefficient is not None) else None
            book.change(pid, start_month, new_salary, row.title if row.pa == "CD" or row.title else None)
            outcome.changed += 1
    book.save()
    after = {pid: book.spans(pid) for pid in first_touched}
    debt = ledger.debt_for(employer, period)
    touched: list[Debt] = [debt]
    charges: list[tuple[Any, ...]] = []
    removed: dict[int, Amounts] = {}  # per debt, the charges deleted
    # Months already charged (or settled before the ledger) that the rows changed: adjustments.
    if first_touched:
        earliest = min(first_touched.values())
        if earliest < period:
            charged = ledger.charged(employer, first_touched, earliest, add_months(period, -1))
            for pid, first in first_touched.items():
                for month in ledger.months_between(first, add_months(period, -1)) if first < period else []:
                    new, basis = _month_charge(after[pid], month)
                    if month < start:
                        old, _b = _month_charge(before.get(pid, []), month)
                    else:
                        old = charged.get((pid, month), ledger.zero())
                    delta = {f: new[f] - old[f] for f in FUNDS}
                    if any(delta.values()):
                        basis_delta = basis - _basis(before.get(pid, []), month)
                        charges.append(_charge(employer, pid, month, debt, Charge.Kind.ADJUSTMENT, None, basis_delta, delta))
    # Regular charges of the months from this period on that were already written: these people's again.
    if first_touched:
        pids = sorted(first_touched)
        charged_before = sorted(known & first_touched.keys())
        for later in Debt.objects.filter(employer=employer, period__gte=period, accrued=True).order_by("period"):
            for part in chunks(charged_before):
                gone = Charge.objects.filter(debt=later, kind=Charge.Kind.REGULAR, person_id__in=part)
                sums = gone.aggregate(**{f: Sum(f) for f in FUNDS})
                removed[later.pk] = {f: removed.get(later.pk, {}).get(f, 0) + (sums[f] or 0) for f in FUNDS}
                gone.delete()
            for pid in pids:
                amounts, basis = _month_charge(after[pid], later.period)
                if any(amounts.values()):
                    charges.append(_charge(employer, pid, later.period, later, Charge.Kind.REGULAR, None, basis, amounts))
            touched.append(later)
    adjusting = _adjusting_rows(employer, [r for r in lines if r.pa in codes.ADJUSTING], debt, start, before)
    outcome.adjustments = len(charges) - sum(1 for c in charges if c[4] == Charge.Kind.REGULAR) + len(adjusting)
    db.copy_rows(Charge, CHARGE_FIELDS, charges + adjusting)
    _add_to_debts(touched, charges + adjusting, removed)
    # The rows' durable marker, with the people found or created for them, in the batch's transaction.
    _update_from(Row, ("person_id", "ssn", "applied"), [(r.id, r.person_id, r.ssn, True) for r in lines])
    return outcome


def _add_to_debts(debts: list[Debt], added: list[tuple[Any, ...]], removed: dict[int, Amounts]) -> None:
    """Move the debts' sums by the charges this batch wrote and deleted (summing all the charges of a
    100,000-worker month again for each batch would cost more than the batch; `finish` does it once)."""
    at = CHARGE_FIELDS.index("debt_id")
    first = CHARGE_FIELDS.index(FUNDS[0])
    delta: dict[int, Amounts] = {d.pk: {f: -removed.get(d.pk, {}).get(f, 0) for f in FUNDS} for d in debts}
    for charge in added:
        sums = delta[charge[at]]
        for i, fund in enumerate(FUNDS):
            sums[fund] += charge[first + i]
    for pk, sums in delta.items():
        if any(sums.values()):
            Debt.objects.filter(pk=pk).update(**{f"due_{f}": F(f"due_{f}") + sums[f] for f in FUNDS})
    # A debt that was paid and now owes more is not paid any longer (as ledger.refresh_debts says).
    due = sum((F(f"due_{f}") for f in FUNDS[1:]), F(f"due_{FUNDS[0]}"))
    paid = sum((F(f"paid_{f}") for f in FUNDS[1:]), F(f"paid_{FUNDS[0]}"))
    settled = Debt.objects.filter(pk__in=list(delta), paid_on__isnull=False)
    settled.alias(owed_total=due, paid_total=paid).filter(owed_total__gt=F("paid_total")).update(paid_on=None)


def finish(dossier: Dossier) -> None:
    """After the last batch: the sums of the debts the dossier touched, counted again from their charges."""
    ledger.refresh_debts(Debt.objects.filter(employer=dossier.employer, period__gte=dossier.period, accrued=True))
    ledger.refresh_debts([ledger.debt_for(dossier.employer, dossier.period)])


@functools.lru_cache(maxsize=4096)
def _charge_of(spans: tuple[PeriodSpan, ...], month: dt.date) -> tuple[Amounts, int]:
    return ledger.month_charge(spans, month)


def _month_charge(spans: Sequence[PeriodSpan], month: dt.date) -> tuple[Amounts, int]:
    """ledger.month_charge, remembered: most workers of a file share their periods' shape and wage."""
    amounts, basis = _charge_of(tuple(spans), month)
    return dict(amounts), basis


def _basis(spans: list[PeriodSpan], month: dt.date) -> int:
    return _month_charge(spans, month)[1]


def _adjusting_rows(
    employer: Employer, rows: list[Line], debt: Debt, start: dt.date, before: dict[int, list[PeriodSpan]]
) -> list[tuple[Any, ...]]:
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
            declared, basis = _month_charge(spans, month)
            if month < start:
                old, old_basis = _month_charge(before.get(pid, []), month)
            else:
                old, old_basis = charged.get((pid, month), ledger.zero()), _basis(before.get(pid, []), month)
            funds = ("bhyt",) if row.pa in codes.BHYT_ONLY else FUNDS
            delta = ledger.zero()
            for fund in funds:
                diff = declared[fund] - old[fund]
                delta[fund] = max(diff, 0) if row.pa in codes.ADJUSTING_UP else min(diff, 0)
            if any(delta.values()):
                basis_delta = basis - old_basis if row.pa not in codes.BHYT_ONLY else 0
                out.append(_charge(employer, pid, month, debt, Charge.Kind.ADJUSTMENT, row.id, basis_delta, delta))
    return out


AUDIT_FIELDS = ("at", "actor_id", "actor_label", "action", "object_type", "object_id", "person_id", "detail")


def audit_people(dossier: Dossier, people: Iterable[int], actor: Any) -> None:
    """One audit row per person whose history changed, so "who changed my data" answers for each of
    them; written with the batch, by COPY (one statement, not one INSERT a person)."""
    now = timezone.now()
    label = actor.get_username() if actor is not None else "system"
    detail = Jsonb({"period": f"{dossier.period:%m/%Y}", "batch": dossier.batch})
    db.copy_rows(
        AuditEvent,
        AUDIT_FIELDS,
        [
            (now, getattr(actor, "pk", None), label, "participation_changed", "dossier", str(dossier.pk), pid, detail)
            for pid in sorted(people)
        ],
    )
