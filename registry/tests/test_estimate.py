"""The benefit estimator against worked examples of the official guidance (the page: citizen/tests)."""

from __future__ import annotations

import datetime as dt

import pytest

from registry import rules
from registry.estimate import Span, estimate_lump_sum, estimate_pension, pension_start
from registry.models import ParticipationPeriod, Person

D = dt.date
TODAY = D(2026, 11, 25)


def person(sex: int, birth: dt.date) -> Person:
    return Person(sex=sex, birth_year=birth.year, birth_month=birth.month, birth_day=birth.day)


def test_lump_sum_moves_odd_pre_2014_months_into_the_later_period() -> None:
    # Guidance example: 10 years 3 months before 2014, 3 years 5 months from 2014, average 5 M.
    # 10 × 1.5 + (3 odd months + 3y5m = 3y8m → 4 years) × 2 = 23 months = 115 M.
    spans = [Span(D(2003, 10, 1), D(2013, 12, 1), 5_000_000), Span(D(2014, 1, 1), D(2017, 5, 1), 5_000_000)]
    result = estimate_lump_sum(person(1, D(1980, 1, 1)), D(2018, 7, 1), spans=spans)
    assert (result.contributions.months_before_2014, result.contributions.months_from_2014) == (123, 41)
    assert (result.years_before_2014, result.years_from_2014) == (10, 4.0)
    assert result.amount == 115_000_000
    assert result.law == "2014"
    assert result.eligible and result.reason == "twelve_months_stopped"


def test_lump_sum_needs_twelve_full_months_without_contributions() -> None:
    spans = [Span(D(2019, 1, 1), D(2025, 1, 1), 8_000_000)]  # last month January 2025
    someone = person(2, D(1990, 6, 1))
    assert estimate_lump_sum(someone, D(2026, 1, 20), spans=spans).reason == "less_than_twelve_months_stopped"
    feb = estimate_lump_sum(someone, D(2026, 2, 1), spans=spans)
    assert feb.eligible and feb.law == "2024"
    # 6 years 1 month from 2014 → 6.5 years × 2 months × 8 M
    assert feb.amount == 104_000_000


def test_lump_sum_refusals_under_the_2024_law() -> None:
    someone = person(1, D(1990, 6, 1))
    ongoing = [Span(D(2015, 1, 1), None, 9_000_000)]
    assert estimate_lump_sum(someone, TODAY, spans=ongoing).reason == "still_contributing"
    twenty = [Span(D(2004, 1, 1), D(2024, 6, 1), 9_000_000)]
    assert estimate_lump_sum(someone, TODAY, spans=twenty).reason == "twenty_years_or_more"
    newcomer = [Span(D(2025, 7, 1), D(2025, 9, 1), 9_000_000)]
    result = estimate_lump_sum(someone, TODAY, spans=newcomer)
    assert result.reason == "joined_after_2025" and not result.eligible
    # Under one year: the contributions (22 %) themselves, at most 2 months: 3 × 22 % × 9 M.
    assert result.amount == 5_940_000


def test_lump_sum_at_pension_age_with_too_few_years() -> None:
    # A man born 03/1962 reached pension age (60y6m, 2022 roadmap) in 09/2022 with 10 years paid:
    # too few for a pension, so the lump sum, without waiting 12 months.
    old = person(1, D(1962, 3, 1))
    spans = [Span(D(2015, 11, 1), D(2025, 10, 1), 6_000_000)]
    result = estimate_lump_sum(old, D(2025, 12, 1), spans=spans)
    assert result.reason == "pension_age_too_few_years" and result.eligible
    assert result.amount == 6_000_000 * 2 * 10


def test_pension_of_a_woman_with_25_years() -> None:
    # 25 years at 10 M, pension from 03/2026: 45 % + 10 × 2 % = 65 % → 6.5 M a month.
    spans = [Span(D(2001, 2, 1), D(2026, 1, 1), 10_000_000)]
    result = estimate_pension(person(2, D(1969, 6, 1)), today=TODAY, retirement=D(2026, 2, 1), spans=spans)
    assert result.years == 25 and result.contributions.months == 300
    assert result.rate_percent == 65.0
    assert result.monthly_amount == 6_500_000
    assert result.law == "2024" and result.eligible


def test_a_man_with_17_years_gets_42_percent_from_july_2025_and_nothing_before() -> None:
    spans = [Span(D(2008, 5, 1), D(2025, 4, 1), 12_000_000)]  # 17 years exactly
    man = person(1, D(1964, 1, 1))
    after = estimate_pension(man, today=TODAY, retirement=D(2025, 7, 1), spans=spans)
    assert (after.law, after.minimum_years, after.years) == ("2024", 15, 17)
    assert after.rate_percent == 42.0  # 40 % for 15 years + 2 × 1 %
    assert after.monthly_amount == 5_040_000
    before = estimate_pension(man, today=TODAY, retirement=D(2025, 6, 1), spans=spans)
    assert (before.law, before.minimum_years) == ("2014", 20)
    assert not before.eligible and before.monthly_amount == 0 and before.rate_percent == 0.0


def test_the_rate_is_capped_at_75_percent_and_extra_years_earn_half_a_month() -> None:
    spans = [Span(D(1990, 1, 1), D(2025, 12, 1), 10_000_000)]  # 36 years
    result = estimate_pension(person(2, D(1970, 1, 1)), today=TODAY, retirement=D(2026, 1, 1), spans=spans)
    assert result.rate_percent == 75.0
    assert result.monthly_amount == 7_500_000
    assert result.retirement_allowance == 30_000_000  # (36 − 30) × ½ × 10 M


def test_two_employers_in_the_same_month_count_the_month_once() -> None:
    spans = [Span(D(2020, 1, 1), D(2020, 12, 1), 5_000_000), Span(D(2020, 7, 1), D(2021, 6, 1), 5_000_000)]
    result = estimate_lump_sum(person(1, D(1990, 1, 1)), TODAY, spans=spans)
    assert result.contributions.months == 18
    assert result.contributions.average_salary == round((6 * 5 + 6 * 10 + 6 * 5) * 1_000_000 / 18)


def test_pension_starts_the_month_after_reaching_pension_age() -> None:
    assert rules.pension_age(2, D(1992, 11, 3)) == (60, 0)
    assert pension_start(2, D(1992, 11, 3)) == D(2052, 12, 1)


@pytest.mark.django_db
def test_estimate_of_tran_thi_binh_from_her_own_periods() -> None:
    binh = Person.objects.get(ssn="0198765432")
    # Computed here independently: expand her BHXH periods month by month.
    salary_by_month: dict[tuple[int, int], int] = {}
    for p in ParticipationPeriod.objects.filter(person=binh, scheme="bhxh"):
        y, m = p.from_month.year, p.from_month.month
        end = p.to_month or D(2052, 11, 1)
        while (y, m) <= (end.year, end.month):
            salary_by_month[(y, m)] = salary_by_month.get((y, m), 0) + p.salary_basis
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    assert min(salary_by_month) == (2016, 9)
    until_now = {k: v for k, v in salary_by_month.items() if k <= (2026, 11)}
    assert len(until_now) == 123  # 09/2016 … 11/2026 = 10 years 3 months
    average_now = round(sum(until_now.values()) / 123)
    lump = estimate_lump_sum(binh, TODAY)
    assert lump.reason == "still_contributing" and not lump.eligible
    assert lump.contributions.average_salary == average_now
    assert lump.amount == round(average_now * 2 * 10.5)  # 10y3m → 10.5 years at 2 months

    pension = estimate_pension(binh, today=TODAY)
    assert pension.retirement == D(2052, 12, 1)  # 60 years on 03/11/2052
    assert pension.contributions.months == len(salary_by_month) == 435  # 36 years 3 months
    average_at_60 = round(sum(salary_by_month.values()) / 435)
    assert pension.contributions.average_salary == average_at_60
    assert pension.rate_percent == 75.0
    assert pension.monthly_amount == round(average_at_60 * 0.75)
    assert pension.retirement_allowance == round(average_at_60 * 0.5 * 6.5)
