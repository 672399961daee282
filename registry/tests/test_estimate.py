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
    # Born 06/1969: 56y8m (the 2025 step) would fall in 02/2026, when the age is 57 (Decree 135/2020
    # Appendix I), so she reaches pension age in 06/2026 and is paid from 07/2026.
    # 25 years at 10 M (07/2001 … 06/2026): 45 % + 10 × 2 % = 65 % → 6.5 M a month.
    spans = [Span(D(2001, 7, 1), D(2026, 6, 1), 10_000_000)]
    result = estimate_pension(person(2, D(1969, 6, 1)), today=TODAY, spans=spans)
    assert result.retirement == D(2026, 7, 1) and result.age == (57, 0)
    assert result.years == 25 and result.contributions.months == 300
    assert result.rate_percent == 65.0
    assert result.monthly_amount == 6_500_000
    assert result.law == "2024" and result.eligible and result.reason == "eligible"


def test_no_pension_before_the_pension_age_without_reduced_working_capacity() -> None:
    # The same woman asking for 02/2026 is 4 months too young: no pension, whatever her years.
    spans = [Span(D(2001, 2, 1), D(2026, 1, 1), 10_000_000)]
    result = estimate_pension(person(2, D(1969, 6, 1)), today=TODAY, retirement=D(2026, 2, 1), spans=spans)
    assert not result.eligible and result.reason == "below_pension_age"
    assert result.monthly_amount == 0 and result.retirement_allowance == 0
    assert result.normal_start == D(2026, 7, 1)


def test_early_pension_on_reduced_working_capacity_loses_two_percent_a_year() -> None:
    # The same woman, 65 % loss of working capacity, from 02/2026: 56y8m in her pension's first month
    # against 57 → 4 months early: under 6 months, no reduction (2024 law art. 66(3)) → 65 %.
    spans = [Span(D(2001, 2, 1), D(2026, 1, 1), 10_000_000)]
    woman = person(2, D(1969, 6, 1))
    result = estimate_pension(woman, today=TODAY, retirement=D(2026, 2, 1), spans=spans, capacity_loss=65)
    assert result.eligible and (result.months_early, result.reduction_percent) == (4, 0)
    assert result.rate_percent == 65.0
    # From 07/2023 with 22 years (07/2001 … 06/2023): aged 54y1m, 2y11m before 57 → 2 × 2 % + 1 % = 5 %.
    # Rate 45 % + 7 × 2 % = 59 %, paid 54 % of 10 M = 5.4 M (the 2014 law: 20 years needed, she has 22).
    spans = [Span(D(2001, 7, 1), D(2023, 6, 1), 10_000_000)]
    early = estimate_pension(woman, today=TODAY, retirement=D(2023, 7, 1), spans=spans, capacity_loss=65)
    assert (early.law, early.months_early, early.reduction_percent) == ("2014", 35, 5)
    assert early.rate_percent == 54.0 and early.monthly_amount == 5_400_000
    # At most 5 years early for 61–80 % (Decree 135/2020 Appendix II): a woman born 06/1975 would be
    # 52y0m in 06/2027, when the early age is 52y4m, so 10/2027, paid from 11/2027; 01/2026 is too early.
    younger = person(2, D(1975, 6, 1))
    assert pension_start(2, D(1975, 6, 1), years_earlier=5) == D(2027, 11, 1)
    too_early = estimate_pension(younger, today=TODAY, retirement=D(2026, 1, 1), spans=spans, capacity_loss=65)
    assert too_early.reason == "below_reduced_capacity_age" and not too_early.eligible
    # Without a month given, the estimate starts at the earliest month the law allows.
    default = estimate_pension(woman, today=TODAY, spans=spans, capacity_loss=65)
    assert default.retirement == pension_start(2, D(1969, 6, 1), years_earlier=5)


def test_bà_k_of_circular_59_example_25() -> None:
    # Woman, 61 % loss, paid from 01/2019 at 50y1m (born 12/1968), 28 years: 71 % − 9 % = 62 %.
    spans = [Span(D(1991, 1, 1), D(2018, 12, 1), 6_000_000)]  # 28 years
    result = estimate_pension(person(2, D(1968, 12, 1)), today=TODAY, retirement=D(2019, 1, 1), spans=spans, capacity_loss=61)
    assert result.age == (55, 0) and result.months_early == 59
    assert result.rate_percent == 62.0 and result.monthly_amount == 3_720_000


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
    # Born 01/1970: 57y0m would fall in 01/2027, when the age is 57y4m → reached 05/2027, paid from 06/2027.
    spans = [Span(D(1990, 1, 1), D(2025, 12, 1), 10_000_000)]  # 36 years
    result = estimate_pension(person(2, D(1970, 1, 1)), today=TODAY, spans=spans)
    assert result.retirement == D(2027, 6, 1) and result.eligible
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


def test_allowance_for_years_above_75_percent_depends_on_the_year_of_retirement() -> None:
    # A man born 05/1958 reached 60 in 05/2018 (before the roadmap) and is paid from 06/2018 with
    # 34 years at 8 M. In 2018, 31 years give 75 % (2014 law art. 58): 3 extra years × ½ = 12 M.
    spans = [Span(D(1984, 6, 1), D(2018, 5, 1), 8_000_000)]
    result = estimate_pension(person(1, D(1958, 5, 1)), today=TODAY, spans=spans)
    assert result.retirement == D(2018, 6, 1) and result.age == (60, 0)
    assert result.rate_percent == 75.0 and result.retirement_allowance == 12_000_000


def test_a_lump_sum_decided_before_2016_follows_the_2006_law() -> None:
    # Stopped 12/2013 after 6 years 4 months (09/2007 … 12/2013), average 3 M, asking in 03/2015:
    # 6.5 years × 1.5 months = 9.75 months = 29.25 M (Law 71/2006 art. 56).
    spans = [Span(D(2007, 9, 1), D(2013, 12, 1), 3_000_000)]
    result = estimate_lump_sum(person(1, D(1985, 1, 1)), D(2015, 3, 1), spans=spans)
    assert result.law == "2006" and result.eligible
    assert result.rounded_years == 6.5 and result.amount == 29_250_000
