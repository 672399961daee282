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
