"""Contribution and benefit rules (domain.md §6–7) as plain functions of dates and amounts.

Amounts are VND integers. Tables are effective-dated: each entry applies from its date until the
next one. Figures before 2020 are the published decrees' values as commonly tabulated; they drive
demo data and estimates, never a payment.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

D = dt.date

# Lương cơ sở (base salary), the "reference level" of the 2024 law; before 2008 it was called the general
# minimum wage ("mức lương tối thiểu chung"). Each step names the decree that set it.
BASE_SALARY: Sequence[tuple[dt.date, int]] = (
    (D(1993, 4, 1), 120_000),  # NĐ 25/CP and 26/CP of 23/05/1993
    (D(1997, 1, 1), 144_000),  # NĐ 06/CP of 21/01/1997
    (D(2000, 1, 1), 180_000),  # NĐ 175/1999/NĐ-CP of 15/12/1999
    (D(2001, 1, 1), 210_000),  # NĐ 77/2000/NĐ-CP of 15/12/2000
    (D(2003, 1, 1), 290_000),  # NĐ 03/2003/NĐ-CP of 15/01/2003
    (D(2005, 10, 1), 350_000),  # NĐ 118/2005/NĐ-CP of 15/09/2005
    (D(2006, 10, 1), 450_000),  # NĐ 94/2006/NĐ-CP of 07/09/2006
    (D(2008, 1, 1), 540_000),  # NĐ 166/2007/NĐ-CP of 16/11/2007
    (D(2009, 5, 1), 650_000),  # NĐ 33/2009/NĐ-CP of 06/04/2009
    (D(2010, 5, 1), 730_000),  # NĐ 28/2010/NĐ-CP of 25/03/2010
    (D(2011, 5, 1), 830_000),  # NĐ 22/2011/NĐ-CP of 04/04/2011
    (D(2012, 5, 1), 1_050_000),  # NĐ 31/2012/NĐ-CP of 12/04/2012
    (D(2013, 7, 1), 1_150_000),  # NĐ 66/2013/NĐ-CP of 27/06/2013
    (D(2016, 5, 1), 1_210_000),  # NĐ 47/2016/NĐ-CP of 26/05/2016
    (D(2017, 7, 1), 1_300_000),  # NĐ 47/2017/NĐ-CP of 24/04/2017
    (D(2018, 7, 1), 1_390_000),  # NĐ 72/2018/NĐ-CP of 15/05/2018
    (D(2019, 7, 1), 1_490_000),  # NĐ 38/2019/NĐ-CP of 09/05/2019
    (D(2023, 7, 1), 1_800_000),  # NĐ 24/2023/NĐ-CP of 14/05/2023
    (D(2024, 7, 1), 2_340_000),  # NĐ 73/2024/NĐ-CP of 30/06/2024
)

# Minimum wage, region I … IV. Until 2007 one general minimum wage applied to everyone (the same steps as
# the base salary above); regional minimum wages for all enterprises start in 2008.
MINIMUM_WAGE: Sequence[tuple[dt.date, tuple[int, int, int, int]]] = (
    (D(1995, 1, 1), (120_000, 120_000, 120_000, 120_000)),  # NĐ 25/CP and 26/CP of 23/05/1993
    (D(1997, 1, 1), (144_000, 144_000, 144_000, 144_000)),  # NĐ 06/CP of 21/01/1997
    (D(2000, 1, 1), (180_000, 180_000, 180_000, 180_000)),  # NĐ 175/1999/NĐ-CP
    (D(2001, 1, 1), (210_000, 210_000, 210_000, 210_000)),  # NĐ 77/2000/NĐ-CP
    (D(2003, 1, 1), (290_000, 290_000, 290_000, 290_000)),  # NĐ 03/2003/NĐ-CP
    (D(2005, 10, 1), (350_000, 350_000, 350_000, 350_000)),  # NĐ 118/2005/NĐ-CP
    (D(2006, 10, 1), (450_000, 450_000, 450_000, 450_000)),  # NĐ 94/2006/NĐ-CP
    (D(2008, 1, 1), (620_000, 580_000, 540_000, 540_000)),  # NĐ 167/2007/NĐ-CP (three regions)
    (D(2009, 1, 1), (800_000, 740_000, 690_000, 650_000)),  # NĐ 110/2008/NĐ-CP
    (D(2010, 1, 1), (980_000, 880_000, 810_000, 730_000)),  # NĐ 97/2009/NĐ-CP
    (D(2011, 1, 1), (1_350_000, 1_200_000, 1_050_000, 830_000)),  # NĐ 108/2010/NĐ-CP
    (D(2011, 10, 1), (2_000_000, 1_780_000, 1_550_000, 1_400_000)),  # NĐ 70/2011/NĐ-CP
    (D(2013, 1, 1), (2_350_000, 2_100_000, 1_800_000, 1_650_000)),  # NĐ 103/2012/NĐ-CP
    (D(2014, 1, 1), (2_700_000, 2_400_000, 2_100_000, 1_900_000)),  # NĐ 182/2013/NĐ-CP
    (D(2015, 1, 1), (3_100_000, 2_750_000, 2_400_000, 2_150_000)),  # NĐ 103/2014/NĐ-CP
    (D(2016, 1, 1), (3_500_000, 3_100_000, 2_700_000, 2_400_000)),  # NĐ 122/2015/NĐ-CP
    (D(2017, 1, 1), (3_750_000, 3_320_000, 2_900_000, 2_580_000)),  # NĐ 153/2016/NĐ-CP
    (D(2018, 1, 1), (3_980_000, 3_530_000, 3_090_000, 2_760_000)),  # NĐ 141/2017/NĐ-CP
    (D(2019, 1, 1), (4_180_000, 3_710_000, 3_250_000, 2_920_000)),  # NĐ 157/2018/NĐ-CP
    (D(2020, 1, 1), (4_420_000, 3_920_000, 3_430_000, 3_070_000)),  # NĐ 90/2019/NĐ-CP
    (D(2022, 7, 1), (4_680_000, 4_160_000, 3_640_000, 3_250_000)),  # NĐ 38/2022/NĐ-CP
    (D(2024, 7, 1), (4_960_000, 4_410_000, 3_860_000, 3_450_000)),  # NĐ 74/2024/NĐ-CP
    (D(2026, 1, 1), (5_310_000, 4_730_000, 4_140_000, 3_700_000)),  # NĐ 293/2025/NĐ-CP
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

LAW_2014_IN_FORCE = D(2016, 1, 1)
ROADMAP_START = 2021  # Labour Code 2019 (45/2019/QH14) in force 01/01/2021


def law_on(day: dt.date) -> str:
    """The social insurance law governing a decision or a pension starting on `day`.

    "2006": Law 71/2006/QH11, decisions before 01/01/2016; "2014": Law 58/2014/QH13, until 30/06/2025;
    "2024": Law 41/2024/QH15, from 01/07/2025 (its art. 141).
    """
    if day < LAW_2014_IN_FORCE:
        return "2006"
    return "2014" if day < LAW_2024_IN_FORCE else "2024"


def pension_age(sex: int, birth: dt.date, *, years_earlier: int = 0) -> tuple[int, int]:
    """Pension age (years, months) in normal working conditions, or `years_earlier` years below it.

    - Reached before 2021: 60 for men, 55 for women (2014 law art. 54(1)(a); 2006 law art. 50).
    - From 2021, Labour Code 2019 art. 169(2) and Decree 135/2020 art. 4 and Appendix I: men 60y3m in
      2021 and 3 months more each year up to 62 (2028), women 55y4m and 4 months more each year up to
      60 (2035). The age is the one of the calendar year in which the person reaches it: a man born
      10/1961 would reach 60y3m in 01/2022, but 2022 asks 60y6m, so he retires at 60y6m in 04/2022.
    - Early retirement on reduced working capacity (Labour Code 2019 art. 169(3), Decree 135/2020
      art. 5 and Appendix II) follows the same roadmap `years_earlier` (5 or 10) years lower.
    """
    old_years = (60 if sex == 1 else 55) - years_earlier
    if month_index(birth) + old_years * 12 < ROADMAP_START * 12:
        return old_years, 0
    base, step, cap = (60 * 12 + 3, 3, 62 * 12) if sex == 1 else (55 * 12 + 4, 4, 60 * 12)
    shift = years_earlier * 12
    for year in range(ROADMAP_START, 2040):
        required = min(base + step * (year - ROADMAP_START), cap) - shift
        if month_index(birth) + required <= year * 12 + 11:
            return divmod(required, 12)
    return divmod(cap - shift, 12)


def years_earlier_allowed(capacity_loss_percent: int) -> int:
    """How many years before the pension age reduced working capacity allows a pension.

    Labour Code 2019 art. 169(3); 2014 law art. 55(1)(a)–(b) as amended by the Labour Code art. 219;
    2024 law art. 65(1)(b)–(c): up to 5 years from 61 % loss of working capacity, up to 10 from 81 %.
    Zero below 61 %. (Before 2021 the 2014 law's floors rose from 51/46 in 2016 to 55/50 in 2020 for
    61–80 %: we use the 2020 floor, so an estimate for a date in 2016–2019 may be stricter than the law.)
    """
    if capacity_loss_percent >= 81:
        return 10
    return 5 if capacity_loss_percent >= 61 else 0


def early_retirement_reduction(months_early: int) -> int:
    """Percentage points taken off the pension rate for retiring `months_early` months before the age.

    2% for each whole year early; an odd part under 6 months takes nothing, 6 to 11 months takes 1%
    (2024 law art. 66(3); 2014 law art. 56(3), as Circular 59/2015/TT-BLĐTBXH reads it in its example 25: a woman
    retiring at 50y1m, 4y11m before 55, loses 4 × 2% + 1% = 9%).
    """
    if months_early <= 0:
        return 0
    years, rest = divmod(months_early, 12)
    return 2 * years + (1 if rest >= 6 else 0)


def pension_minimum_years(retirement: dt.date) -> int:
    """20 years of contributions under the 2006 and 2014 laws, 15 under the 2024 law (from 01/07/2025)."""
    return 15 if retirement >= LAW_2024_IN_FORCE else 20


def pension_rate_percent(sex: int, contribution_months: int, retirement: dt.date) -> float:
    """Share of the average salary basis paid as pension (domain.md §7.4).

    Women: 45% for 15 years, each further year +3% before 2018 (2006 law art. 52; 2014 law art.
    56(1)) and +2% from 2018 (2014 law art. 56(2)(b)). Men: 45% for 15 years before 2018, then for
    16 years in 2018 up to 20 years in 2022 (art. 56(2)(a)), and under the 2024 law (art. 66) 40% for
    15 years plus 1% a year up to 20; each further year adds 2%. Odd months count as half or whole
    years (art. 5(6)); at most 75%. Zero when the person has too few years for a pension at that date.
    """
    if contribution_months // 12 < pension_minimum_years(retirement):
        return 0.0
    years = rounded_years_for_amount(contribution_months)
    if sex == 2:
        rate = 45 + (3 if retirement.year < 2018 else 2) * (years - 15)
    else:
        threshold = 15 if retirement.year < 2018 else {2018: 16, 2019: 17, 2020: 18, 2021: 19}.get(retirement.year, 20)
        rate = 45 + 2 * (years - threshold) if years >= threshold else 40 + (years - 15)
    return float(min(rate, 75))


def monthly_pension(sex: int, contribution_months: int, average_salary: int, retirement: dt.date) -> int:
    return round(average_salary * pension_rate_percent(sex, contribution_months, retirement) / 100)


def years_for_maximum_rate(sex: int, retirement: dt.date) -> int:
    """Years of contributions that reach the 75% rate, beyond which the retirement allowance is paid.

    2006 law art. 54 and 2014 law art. 58 before 2018: 30 years for men, 25 for women. From 2018 (2014
    law art. 58(1) with art. 56(2)): men 31 in 2018, 32 in 2019, 33 in 2020, 34 in 2021, 35 from 2022;
    women 30. The 2024 law (art. 68) keeps 35 and 30.
    """
    if retirement.year < 2018:
        return 30 if sex == 1 else 25
    if sex == 2:
        return 30
    return {2018: 31, 2019: 32, 2020: 33, 2021: 34}.get(retirement.year, 35)


def retirement_allowance(sex: int, contribution_months: int, average_salary: int, retirement: dt.date) -> int:
    """One-off allowance at retirement: ½ month of the average salary basis for each year above those
    that give 75% (2014 law art. 58; 2024 law art. 68), odd months rounded as in art. 5(6)."""
    extra = max(0.0, rounded_years_for_amount(contribution_months) - years_for_maximum_rate(sex, retirement))
    return round(average_salary * 0.5 * extra)


# ---- lump sum --------------------------------------------------------------------------


def lump_sum(months_before_2014: int, months_from_2014: int, average_salary: int, *, on: dt.date | None = None) -> int:
    """BHXH một lần decided on `on` (today's law when not given).

    - 2014 law art. 60(2) and 2024 law art. 70(2): 1.5 months of average salary per year before 2014,
      2 months per year from 2014; odd months of the pre-2014 part move into the later part; under one
      year in total, the contributions themselves (22%) capped at 2 months.
    - 2006 law art. 56 (decisions before 01/01/2016): 1.5 months per year for every year, odd months
      rounded to half or whole years as in the later laws (our reading), no 2-month tier.
    """
    total = months_before_2014 + months_from_2014
    if on is not None and law_on(on) == "2006":
        return round(average_salary * 1.5 * rounded_years_for_amount(total))
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


# ---- voluntary BHXH (calculator) ---------------------------------------------------------

VOLUNTARY_RATE_PER_MILLE = 220  # 22 % into the pension and survivors' fund (2014 law art. 87(1); 2024 law art. 36(1))
VOLUNTARY_SUPPORT_START = D(2018, 1, 1)  # State support starts (2014 law art. 87(1), in force 01/01/2018)
VOLUNTARY_PERIODS = (1, 3, 6, 12)  # months paid at once (2014 law art. 87(2)(a)–(d); 2024 law art. 36(2))

# Chuẩn hộ nghèo khu vực nông thôn (rural poverty line), VND/month: the floor of the voluntary
# income and the base of the State support (NĐ 134/2015 art. 10(1) and 14(1); 2024 law art. 31(1)).
RURAL_POVERTY_LINE: Sequence[tuple[dt.date, int]] = (
    (D(2016, 1, 1), 700_000),  # QĐ 59/2015/QĐ-TTg (2016–2021)
    (D(2022, 1, 1), 1_500_000),  # NĐ 07/2021/NĐ-CP (2022–2025)
)

# State support in per cent of 22 % of the rural poverty line, by group (poor, near-poor, other).
VOLUNTARY_SUPPORT_PERCENT: Sequence[tuple[dt.date, dict[str, int]]] = (
    # NĐ 134/2015/NĐ-CP art. 14(1): 30 % poor, 25 % near-poor, 10 % others, for at most 10 years.
    (VOLUNTARY_SUPPORT_START, {"poor": 30, "near_poor": 25, "other": 10}),
    # NĐ 159/2025/NĐ-CP (from 01/07/2025, detailing 2024 law art. 31(2)): 50 % poor (and island
    # communes), 40 % near-poor, 30 % ethnic minorities, 20 % others. Not checked against the
    # decree's text here: domain.md has no figures for it.
    (LAW_2024_IN_FORCE, {"poor": 50, "near_poor": 40, "ethnic_minority": 30, "other": 20}),
)


def rural_poverty_line_on(day: dt.date) -> int:
    return RURAL_POVERTY_LINE[_on(RURAL_POVERTY_LINE, day)][1]


def voluntary_income_bounds(day: dt.date) -> tuple[int, int]:
    """(lowest, highest) monthly income a voluntary participant may choose on `day`: the rural
    poverty line and 20 × the base salary (NĐ 134/2015 art. 10(1); 2024 law art. 31(1))."""
    return rural_poverty_line_on(day), salary_ceiling_on(day)


def voluntary_support_groups(day: dt.date) -> tuple[str, ...]:
    if day < VOLUNTARY_SUPPORT_START:
        return ("other",)
    return tuple(VOLUNTARY_SUPPORT_PERCENT[_on(VOLUNTARY_SUPPORT_PERCENT, day)][1])


def voluntary_support_per_month(group: str, day: dt.date) -> int:
    """State support per month: the group's per cent of 22 % of the rural poverty line.

    Worked example (NĐ 134/2015 art. 14, poverty line 1,500,000 in 2022): 22 % × 1,500,000 = 330,000;
    poor 30 % = 99,000, near-poor 25 % = 82,500, others 10 % = 33,000.
    """
    if day < VOLUNTARY_SUPPORT_START:
        return 0
    percents = VOLUNTARY_SUPPORT_PERCENT[_on(VOLUNTARY_SUPPORT_PERCENT, day)][1]
    if group not in percents:
        raise ValueError(f"unknown support group {group!r}")
    base = rural_poverty_line_on(day) * VOLUNTARY_RATE_PER_MILLE / 1000
    return round(base * percents[group] / 100)


def voluntary_contribution(income: int, group: str, months: int, day: dt.date) -> tuple[int, int, int]:
    """(22 % of the income, State support, what the person pays) for `months` months paid on `day`.

    Paying 1, 3, 6 or 12 months at once multiplies the monthly amount (2014 law art. 87(2); 2024 law
    art. 36(2)); paying years in advance is discounted by the fund's interest rate, which we do not have.
    """
    low, high = voluntary_income_bounds(day)
    if not low <= income <= high:
        raise ValueError(f"income must be between {low} and {high}")
    if months not in VOLUNTARY_PERIODS:
        raise ValueError("months is 1, 3, 6 or 12")
    due = round(income * VOLUNTARY_RATE_PER_MILLE / 1000) * months
    support = voluntary_support_per_month(group, day) * months
    return due, support, due - support


# ---- household BHYT ----------------------------------------------------------------------

HOUSEHOLD_BHYT_PER_MILLE = 45  # 4.5 % of the base salary (Law HI art. 13(1)(e), NĐ 146/2018 art. 7(1)(e))
HOUSEHOLD_SHARES = (100, 70, 60, 50)  # 1st member, then 2nd, 3rd, 4th; 40 % from the 5th (domain.md §6.2)
HOUSEHOLD_SHARE_FROM_FIFTH = 40
MAX_HOUSEHOLD_MEMBERS = 30


def household_bhyt(members: int, day: dt.date) -> list[int]:
    """Monthly household BHYT of each member in order (Law HI art. 13(1)(e); NĐ 146/2018 art. 7(1)(e)).

    Worked example with the base salary 2,340,000 (from 07/2024): the first member pays 4.5 % =
    105,300 a month; the 2nd 70 % of that = 73,710, the 3rd 60 % = 63,180, the 4th 50 % = 52,650,
    the 5th and later 40 % = 42,120.
    """
    if not 1 <= members <= MAX_HOUSEHOLD_MEMBERS:
        raise ValueError(f"members is 1 to {MAX_HOUSEHOLD_MEMBERS}")
    first = base_salary_on(day) * HOUSEHOLD_BHYT_PER_MILLE / 1000
    shares = [HOUSEHOLD_SHARES[i] if i < len(HOUSEHOLD_SHARES) else HOUSEHOLD_SHARE_FROM_FIFTH for i in range(members)]
    return [round(first * share / 100) for share in shares]


# ---- what the card pays ------------------------------------------------------------------

LEVEL_PERCENT = {1: 100, 2: 100, 3: 95, 4: 80, 5: 100}  # domain.md §3.4 (Law HI art. 22(1))
SMALL_VISIT_PER_MILLE = 150  # a visit below 15 % of the base salary is paid in full (NĐ 146/2018 art. 14(3))
YEAR_COPAY_CAP_MONTHS = 6  # after 5 continuous years, co-payments above 6 × base salary are refunded (art. 22(1)(d))


def small_visit_threshold(day: dt.date) -> int:
    return base_salary_on(day) * SMALL_VISIT_PER_MILLE // 1000


def year_copay_cap(day: dt.date) -> int:
    return YEAR_COPAY_CAP_MONTHS * base_salary_on(day)


def out_of_network_percent(facility_level: str, *, inpatient: bool, day: dt.date, live_area: bool = False) -> int:
    """Share of the normal rate paid without a referral outside the registered facility.

    Law HI art. 22(3) as amended in 2014 (until 30/06/2025): district-level (our "co_ban") 100 %
    (outpatient too, since 2016), provincial inpatient 100 % from 2021, central ("chuyen_sau")
    inpatient 40 %, outpatient 0. From 01/07/2025 (Law 51/2024/QH15 art. 22(4), domain.md §7.6):
    primary 100 %, basic inpatient 100 %, basic outpatient 50–100 % by roadmap (we take the 50 % floor),
    specialised inpatient 40 % (100 % for K1/K2/K3 residents), specialised outpatient 0.
    """
    if facility_level == "ban_dau":
        return 100
    if facility_level == "co_ban":
        return 100 if inpatient or day < LAW_2024_IN_FORCE else 50
    if inpatient:
        return 100 if live_area else 40
    return 0


@dataclass(frozen=True)
class CardPayment:
    insurance: int
    patient: int
    percent: float  # of the total, as paid by the fund
    rule: str  # stable code: level, small_visit, primary_level, year_cap, out_of_network, emergency
    law: str  # "2014" (Law HI as amended in 2014) or "2024" (as amended by Law 51/2024)


def card_pays(
    total: int,
    level: int,
    day: dt.date,
    *,
    facility_level: str = "co_ban",
    registered: bool = True,
    inpatient: bool = False,
    emergency: bool = False,
    five_years: bool = False,
    copaid_this_year: int = 0,
    live_area: bool = False,
) -> CardPayment:
    """What the BHYT fund and the patient pay for one visit of `total` VND (domain.md §3.7, §7.6).

    In network (the registered facility, a referral, an emergency, or a primary-level facility):
    - 100 % at primary level (commune health stations; Law HI art. 22(1)(đ) as amended in 2014);
    - 100 % when the visit costs less than 15 % of the base salary (art. 22(1)(e); NĐ 146/2018
      art. 14(3)). Worked example: 15 % of 2,340,000 is 351,000, so a 250,000 visit in 03/2025 is free;
    - else the card's level (100 / 100 / 95 / 80 / 100 %);
    - after 5 continuous years, the patient's co-payments of the calendar year stop at 6 × the base
      salary (art. 22(1)(d)): 6 × 2,340,000 = 14,040,000 in 2025.
    Out of network: the level's rate times `out_of_network_percent`.
    """
    if total < 0:
        raise ValueError("total must not be negative")
    if level not in LEVEL_PERCENT:
        raise ValueError("level is 1 to 5")
    law = "2024" if day >= LAW_2024_IN_FORCE else "2014"
    in_network = registered or emergency or facility_level == "ban_dau"
    if in_network:
        if facility_level == "ban_dau":
            percent, rule = 100.0, "primary_level"
        elif total < small_visit_threshold(day):
            percent, rule = 100.0, "small_visit"
        else:
            percent, rule = float(LEVEL_PERCENT[level]), "emergency" if emergency and not registered else "level"
    else:
        factor = out_of_network_percent(facility_level, inpatient=inpatient, day=day, live_area=live_area)
        percent, rule = LEVEL_PERCENT[level] * factor / 100, "out_of_network"
    insurance = round(total * percent / 100)
    patient = total - insurance
    if in_network and five_years and patient > 0:
        room = max(0, year_copay_cap(day) - copaid_this_year)
        if patient > room:
            insurance, patient, rule = total - room, room, "year_cap"
    return CardPayment(insurance, patient, round(100 * insurance / total, 2) if total else percent, rule, law)


# ---- card validity -----------------------------------------------------------------------

WAIT_DAYS = 30
WAIT_GROUPS = frozenset({"GD"})  # households and others who pay for themselves (Law HI art. 16(3)(a))
FIVE_YEAR_GAP_MONTHS = 3


def card_valid_from(paid_on: dt.date, group: str, *, first_time_or_gap: bool) -> dt.date:
    """First day of use of a card paid on `paid_on` (Law HI art. 16(3)(a) as amended in 2014).

    A household-group member paying for the first time, or after a break of more than 3 months in
    the financial year, waits 30 days: paid on 10/03/2025 → valid from 09/04/2025. Everyone else's
    card is valid from the day of payment.
    """
    if group in WAIT_GROUPS and first_time_or_gap:
        return paid_on + dt.timedelta(days=WAIT_DAYS)
    return paid_on


def needs_wait(last_valid_to: dt.date | None, paid_on: dt.date) -> bool:
    """First payment, or a break of more than 3 months since the last card ran out."""
    if last_valid_to is None:
        return True
    return month_index(paid_on) - month_index(last_valid_to) > FIVE_YEAR_GAP_MONTHS


def five_year_date(spans: Sequence[tuple[dt.date, dt.date]]) -> dt.date | None:
    """The "đủ 05 năm liên tục" date printed on the card (domain.md §3.7): 5 years after the start of
    the current unbroken run of BHYT months, where a break of at most 3 months does not interrupt
    the run (the gap rule of Law HI art. 22(1)(d) as NĐ 146/2018 applies it, our reading).

    Worked example: BHYT 01/2016–05/2019, a break of 3 months, then 09/2019 onwards: the run starts
    01/2016, so the date is 01/01/2021. With a 4-month break it starts 10/2019: 01/10/2024.
    """
    ordered = sorted((month_index(a), month_index(b)) for a, b in spans)
    if not ordered:
        return None
    start, end = ordered[0]
    for a, b in ordered[1:]:
        if a - end - 1 > FIVE_YEAR_GAP_MONTHS:
            start = a
        end = max(end, b)
    first = month_from_index(start)
    return first.replace(year=first.year + 5)


# ---- unemployment eligibility -------------------------------------------------------------


@dataclass(frozen=True)
class UnemploymentEligibility:
    eligible: bool
    months_in_window: int
    window_months: int
    needed_months: int
    starts_on: dt.date | None  # first day of benefit, for an application on `applied_on`
    law: str  # "2013" (Employment Law 38/2013/QH13) or "2025" (Employment Law 74/2025/QH15)


def _add_working_days(day: dt.date, count: int) -> dt.date:
    while count:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def unemployment_eligibility(
    paid_months: Sequence[dt.date], contract_end: dt.date, applied_on: dt.date, *, seasonal: bool = False
) -> UnemploymentEligibility:
    """12 months of BHTN paid in the 24 months before the contract ended (36 for contracts of 3–12
    months), Employment Law 2013 art. 49(2); Employment Law 2025 art. 38 keeps 12 in 24.

    Start: under the 2013 law the 16th day from a complete application (art. 50(3)), the application
    day being the first: applied on 03/03/2025 → from 18/03/2025. Under the 2025 law (from 01/01/2026)
    the 11th working day (domain.md §7.5): applied on Monday 05/01/2026 → Monday 19/01/2026 (public
    holidays are not known here and not skipped). The application must come within 3 months of the contract's end.
    """
    window = 36 if seasonal and applied_on < EMPLOYMENT_LAW_2025_IN_FORCE else 24
    last = month_index(contract_end)
    months = {month_index(m) for m in paid_months}
    inside = sum(1 for m in months if last - window < m <= last)
    law = "2025" if applied_on >= EMPLOYMENT_LAW_2025_IN_FORCE else "2013"
    in_time = applied_on <= add_months_to_day(contract_end, 3)
    eligible = inside >= 12 and in_time and applied_on >= contract_end
    # The day of the application counts as the first (a weekday under the 2025 law's working days).
    if law == "2025":
        start = _add_working_days(applied_on, 10 if applied_on.weekday() < 5 else 11)
    else:
        start = applied_on + dt.timedelta(days=15)
    return UnemploymentEligibility(eligible, inside, window, 12, start if eligible else None, law)


def add_months_to_day(day: dt.date, months: int) -> dt.date:
    """The same day `months` months later, or the month's last day when it has no such day."""
    first = month_from_index(month_index(day) + months)
    return first.replace(day=min(day.day, calendar.monthrange(first.year, first.month)[1]))


# ---- pension minimum and revaluation -------------------------------------------------------


def minimum_pension(day: dt.date) -> int:
    """The lowest monthly pension of a compulsory participant: the base salary (2014 law art. 56(6);
    the 2024 law keeps this floor while the base salary exists, domain.md §6.2): 2,340,000 from 07/2024.
    Voluntary-only participants have no such floor; the estimate applies it to everyone."""
    return base_salary_on(day)


# Yearly revaluation coefficients of past salary bases (2014 law art. 63(2)–(3), set each year by a
# circular): decision year → {contribution year: coefficient}. None are in our data yet.
REVALUATION: dict[int, dict[int, float]] = {}


def revaluation_coefficient(contribution_year: int, decision_year: int) -> float | None:
    """The coefficient for a salary of `contribution_year` revalued in `decision_year`, or None when our
    data does not have the circular of that year (the estimate then says it is not revalued)."""
    table = REVALUATION.get(decision_year)
    if table is None:
        return None
    return table.get(contribution_year, 1.0)


# ---- rules the demo register follows --------------------------------------------------------

# Pension increases, in ten-thousandths (744 = 7.44 %), from the first day of their month (each decree "điều chỉnh lương
# hưu"). Increases before 2017, and the extra for low pre-1995 pensions of NĐ 42/2023 and NĐ 75/2024,
# are not in this table.
PENSION_INDEXATION: Sequence[tuple[dt.date, int]] = (
    (D(2017, 7, 1), 744),  # NĐ 76/2017/NĐ-CP: +7.44 %
    (D(2018, 7, 1), 692),  # NĐ 88/2018/NĐ-CP: +6.92 %
    (D(2019, 7, 1), 719),  # NĐ 44/2019/NĐ-CP: +7.19 %
    (D(2022, 1, 1), 740),  # NĐ 108/2021/NĐ-CP: +7.4 %
    (D(2023, 7, 1), 1250),  # NĐ 42/2023/NĐ-CP: +12.5 %
    (D(2024, 7, 1), 1500),  # NĐ 75/2024/NĐ-CP: +15 %
)


def pension_steps(amount: int, start: dt.date, until: dt.date) -> list[tuple[dt.date, int]]:
    """The monthly pension decided at `start`, then raised by each decree in force after it up to `until`.

    Worked example: 5,000,000 from 01/2023; +12.5 % from 07/2023 = 5,625,000; +15 % from 07/2024 =
    6,468,750. Amounts are rounded to the dong at each step.
    """
    steps = [(start, amount)]
    for day, per_ten_thousand in PENSION_INDEXATION:
        if start < day <= until:
            amount = round(amount * (10_000 + per_ten_thousand) / 10_000)
            steps.append((day, amount))
    return steps


SOCIAL_ALLOWANCE_NEW_AGE = 75  # 2024 law art. 21(1)(a), from 01/07/2025
SOCIAL_ALLOWANCE_OLD_AGE = 80  # Law on the Elderly 2009 art. 17, NĐ 20/2021 art. 5(5)


def social_allowance_from(birth: dt.date) -> dt.date:
    """First day a person without a pension may receive the monthly social allowance for age (BT):
    80 until 30/06/2025, 75 from 01/07/2025. Worked example: born 10/03/1948, 75 on 10/03/2023 and 80
    on 10/03/2028: from 01/07/2025. Born 10/03/1944: 80 on 10/03/2024, so from then."""
    eighty = _birthday(birth, SOCIAL_ALLOWANCE_OLD_AGE)
    seventy_five = _birthday(birth, SOCIAL_ALLOWANCE_NEW_AGE)
    return min(eighty, max(seventy_five, LAW_2024_IN_FORCE))


def _birthday(birth: dt.date, years: int) -> dt.date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February
        return dt.date(birth.year + years, 3, 1)


def child_card_valid_to(birth: dt.date) -> dt.date:
    """A child's (TE) card runs to 30/09 of the year the child turns 6, when the school year starts and
    the pupil's (HS) card takes over (Law HI art. 16(1) and NĐ 146/2018 art. 16(1)(a), as read for the
    demo register). Born 15/03/2020 → 30/09/2026."""
    return dt.date(birth.year + 6, 9, 30)


def school_card_from(birth: dt.date) -> dt.date:
    """The first HS card starts with the school year of the year the child turns 6 (Education Law 2019
    art. 28(1)(a): grade 1 at 6), the day after the child's card ends. Born 15/03/2020 → 01/10/2026."""
    return dt.date(birth.year + 6, 10, 1)


MATERNITY_LEAVE_MONTHS = 6  # 2014 law art. 34(1); 2024 law art. 53(1)


def maternity_leave_end(start: dt.date) -> dt.date:
    """Last day of 6 whole months of maternity leave from `start`: 10/04/2021 → 09/10/2021;
    31/08/2024 → 27/02/2025 (28/02/2025 is the same day six months on)."""
    return add_months_to_day(start, MATERNITY_LEAVE_MONTHS) - dt.timedelta(days=1)


def bhtn_covers(employer_group: str) -> bool:
    """Civil servants (HC) are outside unemployment insurance: Employment Law 2013 art. 43(1) covers
    employees under labour contracts, not công chức (Law on Cadres and Civil Servants); the 2025 law
    keeps this. Everyone else in an employer's group pays BHTN."""
    return employer_group != "HC"
