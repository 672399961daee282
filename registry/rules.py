"""Contribution and benefit rules (domain.md §6–7) as plain functions of dates and amounts.

Amounts are VND integers. Tables are effective-dated: each entry applies from its date until the
next one. Figures before 2020 are the published decrees' values as commonly tabulated; they drive
demo data and estimates, never a payment.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence

D = dt.date

# Lương cơ sở (base salary), the "reference level" of the 2024 law.
BASE_SALARY: Sequence[tuple[dt.date, int]] = (
    (D(1993, 4, 1), 120_000),
    (D(2001, 1, 1), 210_000),
    (D(2003, 1, 1), 290_000),
    (D(2005, 10, 1), 350_000),
    (D(2006, 10, 1), 450_000),
    (D(2008, 1, 1), 540_000),
    (D(2009, 5, 1), 650_000),
    (D(2010, 5, 1), 730_000),
    (D(2011, 5, 1), 830_000),
    (D(2012, 5, 1), 1_050_000),
    (D(2013, 7, 1), 1_150_000),
    (D(2016, 5, 1), 1_210_000),
    (D(2017, 7, 1), 1_300_000),
    (D(2018, 7, 1), 1_390_000),
    (D(2019, 7, 1), 1_490_000),
    (D(2023, 7, 1), 1_800_000),
    (D(2024, 7, 1), 2_340_000),
)

# Regional minimum wage, region I … IV.
MINIMUM_WAGE: Sequence[tuple[dt.date, tuple[int, int, int, int]]] = (
    (D(1995, 1, 1), (144_000, 144_000, 144_000, 144_000)),
    (D(2008, 1, 1), (620_000, 580_000, 540_000, 540_000)),
    (D(2009, 1, 1), (800_000, 740_000, 690_000, 650_000)),
    (D(2010, 1, 1), (980_000, 880_000, 810_000, 730_000)),
    (D(2011, 1, 1), (1_350_000, 1_200_000, 1_050_000, 830_000)),
    (D(2011, 10, 1), (2_000_000, 1_780_000, 1_550_000, 1_400_000)),
    (D(2013, 1, 1), (2_350_000, 2_100_000, 1_800_000, 1_650_000)),
    (D(2014, 1, 1), (2_700_000, 2_400_000, 2_100_000, 1_900_000)),
    (D(2015, 1, 1), (3_100_000, 2_750_000, 2_400_000, 2_150_000)),
    (D(2016, 1, 1), (3_500_000, 3_100_000, 2_700_000, 2_400_000)),
    (D(2017, 1, 1), (3_750_000, 3_320_000, 2_900_000, 2_580_000)),
    (D(2018, 1, 1), (3_980_000, 3_530_000, 3_090_000, 2_760_000)),
    (D(2019, 1, 1), (4_180_000, 3_710_000, 3_250_000, 2_920_000)),
    (D(2020, 1, 1), (4_420_000, 3_920_000, 3_430_000, 3_070_000)),
    (D(2022, 7, 1), (4_680_000, 4_160_000, 3_640_000, 3_250_000)),
    (D(2024, 7, 1), (4_960_000, 4_410_000, 3_860_000, 3_450_000)),
    (D(2026, 1, 1), (5_310_000, 4_730_000, 4_140_000, 3_700_000)),
)

LAW_2024_IN_FORCE = D(2025, 7, 1)
EMPLOYMENT_LAW_2025_IN_FORCE = D(2026, 1, 1)
BHXH_START = D(1995, 1, 1)
BHTN_START = D(2009, 1, 1)
BHTNLD_START = D(2016, 7, 1)

# Compulsory contribution rates in per mille of the salary basis (domain.md §6.2).
RATES_PER_MILLE = {
    "bhxh": (170, 80),  # employer 3% sickness/maternity + 14% pension/survivors; employee 8%
    "bhtnld": (5, 0),
    "bhyt": (30, 15),
    "bhtn": (10, 10),
}


def _on(table: Sequence[tuple[dt.date, object]], day: dt.date) -> int:
    index = bisect.bisect_right([start for start, _ in table], day) - 1
    if index < 0:
        raise ValueError(f"no value in force on {day.isoformat()}")
    return index


def base_salary_on(day: dt.date) -> int:
    return BASE_SALARY[_on(BASE_SALARY, day)][1]


def minimum_wage_on(day: dt.date, region: int = 1) -> int:
    if region not in (1, 2, 3, 4):
        raise ValueError("region is 1 to 4")
    return MINIMUM_WAGE[_on(MINIMUM_WAGE, day)][1][region - 1]


def salary_ceiling_on(day: dt.date) -> int:
    """BHXH/BHYT salary basis is capped at 20 × the base salary (reference level)."""
    return 20 * base_salary_on(day)


def bhtn_salary_ceiling_on(day: dt.date, region: int = 1) -> int:
    return 20 * minimum_wage_on(day, region)


def contribution(scheme: str, salary_basis: int) -> tuple[int, int]:
    """(employer share, employee share) of one month, in VND, rounded to the dong."""
    employer, employee = RATES_PER_MILLE[scheme]
    return round(salary_basis * employer / 1000), round(salary_basis * employee / 1000)


# ---- time in years and months -----------------------------------------------------------


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_from_index(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def years_months(months: int) -> tuple[int, int]:
    return divmod(months, 12)


def rounded_years_for_amount(months: int) -> float:
    """Law SI 2024 art. 5(6): odd 1–6 months count half a year, 7–11 a whole year."""
    years, rest = divmod(months, 12)
    if rest == 0:
        return float(years)
    return years + (0.5 if rest <= 6 else 1.0)


# ---- pension ---------------------------------------------------------------------------


def pension_age(sex: int, birth: dt.date) -> tuple[int, int]:
    """Normal pension age (years, months) under the Labour Code 2019 roadmap.

    From 2021 men gain 3 months a year from 60y3m up to 62 (reached in 2028), women 4 months a
    year from 55y4m up to 60 (2035). Someone reaches pension age in the year they turn that age,
    so we step through the roadmap year by year.
    """
    base_years, base_months, step, cap = (60, 3, 3, 62 * 12) if sex == 1 else (55, 4, 4, 60 * 12)
    for year in range(2021, 2040):
        required = min(base_years * 12 + base_months + step * (year - 2021), cap)
        if birth.year * 12 + birth.month - 1 + required <= year * 12 + 11:
            return divmod(required, 12)
    return divmod(cap, 12)


def pension_minimum_years(retirement: dt.date) -> int:
    """20 years of contributions under the 2014 law, 15 under the 2024 law (from 01/07/2025)."""
    return 15 if retirement >= LAW_2024_IN_FORCE else 20


def pension_rate_percent(sex: int, contribution_months: int, retirement: dt.date) -> float:
    """Share of the average salary basis paid as pension (domain.md §7.4).

    Women: 45% for 15 years, each further year +3% before 2018 and +2% from 2018. Men: 45% for
    20 years (phased in from 16 years in 2018 to 20 in 2022), and under the 2024 law 40% for
    15 years plus 1% a year up to 20; each further year adds 2%. Odd months count as half or
    whole years (art. 5(6)); at most 75%. Zero when the person has too few years for a pension
    at that date.
    """
    if contribution_months // 12 < pension_minimum_years(retirement):
        return 0.0
    years = rounded_years_for_amount(contribution_months)
    if sex == 2:
        # Before 2018 (2006 law, and art. 56(1) of the 2014 law) women gained 3% a year, not 2%.
        rate = 45 + (3 if retirement.year < 2018 else 2) * (years - 15)
    else:
        threshold = 15 if retirement.year < 2018 else {2018: 16, 2019: 17, 2020: 18, 2021: 19}.get(retirement.year, 20)
        rate = 45 + 2 * (years - threshold) if years >= threshold else 40 + (years - 15)
    return float(min(rate, 75))


def monthly_pension(sex: int, contribution_months: int, average_salary: int, retirement: dt.date) -> int:
    return round(average_salary * pension_rate_percent(sex, contribution_months, retirement) / 100)


# ---- lump sum --------------------------------------------------------------------------


def lump_sum(months_before_2014: int, months_from_2014: int, average_salary: int) -> int:
    """BHXH một lần (art. 70 of the 2024 law, art. 60 of the 2014 law).

    1.5 months of average salary per year before 2014, 2 months per year from 2014; odd months of
    the pre-2014 part move into the later part; under one year in total, the contributions
    themselves (22%) capped at 2 months.
    """
    total = months_before_2014 + months_from_2014
    if total < 12:
        return min(round(average_salary * 0.22 * total), 2 * average_salary)
    years_before, odd = divmod(months_before_2014, 12)
    later = rounded_years_for_amount(months_from_2014 + odd)
    return round(average_salary * (1.5 * years_before + 2 * later))


# ---- unemployment ----------------------------------------------------------------------


def unemployment_benefit(
    last_six_salaries: Sequence[int], contribution_months: int, last_month: dt.date, region: int = 1
) -> tuple[int, int]:
    """(monthly amount, months of benefit): 60% of the last 6 months' average, capped at
    5 × regional minimum wage; 3 months for 12–36 months of contributions, +1 per further 12, at
    most 12 (domain.md §7.5)."""
    if contribution_months < 12 or not last_six_salaries:
        return 0, 0
    average = sum(last_six_salaries) / len(last_six_salaries)
    amount = min(round(average * 0.6), 5 * minimum_wage_on(last_month, region))
    months = min(3 + max(0, contribution_months - 36) // 12, 12)
    return amount, months


# ---- sickness, maternity ---------------------------------------------------------------


def sickness_benefit(salary_basis: int, days: int) -> int:
    """75% of the salary basis, per working day (a month counts 24 working days)."""
    return round(salary_basis * 0.75 / 24 * days)


def convalescence_benefit(days: int, day: dt.date) -> int:
    """30% of the reference level per day."""
    return round(base_salary_on(day) * 0.30 * days)


def maternity_benefit(average_salary: int, birth_day: dt.date) -> int:
    """Six months at 100% of the average salary basis plus a one-off 2 × reference level."""
    return 6 * average_salary + 2 * base_salary_on(birth_day)
