"""Late interest by the rule of the debt's month, and C12 B.5 / B.6, against hand calculations.

Old rule (months before 07/2025): on the 1st of each month from the second after the period,
unpaid principal at the end of the month before × the monthly rate of that year (2025: 0.9666 %
for BHXH/BHTN/BHTNLĐ and 0.9766 % for BHYT, assumed from 2020; 2026: 0.644 % and 1.2334 %).
New rule (from 07/2025): 0.03 % a day from the day after the deadline.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from declarations import c12, c12pdf
from declarations.models import Allocation, Charge, Debt, deadline_of
from declarations.payments import interest_until
from registry.models import Employer, Person

DUE = {"due_bhxh": 10_000_000, "due_bhyt": 1_800_000, "due_bhtn": 800_000, "due_bhtnld": 200_000}


def _debt(period: dt.date) -> Debt:
    return Debt(period=period, deadline=deadline_of(period), **DUE)


def _paid(day: dt.date, **funds: int) -> Allocation:
    return Allocation(kind=Allocation.Kind.PRINCIPAL, day=day, **funds)


def test_old_rule_charges_the_first_of_each_month_from_the_second_month_after() -> None:
    debt = _debt(dt.date(2025, 3, 1))
    assert interest_until(debt, dt.date(2025, 4, 30), []) == {"bhxh": 0, "bhyt": 0, "bhtn": 0, "bhtnld": 0}
    # 1/5/2025: 10,000,000 × 0.9666 % = 96,660; 1,800,000 × 0.9766 % = 17,578.8; 800,000 × 0.9666 % = 7,732.8;
    # 200,000 × 0.9666 % = 1,933.2.
    assert interest_until(debt, dt.date(2025, 5, 1), []) == {"bhxh": 96_660, "bhyt": 17_579, "bhtn": 7_733, "bhtnld": 1_933}
    assert interest_until(debt, dt.date(2025, 5, 31), []) == interest_until(debt, dt.date(2025, 5, 1), [])
    # Half paid on 10/5: on 1/6 the base is the half still owed at the end of May.
    half = _paid(dt.date(2025, 5, 10), bhxh=5_000_000, bhyt=900_000, bhtn=400_000, bhtnld=100_000)
    assert interest_until(debt, dt.date(2025, 6, 1), [half]) == {
        "bhxh": 96_660 + 48_330,
        "bhyt": 17_579 + 8_789,  # 17,578.8 + 8,789.4 = 26,368.2
        "bhtn": 7_733 + 3_866,  # 7,732.8 + 3,866.4 = 11,599.2
        "bhtnld": 1_933 + 967,  # 1,933.2 + 966.6 = 2,899.8
    }


def test_old_rule_takes_the_rate_of_the_year_the_interest_is_computed_in() -> None:
    debt = _debt(dt.date(2025, 6, 1))
    # 1/8 … 1/12/2025 at 0.9666 %, then 1/1/2026 at 0.644 % (BHYT 0.9766 % then 1.2334 %).
    got = interest_until(debt, dt.date(2026, 1, 1), [])
    assert got["bhxh"] == 5 * 96_660 + 64_400
    assert got["bhyt"] == round(5 * 17_578.8 + 22_201.2)
    # Fully paid on 15/12/2025: nothing more on 1/1/2026.
    paid = _paid(dt.date(2025, 12, 15), bhxh=10_000_000, bhyt=1_800_000, bhtn=800_000, bhtnld=200_000)
    assert interest_until(debt, dt.date(2026, 3, 1), [paid])["bhxh"] == 5 * 96_660


def test_months_from_july_2025_bear_three_basis_points_a_day() -> None:
    debt = _debt(dt.date(2025, 7, 1))
    assert debt.deadline == dt.date(2025, 8, 31)
    assert interest_until(debt, dt.date(2025, 8, 31), [])["bhxh"] == 0
    # 10 days after the deadline: 10,000,000 × 0.03 % × 10 = 30,000.
    assert interest_until(debt, dt.date(2025, 9, 10), []) == {"bhxh": 30_000, "bhyt": 5_400, "bhtn": 2_400, "bhtnld": 600}


def _ledger(employer: Employer, months: list[dt.date]) -> dict[dt.date, Debt]:
    """Debts already accrued for these months, so building a C12 writes no charge of its own."""
    return {m: Debt.objects.create(employer=employer, period=m, deadline=deadline_of(m), accrued=True) for m in months}


def _employer() -> Employer:
    employer = Employer.objects.exclude(code="0101234567DNA03").order_by("code").first()
    assert employer is not None
    return employer


@pytest.mark.django_db
def test_c12_of_a_month_before_july_2025_shows_the_monthly_rates_and_the_interest() -> None:
    employer = _employer()
    months = [dt.date(2025, 3, 1), dt.date(2025, 4, 1), dt.date(2025, 5, 1)]
    debts = _ledger(employer, months)
    Debt.objects.filter(pk=debts[months[0]].pk).update(**DUE)
    april = c12.build(employer, months[1], today=dt.date(2025, 5, 20))
    assert april.line("B.5.3").cong == 0 and april.line("B.5.1").cong == 0
    may = c12.build(employer, months[2], today=dt.date(2025, 5, 20))
    assert may.line("B.5.1").funds == {"bhxh": 10_000_000, "bhyt": 1_800_000, "bhtn": 800_000, "bhtnld": 200_000}
    assert may.line("B.5.3").funds == {"bhxh": 96_660, "bhyt": 17_579, "bhtn": 7_733, "bhtnld": 1_933}
    rate = may.line("B.5.2")
    si, hi = "0,9666 %/tháng", "0,9766 %/tháng"
    assert rate.fund_texts == {"bhxh": si, "bhyt": hi, "bhtn": si, "bhtnld": si}
    assert rate.text == "BHXH, BHTN, BHTNLĐ 0,9666 %/tháng; BHYT 0,9766 %/tháng"
    assert rate.cells == ["", si, hi, si, si]
    assert may.line("Đ.2.3").cong == 96_660 + 17_579 + 7_733 + 1_933
    assert may.line("A.3").cong == 0
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(c12pdf.render(may))).pages)
    assert "0,9666 %/tháng" in text and "0,9766 %/tháng" in text and "96.660" in text


@pytest.mark.django_db
def test_c12_with_an_old_and_a_new_debt_late_in_the_same_month_names_both_rates() -> None:
    employer = _employer()
    months = [dt.date(2025, m, 1) for m in range(6, 10)]
    debts = _ledger(employer, months)
    Debt.objects.filter(pk__in=[debts[months[0]].pk, debts[months[1]].pk]).update(**DUE)
    september = c12.build(employer, months[3], today=dt.date(2025, 9, 30))
    # 06/2025 (old rule): 1/8 and 1/9 → September's share is one month at 0.9666 %.
    # 07/2025 (daily): deadline 31/8 → 30 days × 0.03 % in September.
    assert september.line("B.5.3").funds["bhxh"] == 96_660 + 90_000
    assert september.line("B.5.1").funds["bhxh"] == 20_000_000
    rate = september.line("B.5.2")
    assert rate.cells == ["+ 0,03 %/ngày", "0,9666 %/tháng", "0,9766 %/tháng", "0,9666 %/tháng", "0,9666 %/tháng"]
    assert rate.text == "BHXH, BHTN, BHTNLĐ 0,9666 %/tháng; BHYT 0,9766 %/tháng; 0,03 %/ngày"


@pytest.mark.django_db
def test_c12_after_june_2025_keeps_the_daily_rate() -> None:
    employer = _employer()
    months = [dt.date(2025, 7, 1), dt.date(2025, 8, 1), dt.date(2025, 9, 1)]
    debts = _ledger(employer, months)
    Debt.objects.filter(pk=debts[months[0]].pk).update(**DUE)
    september = c12.build(employer, months[2], today=dt.date(2025, 9, 30))
    # Deadline 31/8: all of September late, 30 days × 0.03 % = 0.9 %.
    assert september.line("B.5.3").funds == {"bhxh": 90_000, "bhyt": 16_200, "bhtn": 7_200, "bhtnld": 1_800}
    assert september.line("B.5.1").funds["bhxh"] == 10_000_000
    assert september.line("B.5.2").text == "0,03 %/ngày" and september.line("B.5.2").fund_texts == {}


@pytest.mark.django_db
def test_b6_is_two_percent_of_the_bhxh_wage_fund_before_2016_only() -> None:
    employer = _employer()
    months = [dt.date(2015, 12, 1), dt.date(2016, 1, 1)]
    debts = _ledger(employer, months)
    first, second = Person.objects.order_by("pk")[:2]
    for month in months:
        for person, wage in ((first, 5_000_000), (second, 7_300_000)):
            Charge.objects.create(
                employer=employer,
                person=person,
                month=month,
                debt=debts[month],
                kind=Charge.Kind.REGULAR,
                salary_basis=wage,
                bhxh=wage * 26 // 100,
                bhyt=wage * 45 // 1000,
            )
    december = c12.build(employer, months[0], today=dt.date(2016, 2, 1))
    assert december.line("B.2").funds["bhxh"] == 12_300_000
    # 2 % × 12,300,000 = 246,000, in the BHXH column only.
    assert december.line("B.6").funds == {"bhxh": 246_000, "bhyt": 0, "bhtn": 0, "bhtnld": 0}
    assert december.line("B.6").cong == 246_000
    january = c12.build(employer, months[1], today=dt.date(2016, 2, 1))
    assert january.line("B.2").funds["bhxh"] == 12_300_000
    assert january.line("B.6").cong == 0
