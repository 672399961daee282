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
