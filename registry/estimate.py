"""Benefit estimates for the citizen ("ước tính"): lump-sum SI and pension, from their own periods.

Everything here is an estimate, never a decision:
- the average salary basis is the plain average over the contributed months; the real
  calculation first revalues past salaries by the official yearly coefficients, which we do not
  apply (so older, lower salaries pull our average down);
- only the compulsory/voluntary BHXH periods count; a month with two employers counts once, with
  the two salaries added (contributions were paid on both);
- for a pension in the future, an ongoing period is assumed to continue at its current salary up
  to the month before retirement.

The law in force is chosen by the date (rules.law_on): the 2006 law for decisions before 01/01/2016,
the 2014 law until 30/06/2025, the 2024 law from then (domain.md §7.3–7.4); every estimate says
which. A pension needs the pension age (rules.pension_age); earlier only on reduced working
capacity, with the rate reduced (rules.early_retirement_reduction). The amount rules themselves
live in registry.rules.
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
    law: str  # "2006", "2014" or "2024" (rules.law_on)
    contributions: Contributions
    eligible: bool
    reason: str  # a stable code: see LUMP_SUM_REASONS in the view
    years_before_2014: int
    years_from_2014: float  # after moving the odd pre-2014 months forward, rounded (art. 5(6))
    amount: int
    rounded_years: float = 0.0  # all years, rounded (the 2006 law pays 1.5 months for each)


@dataclass(frozen=True)
class PensionEstimate:
    retirement: dt.date  # first month of the pension
    age: tuple[int, int]  # (years, months) of the normal pension age (in force then, for an early pension)
    law: str  # "2006", "2014" or "2024" (rules.law_on)
    contributions: Contributions
    years: int  # whole years (eligibility)
    rounded_years: float  # years for the rate (art. 5(6))
    minimum_years: int
    eligible: bool
    rate_percent: float
    monthly_amount: int
    retirement_allowance: int  # ½ month per year beyond those giving 75 %
    reason: str = "eligible"  # a stable code: see PENSION_REASONS in the view
    normal_start: dt.date | None = None  # first month of a pension at the normal pension age
    months_early: int = 0  # before the pension age (reduced working capacity only)
    reduction_percent: int = 0  # taken off the rate for retiring early
    minimum_applied: bool = False  # the rate gave less than the minimum pension (the base salary)


def law_on(day: dt.date) -> str:
    return rules.law_on(day)


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


def pension_start(sex: int, birth: dt.date, *, years_earlier: int = 0) -> dt.date:
    """The pension starts with the month after the one in which the person reaches pension age
    (Decree 135/2020 art. 4(2) and Appendix I: a man born 01/1961, 60y3m, is paid from 05/2021)."""
    years, months = rules.pension_age(sex, birth, years_earlier=years_earlier)
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
        rules.lump_sum(contributions.months_before_2014, contributions.months_from_2014, contributions.average_salary, on=on)
        if contributions.months
        else 0
    )
    law = law_on(on)
    if law == "2006":  # every year at 1.5 months, no split at 2014
        years_before, years_after = 0, 0.0
    return LumpSumEstimate(
        on=on,
        law=law,
        contributions=contributions,
        eligible=eligible,
        reason=reason,
        years_before_2014=years_before,
        years_from_2014=years_after,
        amount=amount,
        rounded_years=rules.rounded_years_for_amount(contributions.months),
    )


def estimate_pension(
    person: Person,
    *,
    today: dt.date,
    retirement: dt.date | None = None,
    spans: list[Span] | None = None,
    capacity_loss: int = 0,
) -> PensionEstimate:
    """Monthly pension from `retirement` (default: the month after reaching pension age).

    Before the pension age there is a pension only with a loss of working capacity of 61 % or more
    (`capacity_loss`, in percent), at most 5 years early (10 from 81 %), and the rate loses 2 % for
    each year early (rules.years_earlier_allowed, rules.early_retirement_reduction). With 61 % loss
    and no earlier `retirement`, the default is the earliest month the law allows.
    """
    spans = spans_for(person) if spans is None else spans
    birth = person.date_of_birth or dt.date(person.birth_year, 1, 1)
    normal_start = pension_start(person.sex, birth)
    years_earlier = rules.years_earlier_allowed(capacity_loss)
    earliest = pension_start(person.sex, birth, years_earlier=years_earlier)
    start = (retirement or earliest).replace(day=1)
    last = rules.month_from_index(rules.month_index(start) - 1)
    contributions = contributions_until(spans, last, today=today)
    months = contributions.months
    age = rules.pension_age(person.sex, birth)
    months_early = 0
    if start < normal_start:
        # Circular 59/2015 example 25: the age in the pension's first month against the pension age in
        # force then (50y1m against 55 is 4 years 11 months early): 60/55 before 2021 (2014 law art. 54),
        # the person's own step of the roadmap from 2021 (Labour Code 2019 art. 169(2)).
        normal = (60 if person.sex == 1 else 55) * 12 if start.year < rules.ROADMAP_START else age[0] * 12 + age[1]
        months_early = max(0, normal - (rules.month_index(start) - rules.month_index(birth)))
        age = divmod(normal, 12)
    base_rate = rules.pension_rate_percent(person.sex, months, start)
    reduction = rules.early_retirement_reduction(months_early)
    if start < earliest:
        reason = "below_pension_age" if years_earlier == 0 else "below_reduced_capacity_age"
    elif base_rate == 0:
        reason = "too_few_years"
    else:
        reason = "eligible"
    eligible = reason == "eligible"
    rate = max(0.0, base_rate - reduction) if eligible else 0.0
    average = contributions.average_salary
    # 2014 law art. 56(6): no pension below the base salary of its month (rules.minimum_pension).
    by_rate = round(average * rate / 100) if eligible else 0
    minimum_applied = eligible and by_rate < rules.minimum_pension(start)
    return PensionEstimate(
        retirement=start,
        age=age,
        law=law_on(start),
        contributions=contributions,
        years=months // 12,
        rounded_years=rules.rounded_years_for_amount(months),
        minimum_years=rules.pension_minimum_years(start),
        eligible=eligible,
        rate_percent=rate,
        monthly_amount=rules.minimum_pension(start) if minimum_applied else by_rate,
        retirement_allowance=rules.retirement_allowance(person.sex, months, average, start) if eligible else 0,
        reason=reason,
        normal_start=normal_start,
        months_early=months_early,
        reduction_percent=reduction if eligible else 0,
        minimum_applied=minimum_applied,
    )


def person_for_citizen(user: object) -> Person:
    """The logged-in citizen's own person; anyone else (staff, HR, lead, admin) gets a 404."""
    person_id = getattr(user, "person_id", None)
    if not getattr(user, "is_authenticated", False) or getattr(user, "role", None) != "citizen" or person_id is None:
        raise Http404
    return Person.objects.get(pk=person_id)
