"""Reading the register for its citizen: participation history, benefits, medical visits.

The web pages, the statement PDF and the JSON API all call these functions. Everything a citizen
reaches is filtered by their own person id here, so a changed id in a URL is a 404 (Http404).
The flags a citizen raises on this history are corrections' (corrections.actions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, router
from django.db.models import Field
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import rules
from registry.models import (
    BenefitPayment,
    Employer,
    MedicalVisit,
    ParticipationPeriod,
    Scheme,
)
from vssid.db.hot import fetch_all, instance_from_row
from vssid.errors import DomainError

SCHEME_ORDER = (Scheme.BHXH, Scheme.BHTN, Scheme.BHYT, Scheme.BHTNLD)
MIN_YEAR, MAX_YEAR = 1960, 2100


class HistoryError(DomainError):
    pass


# ---- months ------------------------------------------------------------------------------------


def current_month(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()).replace(day=1)


def union_months(spans: Iterable[tuple[dt.date, dt.date | None]], today: dt.date | None = None) -> int:
    """Months covered by at least one span (first months, inclusive); open spans run to this month.

    Overlapping spans count once; months after the current one are not counted.
    """
    last = rules.month_index(current_month(today))
    return _union_indexes((rules.month_index(start), min(rules.month_index(end) if end else last, last)) for start, end in spans)


def _union_indexes(intervals: Iterable[tuple[int, int]]) -> int:
    """Months covered by at least one (first, last) interval of month indexes (rules.month_index)."""
    total, reach = 0, -1
    for start, end in sorted(intervals):
        start = max(start, reach + 1)
        if end >= start:
            total += end - start + 1
            reach = end
    return total


def late_spans(
    periods: Iterable[tuple[dt.date, dt.date | None, int]], today: dt.date | None = None
) -> list[tuple[dt.date, dt.date]]:
    """The months paid late ("chậm đóng") of each period, as a span: (from month, to month, late months).

    The register keeps only how many months of a period were paid late, not which. Arrears build up
    at the end of what was due, so we place them on the period's last months (an open period: up
    to this month), never before its first month. The C14-TS statement totals time, not rows, so a
    calendar month late under two overlapping periods is one late month (union_months).
    """
    now = current_month(today)
    spans = []
    for start, end, late in periods:
        if late <= 0:
            continue
        last = min(end or now, now)
        if last < start:
            continue
        first = rules.month_from_index(max(rules.month_index(start), rules.month_index(last) - late + 1))
        spans.append((first, last))
    return spans


def late_total(periods: Iterable[ParticipationPeriod], today: dt.date | None = None) -> int:
    """Late months of a scheme, a month late under several overlapping periods counted once."""
    spans = late_spans(((p.from_month, p.to_month, p.late_months) for p in periods), today)
    return union_months(spans, today)


def format_years_months(months: int) -> str:
    years, rest = rules.years_months(months)
    return _("%(years)d năm %(months)d tháng") % {"years": years, "months": rest}


def format_vnd(amount: int) -> str:
    """12800000 → "12.800.000 đ" (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".") + " đ"


def format_month(day: dt.date | None) -> str:
    return f"{day.month:02d}/{day.year}" if day else ""


# ---- participation history ---------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    id: int
    scheme: str
    from_month: dt.date
    to_month: dt.date | None  # None: ongoing
    employer_code: str
    employer_name: str
    position: str
    salary_basis: int
    currency: str
    voluntary: bool
    late_months: int
    months: int  # months of this row up to the current month

    @property
    def from_display(self) -> str:
        return format_month(self.from_month)

    @property
    def to_display(self) -> str:
        return format_month(self.to_month)

    @property
    def salary_display(self) -> str:
        return format_vnd(self.salary_basis) if self.currency == "VND" else f"{self.salary_basis:,} {self.currency}"


@dataclass(frozen=True)
class SchemeHistory:
    scheme: str
    rows: list[PeriodRow]  # the rows of the year filter, oldest first
    total_months: int  # whole history of the scheme, overlaps once
    late_months: int
    counts: dict[str, int] = field(default_factory=dict)  # rows per scheme, for the tabs
    from_year: int | None = None
    to_year: int | None = None

    @property
    def total_display(self) -> str:
        return format_years_months(self.total_months)

    @property
    def late_display(self) -> str:
        return format_years_months(self.late_months)


def parse_scheme(value: str | None) -> str:
    if not value:
        return Scheme.BHXH.value
    if value not in Scheme.values:
        raise HistoryError(
            "invalid_scheme", _("Loại bảo hiểm không hợp lệ."), fields={"scheme": [_("Chọn BHXH, BHTN, BHYT hoặc BHTNLĐ-BNN.")]}
        )
    return value


def check_years(from_year: int | None, to_year: int | None) -> None:
    fields: dict[str, list[str]] = {}
    for name, year in (("from_year", from_year), ("to_year", to_year)):
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            fields[name] = [_("Năm từ %(lo)d đến %(hi)d.") % {"lo": MIN_YEAR, "hi": MAX_YEAR}]
    if not fields and from_year is not None and to_year is not None and from_year > to_year:
        fields["to_year"] = [_("Năm kết thúc phải từ năm bắt đầu trở đi.")]
    if fields:
        raise HistoryError("invalid_years", _("Khoảng năm không hợp lệ."), fields=fields)


def _row(period: ParticipationPeriod, today: dt.date | None) -> PeriodRow:
    employer = period.employer
    return PeriodRow(
        id=period.pk,
        scheme=period.scheme,
        from_month=period.from_month,
        to_month=period.to_month,
        employer_code=employer.code if employer else "",
        employer_name=employer.name if employer else "",
        position=period.position,
        salary_basis=period.salary_basis,
        currency=period.currency,
        voluntary=period.voluntary,
        late_months=period.late_months,
        months=max(0, union_months([(period.from_month, period.to_month)], today)),
    )


# The second screen citizens open, after the card: one fixed query, prepared on PostgreSQL
# (vssid.db.hot), where the ORM spent longer compiling it than the database took to run it.
def _fields(model: type[models.Model], names: tuple[str, ...]) -> list[Field[Any, Any]]:
    # In the model's order: Model.from_db (vssid.db.hot.instance_from_row) fills the deferred ones in.
    return [f for f in model._meta.concrete_fields if f.name in names]


_PERIOD_FIELDS = _fields(
    ParticipationPeriod,
    ("id", "scheme", "from_month", "to_month", "position", "salary_basis", "currency", "voluntary", "late_months", "employer"),
)
_EMPLOYER_FIELDS = _fields(Employer, ("code", "name", "office"))
_COLUMNS = ", ".join([f'p."{f.column}"' for f in _PERIOD_FIELDS] + [f'e."{f.column}"' for f in _EMPLOYER_FIELDS])
_PERIODS_SQL = (
    f"SELECT {_COLUMNS}"  # noqa: S608 - names from the models
    f" FROM {ParticipationPeriod._meta.db_table} p LEFT JOIN {Employer._meta.db_table} e ON e.code = p.employer_id"
    + " WHERE p.person_id = %s ORDER BY p.scheme, p.from_month, p.id"
)


def _periods(person_id: int, *, using: str | None = None) -> list[ParticipationPeriod]:
    """Every period of the person with its employer: one query (other fields deferred, as `.only()`)."""
    alias = using or router.db_for_read(ParticipationPeriod)
    cut = len(_PERIOD_FIELDS)
    periods = []
    for row in fetch_all(_PERIODS_SQL, [person_id], using=alias):
        period = instance_from_row(ParticipationPeriod, _PERIOD_FIELDS, row[:cut], using=alias)
        if row[cut] is not None:
            period.employer = instance_from_row(Employer, _EMPLOYER_FIELDS, row[cut:], using=alias)
        periods.append(period)
    return periods


def participation_history(
    person_id: int,
    *,
    scheme: str,
    from_year: int | None = None,
    to_year: int | None = None,
    today: dt.date | None = None,
) -> SchemeHistory:
    """One tab of "Quá trình tham gia"; the totals cover the whole scheme, the rows the years asked."""
    check_years(from_year, to_year)
    periods = _periods(person_id)
    counts = {s.value: 0 for s in SCHEME_ORDER}
    for period in periods:
        counts[period.scheme] = counts.get(period.scheme, 0) + 1
    mine = [p for p in periods if p.scheme == scheme]
    lo = dt.date(from_year, 1, 1) if from_year else None
    hi = dt.date(to_year, 12, 1) if to_year else None
    now = current_month(today)
    shown = [p for p in mine if (hi is None or p.from_month <= hi) and (lo is None or (p.to_month or now) >= lo)]
    return SchemeHistory(
        scheme=scheme,
        rows=[_row(p, today) for p in shown],
        total_months=union_months(((p.from_month, p.to_month) for p in mine), today),
        late_months=late_total(mine, today),
        counts=counts,
        from_year=from_year,
        to_year=to_year,
    )


# ---- the API's participation: plain values, no model instances -------------------------------

# The periods of one scheme, aggregated by the database into one JSON array (oldest first, the
# order of _PERIODS_SQL) so that they ride in the row of the token check (api.routers.history):
# the second screen citizens open costs one round trip, like the card. Months travel as month
# indexes (rules.month_index) for the arithmetic below.
_MONTH_INDEX = "(extract(year from {0})::int * 12 + extract(month from {0})::int - 1)"
PARTICIPATION_COLUMNS = "part.periods"


def participation_joins(person_column: str) -> str:
    """The LATERAL join of PARTICIPATION_COLUMNS for the person in `person_column`; one parameter: the scheme."""
    return (
        "LEFT JOIN LATERAL (SELECT json_agg(json_build_array("  # noqa: S608 - names from the models
        f"p.id, {_MONTH_INDEX.format('p.from_month')}, {_MONTH_INDEX.format('p.to_month')},"
        " coalesce(e.code, ''), coalesce(e.name, ''), p.position, p.salary_basis, p.currency, p.voluntary, p.late_months"
        ") ORDER BY p.from_month, p.id) AS periods"
        f" FROM {ParticipationPeriod._meta.db_table} p LEFT JOIN {Employer._meta.db_table} e ON e.code = p.employer_id"
        f" WHERE p.person_id = {person_column} AND p.scheme = %s) part ON true"
    )


def _month_text(index: int) -> str:
    return f"{index % 12 + 1:02d}/{index // 12}"


def participation_body(
    periods: list[list[Any]] | None,
    *,
    scheme: str,
    from_year: int | None = None,
    to_year: int | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The JSON body of GET /me/participation from the PARTICIPATION_COLUMNS value: the same
    answer as participation_history gives for one scheme (the tests hold them equal)."""
    check_years(from_year, to_year)
    now = rules.month_index(current_month(today))
    lo = from_year * 12 if from_year else None
    hi = to_year * 12 + 11 if to_year else None
    spans: list[tuple[int, int]] = []
    late: list[tuple[int, int]] = []
    rows = []
    for pk, start, end, code, name, position, salary, currency, voluntary, late_months in periods or ():
        last = now if end is None else min(end, now)
        spans.append((start, last))
        if late_months > 0 and last >= start:
            late.append((max(start, last - late_months + 1), last))
        if (hi is None or start <= hi) and (lo is None or (now if end is None else end) >= lo):
            rows.append(
                {
                    "id": pk,
                    "scheme": scheme,
                    "from_month": _month_text(start),
                    "to_month": None if end is None else _month_text(end),
                    "employer_code": code,
                    "employer_name": name,
                    "position": position,
                    "salary_basis": salary,
                    "currency": currency,
                    "voluntary": voluntary,
                    "late_months": late_months,
                    "months": max(0, last - start + 1),
                }
            )
    total, late_total_months = _union_indexes(spans), _union_indexes(late)
    return {
        "scheme": scheme,
        "total_months": total,
        "total_text": format_years_months(total),
        "late_months": late_total_months,
        "late_text": format_years_months(late_total_months),
        "from_year": from_year,
        "to_year": to_year,
        "periods": rows,
    }


def full_history(person_id: int, today: dt.date | None = None) -> list[SchemeHistory]:
    """All four schemes from one query (for the C14-TS statement)."""
    periods = _periods(person_id)
    out = []
    for scheme in SCHEME_ORDER:
        mine = [p for p in periods if p.scheme == scheme]
        out.append(
            SchemeHistory(
                scheme=scheme.value,
                rows=[_row(p, today) for p in mine],
                total_months=union_months(((p.from_month, p.to_month) for p in mine), today),
                late_months=late_total(mine, today),
            )
        )
    return out


def get_period_for_person(person_id: int, period_id: int) -> ParticipationPeriod:
    """A period of that person, or 404: another person's id leaks nothing."""
    period = ParticipationPeriod.objects.filter(person_id=person_id, pk=period_id).select_related("employer").first()
    if period is None:
        raise Http404
    return period


# ---- benefits and visits -----------------------------------------------------------------------


def benefits(person_id: int, *, tab: str | None = None) -> list[BenefitPayment]:
    qs = BenefitPayment.objects.filter(person_id=person_id).select_related("employer").order_by("-decision_date", "-id")
    if tab:
        if tab not in BenefitPayment.Tab.values:
            raise HistoryError("invalid_tab", _("Loại chế độ không hợp lệ."), fields={"tab": [_("Chọn một loại chế độ.")]})
        qs = qs.filter(tab=tab)
    return list(qs)


def medical_visits(person_id: int, *, year: int | None = None) -> tuple[list[MedicalVisit], list[int]]:
    """The visits of a year (all without one), newest first, and the years that have visits."""
    visits = list(MedicalVisit.objects.filter(person_id=person_id).select_related("facility").order_by("-admitted_at", "-id"))
    years = sorted({timezone.localtime(v.admitted_at).year for v in visits}, reverse=True)
    if year is not None:
        visits = [v for v in visits if timezone.localtime(v.admitted_at).year == year]
    return visits, years
