"""Contribution and benefit rules against worked examples of the official guidance."""

from __future__ import annotations

import datetime as dt

import pytest

from registry import rules

D = dt.date


def test_base_salary_and_minimum_wage_are_effective_dated() -> None:
    assert rules.base_salary_on(D(2024, 6, 30)) == 1_800_000
    assert rules.base_salary_on(D(2024, 7, 1)) == 2_340_000
    assert rules.minimum_wage_on(D(2025, 12, 31), 1) == 4_960_000
    assert rules.minimum_wage_on(D(2026, 1, 1), 1) == 5_310_000
    assert rules.minimum_wage_on(D(2026, 1, 1), 4) == 3_700_000
    assert rules.salary_ceiling_on(D(2025, 1, 1)) == 46_800_000
    with pytest.raises(ValueError):
        rules.minimum_wage_on(D(2026, 1, 1), 5)
    with pytest.raises(ValueError):
        rules.base_salary_on(D(1980, 1, 1))


def test_contribution_rates_add_up_to_32_percent() -> None:
    salary = 10_000_000
    shares = [rules.contribution(s, salary) for s in ("bhxh", "bhtnld", "bhyt", "bhtn")]
    assert sum(e for e, _ in shares) == 2_150_000  # 21.5 % employer
    assert sum(w for _, w in shares) == 1_050_000  # 10.5 % employee


def test_odd_months_round_to_half_or_whole_years() -> None:
    assert rules.rounded_years_for_amount(24) == 2.0
    assert rules.rounded_years_for_amount(25) == 2.5
    assert rules.rounded_years_for_amount(30) == 2.5
    assert rules.rounded_years_for_amount(31) == 3.0


def test_lump_sum_moves_odd_pre_2014_months_forward() -> None:
    # 8 years 5 months before 2014, 6 years 3 months after, average 10 M:
    # 8 × 1.5 + (6y3m + 5m = 6y8m → 7 years) × 2 = 26 months of salary.
    assert rules.lump_sum(8 * 12 + 5, 6 * 12 + 3, 10_000_000) == 260_000_000


def test_lump_sum_under_one_year_is_the_contributions_capped_at_two_months() -> None:
    assert rules.lump_sum(0, 8, 5_000_000) == 8_800_000  # 22 % × 5 M × 8
    assert rules.lump_sum(0, 11, 20_000_000) == 40_000_000  # capped at 2 months


@pytest.mark.parametrize(
    ("sex", "months", "retirement", "rate"),
    [
        (2, 25 * 12, D(2026, 3, 1), 65.0),  # woman, 25 years: 45 % + 10 × 2 %
        (1, 30 * 12, D(2026, 3, 1), 65.0),  # man, 30 years: 45 % + 10 × 2 %
        (1, 17 * 12, D(2026, 3, 1), 42.0),  # man, 17 years, 2024 law: 40 % + 2 × 1 %
        (1, 17 * 12, D(2024, 3, 1), 0.0),  # the 2014 law needed 20 years
        (2, 35 * 12, D(2026, 3, 1), 75.0),  # capped
        (1, 20 * 12 + 6, D(2026, 3, 1), 46.0),  # 20 years 6 months = 20.5 years
        (1, 20 * 12, D(2020, 3, 1), 49.0),  # 2020: 45 % for men at 18 years, eligible from 20
        (1, 19 * 12, D(2020, 3, 1), 0.0),
        (2, 14 * 12, D(2026, 3, 1), 0.0),
        (2, 22 * 12, D(2017, 6, 1), 66.0),  # before 2018 women gained 3 % a year: 45 + 7 × 3
        (2, 22 * 12, D(2018, 1, 1), 59.0),  # from 2018, 2 %: 45 + 7 × 2
        (2, 30 * 12, D(2016, 6, 1), 75.0),  # 45 + 15 × 3 = 90 → capped
    ],
)
def test_pension_rate(sex: int, months: int, retirement: dt.date, rate: float) -> None:
    assert rules.pension_rate_percent(sex, months, retirement) == rate


def test_pension_age_follows_the_roadmap() -> None:
    assert rules.pension_age(1, D(1965, 1, 15)) == (61, 6)  # reaches 61y6m in July 2026
    assert rules.pension_age(2, D(1969, 1, 1)) == (56, 8)  # 2025: 56y8m (domain.md §7.4)
    assert rules.pension_age(2, D(1970, 5, 1)) == (57, 4)  # 56y8m in 2027 is too young by then
    assert rules.pension_age(1, D(1990, 1, 1)) == (62, 0)
    assert rules.pension_age(2, D(1990, 1, 1)) == (60, 0)


def test_unemployment_benefit_amount_and_duration() -> None:
    # 5 years 3 months of BHTN: 3 months for the first 36, +1 for each further full 12 → 5.
    amount, months = rules.unemployment_benefit([10_000_000] * 6, 63, D(2026, 3, 1))
    assert (amount, months) == (6_000_000, 5)
    assert rules.unemployment_benefit([100_000_000] * 6, 200, D(2026, 3, 1)) == (26_550_000, 12)
    assert rules.unemployment_benefit([8_000_000] * 6, 11, D(2026, 3, 1)) == (0, 0)


def test_sickness_maternity_convalescence() -> None:
    assert rules.sickness_benefit(12_000_000, 4) == 1_500_000  # 75 % × 12 M / 24 × 4
    assert rules.convalescence_benefit(5, D(2025, 1, 1)) == 3_510_000  # 30 % × 2.34 M × 5
    assert rules.maternity_benefit(8_000_000, D(2025, 1, 1)) == 52_680_000  # 6 × 8 M + 2 × 2.34 M


def test_base_salary_and_general_minimum_wage_before_2001() -> None:
    # NĐ 06/CP (1997): 144,000; NĐ 175/1999 (from 01/2000): 180,000; NĐ 77/2000 (2001): 210,000.
    assert rules.base_salary_on(D(1996, 12, 31)) == 120_000
    assert rules.base_salary_on(D(1997, 1, 1)) == 144_000
    assert rules.base_salary_on(D(1999, 12, 31)) == 144_000
    assert rules.base_salary_on(D(2000, 1, 1)) == 180_000
    assert rules.base_salary_on(D(2001, 1, 1)) == 210_000
    # One general minimum wage for every region before 2008 (NĐ 03/2003, 118/2005, 94/2006).
    assert rules.minimum_wage_on(D(1995, 1, 1), 1) == 120_000
    assert rules.minimum_wage_on(D(2003, 1, 1), 4) == 290_000
    assert rules.minimum_wage_on(D(2005, 9, 30), 2) == 290_000
    assert rules.minimum_wage_on(D(2005, 10, 1), 2) == 350_000
    assert rules.minimum_wage_on(D(2006, 10, 1), 3) == 450_000
    assert rules.minimum_wage_on(D(2008, 1, 1), 1) == 620_000  # NĐ 167/2007: regions from 2008
    # Up to 2007 the general minimum wage and the base salary are the same figure.
    for start, _ in rules.BASE_SALARY:
        if D(1995, 1, 1) <= start < D(2008, 1, 1):
            assert rules.minimum_wage_on(start, 1) == rules.base_salary_on(start)


@pytest.mark.parametrize(
    ("sex", "birth", "age"),
    [
        # Reached before 2021: 60 and 55 (2014 law art. 54(1)(a)).
        (1, D(1960, 6, 1), (60, 0)),
        (1, D(1960, 12, 1), (60, 0)),  # 60 in 12/2020
        (2, D(1965, 12, 1), (55, 0)),  # 55 in 12/2020
        # Decree 135/2020 Appendix I, men: born 01/1961 and 09/1961 → 60y3m (in 2021);
        # 10/1961 → 60y3m would fall in 01/2022, when the age is 60y6m.
        (1, D(1961, 1, 1), (60, 3)),
        (1, D(1961, 9, 1), (60, 3)),
        (1, D(1961, 10, 1), (60, 6)),
        # Women: 01/1966 and 08/1966 → 55y4m (2021); 09/1966 → 55y8m (2022).
        (2, D(1966, 1, 1), (55, 4)),
        (2, D(1966, 8, 1), (55, 4)),
        (2, D(1966, 9, 1), (55, 8)),
    ],
)
def test_pension_age_of_decree_135_appendix_i(sex: int, birth: dt.date, age: tuple[int, int]) -> None:
    assert rules.pension_age(sex, birth) == age


def test_early_pension_age_follows_the_roadmap_five_or_ten_years_lower() -> None:
    # Decree 135/2020 Appendix II: men 55y3m in 2021, women 50y4m; end points 57 and 55.
    assert rules.pension_age(1, D(1966, 1, 1), years_earlier=5) == (55, 3)
    assert rules.pension_age(2, D(1971, 1, 1), years_earlier=5) == (50, 4)
    assert rules.pension_age(1, D(1990, 1, 1), years_earlier=5) == (57, 0)
    assert rules.pension_age(2, D(1990, 1, 1), years_earlier=10) == (50, 0)
    assert rules.pension_age(1, D(1965, 6, 1), years_earlier=5) == (55, 0)  # reached 55 in 06/2020
    assert [rules.years_earlier_allowed(p) for p in (0, 60, 61, 80, 81, 100)] == [0, 0, 5, 5, 10, 10]


def test_early_retirement_reduction_of_circular_59_example_25() -> None:
    # Bà K, 61 % loss, retires in 01/2019 at 50y1m: 4 years 11 months before 55 → 4 × 2 % + 1 % = 9 %;
    # 28 years: 45 % + 13 × 2 % = 71 %, paid 71 − 9 = 62 %.
    assert rules.early_retirement_reduction(4 * 12 + 11) == 9
    assert rules.pension_rate_percent(2, 28 * 12, D(2019, 1, 1)) - rules.early_retirement_reduction(59) == 62.0
    assert rules.early_retirement_reduction(5) == 0  # under 6 months: nothing
    assert rules.early_retirement_reduction(6) == 1
    assert rules.early_retirement_reduction(24) == 4
    assert rules.early_retirement_reduction(0) == 0


@pytest.mark.parametrize(
    ("sex", "year", "years"),
    [
        (1, 2017, 30),
        (1, 2018, 31),
        (1, 2019, 32),
        (1, 2020, 33),
        (1, 2021, 34),
        (1, 2022, 35),
        (1, 2026, 35),
        (2, 2015, 25),
        (2, 2017, 25),
        (2, 2018, 30),
        (2, 2026, 30),
    ],
)
def test_years_that_reach_75_percent_by_year_of_retirement(sex: int, year: int, years: int) -> None:
    # 2014 law art. 58 with art. 56(2): a man retiring in 2019 needs 17 years for 45 % and
    # 15 more at 2 % to reach 75 %: 32.
    assert rules.years_for_maximum_rate(sex, D(year, 6, 1)) == years


def test_retirement_allowance_depends_on_the_year() -> None:
    # A man with 34 years 3 months, average 10 M. Retiring in 2017: 34.5 − 30 = 4.5 years × ½ = 2.25
    # months = 22.5 M. In 2020: 34.5 − 33 = 1.5 years → 7.5 M. In 2023: below 35, nothing.
    months = 34 * 12 + 3
    assert rules.retirement_allowance(1, months, 10_000_000, D(2017, 3, 1)) == 22_500_000
    assert rules.retirement_allowance(1, months, 10_000_000, D(2020, 3, 1)) == 7_500_000
    assert rules.retirement_allowance(1, months, 10_000_000, D(2023, 3, 1)) == 0
    # A woman with 28 years in 2017: 28 − 25 = 3 years → 1.5 months = 15 M; in 2018 nothing.
    assert rules.retirement_allowance(2, 28 * 12, 10_000_000, D(2017, 3, 1)) == 15_000_000
    assert rules.retirement_allowance(2, 28 * 12, 10_000_000, D(2018, 3, 1)) == 0


def test_which_law_a_date_falls_under() -> None:
    assert rules.law_on(D(2015, 12, 31)) == "2006"
    assert rules.law_on(D(2016, 1, 1)) == "2014"
    assert rules.law_on(D(2025, 6, 30)) == "2014"
    assert rules.law_on(D(2025, 7, 1)) == "2024"


def test_lump_sum_under_the_2006_law_is_one_and_a_half_months_for_every_year() -> None:
    # Decided in 2015: 8 years 5 months before 2014 and 1 year 3 months after = 9 years 8 months → 10
    # years × 1.5 = 15 months of 4 M = 60 M (the 2014 law, from 2016, would give 8 × 1.5 + 2 × 2 = 16).
    assert rules.lump_sum(8 * 12 + 5, 15, 4_000_000, on=D(2015, 6, 1)) == 60_000_000
    assert rules.lump_sum(8 * 12 + 5, 15, 4_000_000, on=D(2016, 6, 1)) == 64_000_000
    # 4 months under the 2006 law: half a year × 1.5 = 0.75 month = 3 M.
    assert rules.lump_sum(4, 0, 4_000_000, on=D(2012, 1, 1)) == 3_000_000
