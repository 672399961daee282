"""Benefit estimates for the citizen ("ước tính"): lump-sum SI and pension, from their own periods.

Everything here is an estimate, never a decision:
- the average salary basis is the plain average over the contributed months; the real
  calculation first revalues past salaries by the official yearly coefficients, which we do not
  apply (so older, lower salaries pull our average down);
- only the compulsory/voluntary BHXH periods count; a month with two employers counts once, with
  the two salaries added (contributions were paid on both);
- for a pension in the future, an ongoing period is assumed to continue at its current salary up
  to the month before retirement.

The law in force is chosen by the date: the 2014 law before 01/07/2025, the 2024 law from then
(domain.md §7.3–7.4). The amount rules themselves live in registry.rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.http import Http404

from registry import rules
from registry.models import ParticipationPeriod, Person, Scheme

YEAR_2014 = rules.month_index(dt.date(2014, 1, 1))
LUMP_SUM_WAIT_MONTHS = 12
LUMP_SUM_MAX_YEARS_OPTION = 20  # the "12 months without contributing" option needs < 20 years paid
# Years of contributions that already give 75 %: each further year earns ½ month at retirement.
YEARS_FOR_MAX_RATE = {1: 35, 2: 30}


@dataclass(frozen=True)
class Span:
    """A run of BHXH months at one salary basis; `last` None means still contributing."""

    first: dt.date
    last: dt.date | None
    salary: int


@dataclass(frozen=True)
class Contributions:
    months_before_2014: int
    months_from_2014: int
    average_salary: int
    last_month: dt.date | None  # last month counted
    ongoing: bool  # the person still contributes at the date

    @property
    def months(self) -> int:
        return self.months_before_2014 + self.months_from_2014


@dataclass(frozen=True)
class LumpSumEstimate:
    on: dt.date
    law: str  # "2014" or "2024"
    contributions: Contributions
    eligible: bool
    reason: str  # a stable code: see LUMP_SUM_REASONS in the view
    years_before_2014: int
    years_from_2014: float  # after moving the odd pre-2014 months forward, rounded (art. 5(6))
    amount: int


@dataclass(frozen=True)
class PensionEstimate:
    retirement: dt.date  # first month of the pension
    age: tuple[int, int]  # (years, months) of pension age used
    law: str
    contributions: Contributions
    years: int  # whole years (eligibility)
    rounded_years: float  # years for the rate (art. 5(6))
    minimum_years: int
    eligible: bool
    rate_percent: float
    monthly_amount: int
    retirement_allowance: int  # ½ month per year beyond those giving 75 %


def law_on(day: dt.date) -> str:
    return "2024" if day >= rules.LAW_2024_IN_FORCE else "2014"


def spans_for(person: Person) -> list[Span]:
    periods = ParticipationPeriod.objects.filter(person=person, scheme=Scheme.BHXH).order_by("from_month")
    return [Span(p.from_month, p.to_month, p.salary_basis) for p in periods.only("from_month", "to_month", "salary_basis")]


def contributions_until(spans: Iterable[Span], last_month: dt.date, *, today: dt.date) -> Contributions:
    """BHXH months up to and including `last_month`, split at 2014, with the average salary.

    An ongoing span ends at `today`'s month, or runs on to `last_month` when that lies later
    (the projection of a future pension).
    """
    limit = rules.month_index(last_month)
    current = rules.month_index(today)
    salary_by_month: dict[int, int] = {}
    ongoing = False
    for span in spans:
        start = rules.month_index(span.first)
        if span.last is None:
            end = max(current, limit)
            ongoing = ongoing or limit >= current
        else:
            end = rules.month_index(span.last)
        for month in range(start, min(end, limit) + 1):
            salary_by_month[month] = salary_by_month.get(month, 0) + span.salary
    months = sorted(salary_by_month)
    before = sum(1 for m in months if m < YEAR_2014)
    average = round(sum(salary_by_month.values()) / len(months)) if months else 0
    return Contributions(
        months_before_2014=before,
        months_from_2014=len(months) - before,
        average_salary=average,
        last_month=rules.month_from_index(months[-1]) if months else None,
        ongoing=ongoing,
    )


def lump_sum_years(months_before_2014: int, months_from_2014: int) -> tuple[int, float]:
    """Years at 1.5 months and years at 2 months, odd pre-2014 months moved forward (art. 70)."""
    years_before, odd = divmod(months_before_2014, 12)
    return years_before, rules.rounded_years_for_amount(months_from_2014 + odd)


def reached_pension_age(person: Person, on: dt.date) -> bool:
    birth = person.date_of_birth or dt.date(person.birth_year, 1, 1)
    return pension_start(person.sex, birth) <= on.replace(day=1)


def pension_start(sex: int, birth: dt.date) -> dt.date:
    """The pension starts with the month after the one in which the person reaches pension age."""
    years, months = rules.pension_age(sex, birth)
    reached = rules.month_index(birth) + years * 12 + months
    return rules.month_from_index(reached + 1)


def estimate_lump_sum(person: Person, on: dt.date, *, spans: list[Span] | None = None) -> LumpSumEstimate:
    """Could the person take BHXH một lần on `on`, and how much (the rules of that date)?

    Modelled cases: 12 months without contributing with fewer than 20 years paid (kept by the
    2024 law for people who joined before 01/07/2025), and pension age with too few years for a
    pension. The medical and emigration cases need documents and are not estimated.
    """
    spans = spans_for(person) if spans is None else spans
    month = on.replace(day=1)
    contributions = contributions_until(spans, month, today=on)
    years_before, years_after = lump_sum_years(contributions.months_before_2014, contributions.months_from_2014)
    whole_years = contributions.months // 12
    first = min((s.first for s in spans), default=None)
    if contributions.months == 0:
        reason = "no_contributions"
    elif contributions.ongoing:
        reason = "still_contributing"
    elif reached_pension_age(person, on) and whole_years < rules.pension_minimum_years(on):
        reason = "pension_age_too_few_years"
    elif first is not None and first >= rules.LAW_2024_IN_FORCE:
        reason = "joined_after_2025"
    elif whole_years >= LUMP_SUM_MAX_YEARS_OPTION:
        reason = "twenty_years_or_more"
    elif contributions.last_month is not None and (
        rules.month_index(month) - rules.month_index(contributions.last_month) - 1 < LUMP_SUM_WAIT_MONTHS
    ):
        reason = "less_than_twelve_months_stopped"
    else:
        reason = "twelve_months_stopped"
    eligible = reason in ("pension_age_too_few_years", "twelve_months_stopped")
    amount = (
        rules.lump_sum(contributions.months_before_2014, contributions.months_from_2014, contributions.average_salary)
        if contributions.months
        else 0
    )
    return LumpSumEstimate(
        on=on,
        law=law_on(on),
        contributions=contributions,
        eligible=eligible,
        reason=reason,
        years_before_2014=years_before,
        years_from_2014=years_after,
        amount=amount,
    )


def estimate_pension(
    person: Person, *, today: dt.date, retirement: dt.date | None = None, spans: list[Span] | None = None
) -> PensionEstimate:
    """Monthly pension from `retirement` (default: the month after reaching pension age)."""
    spans = spans_for(person) if spans is None else spans
    birth = person.date_of_birth or dt.date(person.birth_year, 1, 1)
    start = (retirement or pension_start(person.sex, birth)).replace(day=1)
    last = rules.month_from_index(rules.month_index(start) - 1)
    contributions = contributions_until(spans, last, today=today)
    months = contributions.months
    rate = rules.pension_rate_percent(person.sex, months, start)
    rounded = rules.rounded_years_for_amount(months)
    extra_years = max(0.0, rounded - YEARS_FOR_MAX_RATE[person.sex])
    eligible = rate > 0
    return PensionEstimate(
        retirement=start,
        age=rules.pension_age(person.sex, birth),
        law=law_on(start),
        contributions=contributions,
        years=months // 12,
        rounded_years=rounded,
        minimum_years=rules.pension_minimum_years(start),
        eligible=eligible,
        rate_percent=rate,
        monthly_amount=rules.monthly_pension(person.sex, months, contributions.average_salary, start) if eligible else 0,
        retirement_allowance=round(contributions.average_salary * 0.5 * extra_years) if eligible else 0,
    )


def person_for_citizen(user: object) -> Person:
    """The logged-in citizen's own person; anyone else (staff, HR, lead, admin) gets a 404."""
    person_id = getattr(user, "person_id", None)
    if not getattr(user, "is_authenticated", False) or getattr(user, "role", None) != "citizen" or person_id is None:
        raise Http404
    return Person.objects.get(pk=person_id)
