"""The calculators' rules against worked examples written out by hand from the texts they cite.

No database: the rules are plain functions of dates and amounts.
"""

from __future__ import annotations

import datetime as dt

import pytest

from registry import rules

D = dt.date


# ---- voluntary BHXH: NĐ 134/2015 art. 10 and 14; NĐ 159/2025; 2014 law art. 87 ----------------


def test_voluntary_income_bounds_2025() -> None:
    # Rural poverty line 1,500,000 (NĐ 07/2021); ceiling 20 × 2,340,000 = 46,800,000.
    assert rules.voluntary_income_bounds(D(2025, 3, 1)) == (1_500_000, 46_800_000)
    # 2021: poverty line 700,000 (QĐ 59/2015), base salary 1,490,000 → 29,800,000.
    assert rules.voluntary_income_bounds(D(2021, 6, 1)) == (700_000, 29_800_000)


@pytest.mark.parametrize(
    ("group", "day", "support"),
    [
        # NĐ 134/2015 art. 14: 22 % × 1,500,000 = 330,000; 30 % = 99,000; 25 % = 82,500; 10 % = 33,000.
        ("poor", D(2025, 6, 30), 99_000),
        ("near_poor", D(2025, 6, 30), 82_500),
        ("other", D(2025, 6, 30), 33_000),
        # 2018–2021: 22 % × 700,000 = 154,000; 30 % = 46,200; 25 % = 38,500; 10 % = 15,400.
        ("poor", D(2018, 1, 1), 46_200),
        ("near_poor", D(2020, 5, 1), 38_500),
        ("other", D(2021, 12, 31), 15_400),
        # NĐ 159/2025 from 01/07/2025: 50 % = 165,000; 40 % = 132,000; 20 % = 66,000.
        ("poor", D(2025, 7, 1), 165_000),
        ("near_poor", D(2025, 7, 1), 132_000),
        ("other", D(2025, 7, 1), 66_000),
        # No State support before 2018 (2014 law art. 87(1) in force 01/01/2018).
        ("poor", D(2017, 12, 31), 0),
    ],
)
def test_voluntary_support(group: str, day: dt.date, support: int) -> None:
    assert rules.voluntary_support_per_month(group, day) == support


def test_voluntary_contribution_quarterly_for_a_near_poor_person() -> None:
    # Income 2,000,000 in 08/2025, paid for 3 months: 22 % = 440,000 a month, 1,320,000 for three;
    # support 132,000 × 3 = 396,000; the person pays 924,000.
    assert rules.voluntary_contribution(2_000_000, "near_poor", 3, D(2025, 8, 1)) == (1_320_000, 396_000, 924_000)


@pytest.mark.parametrize(("income", "months"), [(1_499_999, 1), (46_800_001, 1), (2_000_000, 2), (2_000_000, 24)])
def test_voluntary_contribution_refuses_out_of_range(income: int, months: int) -> None:
    with pytest.raises(ValueError):
        rules.voluntary_contribution(income, "other", months, D(2025, 8, 1))


# ---- household BHYT: Law HI art. 13(1)(e), NĐ 146/2018 art. 7(1)(e) -----------------------


def test_household_bhyt_five_members_2025() -> None:
    # 4.5 % × 2,340,000 = 105,300; then 70 % = 73,710, 60 % = 63,180, 50 % = 52,650, 40 % = 42,120.
    assert rules.household_bhyt(5, D(2025, 1, 1)) == [105_300, 73_710, 63_180, 52_650, 42_120]


def test_household_bhyt_2023_first_member() -> None:
    # From 07/2023 the base salary was 1,800,000: 4.5 % = 81,000 a month, 972,000 a year.
    assert rules.household_bhyt(1, D(2024, 1, 1)) == [81_000]
    assert 12 * rules.household_bhyt(1, D(2024, 1, 1))[0] == 972_000


@pytest.mark.parametrize("members", [0, 31])
def test_household_bhyt_refuses_bad_sizes(members: int) -> None:
    with pytest.raises(ValueError):
        rules.household_bhyt(members, D(2025, 1, 1))


# ---- what the card pays: Law HI art. 22 ----------------------------------------------------


def test_binhs_small_visit_of_17_march_2025_is_paid_in_full() -> None:
    # 15 % × 2,340,000 = 351,000 > 250,000: the fund pays all of it (NĐ 146/2018 art. 14(3)).
    paid = rules.card_pays(250_000, 4, D(2025, 3, 17))
    assert (paid.insurance, paid.patient, paid.rule, paid.law) == (250_000, 0, "small_visit", "2014")


def test_level_4_pays_80_percent_above_the_threshold() -> None:
    # 420,000 ≥ 351,000: 80 % = 336,000, the patient 84,000.
    paid = rules.card_pays(420_000, 4, D(2025, 3, 17))
    assert (paid.insurance, paid.patient, paid.rule) == (336_000, 84_000, "level")
    # In 2023 (base 1,490,000 until 30/06/2023) the threshold was 223,500: 250,000 is co-paid 20 %.
    assert rules.card_pays(250_000, 4, D(2023, 3, 1)).patient == 50_000


def test_pensioner_level_3_pays_95_percent() -> None:
    paid = rules.card_pays(1_000_000, 3, D(2025, 9, 1))
    assert (paid.insurance, paid.patient, paid.law) == (950_000, 50_000, "2024")


def test_commune_health_station_pays_in_full_whatever_the_cost() -> None:
    paid = rules.card_pays(900_000, 4, D(2025, 9, 1), facility_level="ban_dau", registered=False)
    assert (paid.insurance, paid.patient, paid.rule) == (900_000, 0, "primary_level")


def test_year_cap_after_five_years() -> None:
    # 6 × 2,340,000 = 14,040,000. Already co-paid 13,900,000 this year; a 2,000,000 stay at 80 % would
    # cost 400,000, but only 140,000 remain below the cap: the fund pays 1,860,000.
    paid = rules.card_pays(2_000_000, 4, D(2025, 10, 1), inpatient=True, five_years=True, copaid_this_year=13_900_000)
    assert (paid.insurance, paid.patient, paid.rule) == (1_860_000, 140_000, "year_cap")
    # Without the 5 years, the full 20 %.
    assert rules.card_pays(2_000_000, 4, D(2025, 10, 1), inpatient=True, copaid_this_year=13_900_000).patient == 400_000


def test_out_of_network_specialised_inpatient_40_percent() -> None:
    # 10,000,000 stay at a specialised hospital without referral, level 4: 80 % × 40 % = 32 % = 3,200,000.
    paid = rules.card_pays(10_000_000, 4, D(2025, 10, 1), facility_level="chuyen_sau", registered=False, inpatient=True)
    assert (paid.insurance, paid.patient, paid.rule) == (3_200_000, 6_800_000, "out_of_network")
    # Outpatient there without referral: nothing; a K2 resident's stay: full 80 %.
    assert rules.card_pays(500_000, 4, D(2025, 10, 1), facility_level="chuyen_sau", registered=False).insurance == 0
    k2 = rules.card_pays(
        10_000_000, 4, D(2025, 10, 1), facility_level="chuyen_sau", registered=False, inpatient=True, live_area=True
    )
    assert k2.insurance == 8_000_000


def test_emergency_is_in_network_anywhere() -> None:
    paid = rules.card_pays(5_000_000, 4, D(2025, 10, 1), facility_level="chuyen_sau", registered=False, emergency=True)
    assert (paid.insurance, paid.rule) == (4_000_000, "emergency")


# ---- card validity: Law HI art. 16(3)(a); domain.md §3.7 ----------------------------------------


def test_thirty_day_wait_for_a_first_household_card() -> None:
    # Paid 10/03/2025: 30 days later is 09/04/2025.
    assert rules.card_valid_from(D(2025, 3, 10), "GD", first_time_or_gap=True) == D(2025, 4, 9)
    assert rules.card_valid_from(D(2025, 3, 10), "GD", first_time_or_gap=False) == D(2025, 3, 10)
    assert rules.card_valid_from(D(2025, 3, 10), "DN", first_time_or_gap=True) == D(2025, 3, 10)


def test_gap_of_more_than_three_months_restarts_the_wait() -> None:
    assert rules.needs_wait(None, D(2025, 3, 10))
    assert not rules.needs_wait(D(2024, 12, 31), D(2025, 3, 10))  # 3 months after 12/2024
    assert rules.needs_wait(D(2024, 11, 30), D(2025, 3, 10))  # 4 months


def test_five_year_date() -> None:
    three = [(D(2016, 1, 1), D(2019, 5, 1)), (D(2019, 9, 1), D(2026, 1, 1))]  # June–August missing: 3 months
    assert rules.five_year_date(three) == D(2021, 1, 1)
    four = [(D(2016, 1, 1), D(2019, 5, 1)), (D(2019, 10, 1), D(2026, 1, 1))]  # June–September: 4 months
    assert rules.five_year_date(four) == D(2024, 10, 1)
    assert rules.five_year_date([]) is None


# ---- unemployment: Employment Law 2013 art. 49–50; 2025 law ------------------------------------


def _months(first: dt.date, count: int) -> list[dt.date]:
    return [rules.month_from_index(rules.month_index(first) + i) for i in range(count)]


def test_twelve_of_the_last_twenty_four_months() -> None:
    # Contract ended 28/02/2025; 12 months paid 03/2024–02/2025: eligible, from the 16th day 18/03/2025.
    result = rules.unemployment_eligibility(_months(D(2024, 3, 1), 12), D(2025, 2, 28), D(2025, 3, 3))
    assert (result.eligible, result.months_in_window, result.starts_on, result.law) == (True, 12, D(2025, 3, 18), "2013")
    # 11 months paid: not eligible.
    short = rules.unemployment_eligibility(_months(D(2024, 4, 1), 11), D(2025, 2, 28), D(2025, 3, 3))
    assert (short.eligible, short.months_in_window, short.starts_on) == (False, 11, None)
    # Months older than 24 do not count: 12 months 01/2022–12/2022 against an end in 02/2025.
    old = rules.unemployment_eligibility(_months(D(2022, 1, 1), 12), D(2025, 2, 28), D(2025, 3, 3))
    assert old.months_in_window == 0 and not old.eligible


def test_start_on_the_eleventh_working_day_from_2026() -> None:
    result = rules.unemployment_eligibility(_months(D(2025, 1, 1), 12), D(2025, 12, 31), D(2026, 1, 5))
    assert (result.eligible, result.starts_on, result.law) == (True, D(2026, 1, 19), "2025")


def test_application_later_than_three_months_is_refused() -> None:
    result = rules.unemployment_eligibility(_months(D(2024, 3, 1), 12), D(2025, 2, 28), D(2025, 6, 1))
    assert not result.eligible


# ---- minimum pension ----------------------------------------------------------------------------


def test_minimum_pension_is_the_base_salary() -> None:
    # 2014 law art. 56(6): the floor is the base salary, 2,340,000 from 07/2024, 1,800,000 from 07/2023.
    assert rules.minimum_pension(D(2025, 1, 1)) == 2_340_000
    assert rules.minimum_pension(D(2024, 1, 1)) == 1_800_000


def test_revaluation_is_reported_missing() -> None:
    assert rules.revaluation_coefficient(2010, 2025) is None


# ---- rules of the demo register ---------------------------------------------------------------


def test_pension_steps_follow_the_decrees() -> None:
    # NĐ 42/2023 +12.5 %: 5,000,000 → 5,625,000; NĐ 75/2024 +15 %: → 6,468,750.
    assert rules.pension_steps(5_000_000, D(2023, 1, 1), D(2026, 1, 1)) == [
        (D(2023, 1, 1), 5_000_000),
        (D(2023, 7, 1), 5_625_000),
        (D(2024, 7, 1), 6_468_750),
    ]
    # A pension starting on the day of an increase is already at the new level: no second step.
    assert rules.pension_steps(3_000_000, D(2024, 7, 1), D(2026, 1, 1)) == [(D(2024, 7, 1), 3_000_000)]
    # From 01/2018, rounding at each step:
    #   07/2018 +6.92 %: 3,000,000 + 207,600 = 3,207,600
    #   07/2019 +7.19 %: 3,207,600 + 230,626.44 = 3,438,226
    #   01/2022 +7.4 %:  3,438,226 + 254,428.72 = 3,692,655
    #   07/2023 +12.5 %: 3,692,655 + 461,581.875 = 4,154,237
    #   07/2024 +15 %:   4,154,237 + 623,135.55 = 4,777,373
    amounts = [a for _, a in rules.pension_steps(3_000_000, D(2018, 1, 1), D(2026, 1, 1))]
    assert amounts == [3_000_000, 3_207_600, 3_438_226, 3_692_655, 4_154_237, 4_777_373]


def test_social_allowance_age() -> None:
    assert rules.social_allowance_from(D(1948, 3, 10)) == D(2025, 7, 1)  # 77 on 01/07/2025
    assert rules.social_allowance_from(D(1944, 3, 10)) == D(2024, 3, 10)  # 80 before the new law
    assert rules.social_allowance_from(D(1951, 9, 2)) == D(2026, 9, 2)  # 75 after it


def test_child_and_school_cards() -> None:
    assert rules.child_card_valid_to(D(2020, 3, 15)) == D(2026, 9, 30)
    assert rules.school_card_from(D(2020, 3, 15)) == D(2026, 10, 1)
    assert rules.child_card_valid_to(D(2019, 12, 31)) == D(2025, 9, 30)


def test_maternity_leave_is_six_whole_months() -> None:
    assert rules.maternity_leave_end(D(2021, 4, 10)) == D(2021, 10, 9)
    assert rules.maternity_leave_end(D(2024, 8, 31)) == D(2025, 2, 27)


def test_civil_servants_pay_no_bhtn() -> None:
    assert not rules.bhtn_covers("HC")
    assert rules.bhtn_covers("DN")
