"""Late-payment interest (C12 B.5): two rules, chosen by the month the debt is for.

Months from 07/2025 (Law SI 41/2024 art. 40, NĐ 274/2025): 0.03 % a day on the principal still
unpaid, from the day after the deadline (last day of the following month) to the day it is paid.

Months before 07/2025 (Law SI 58/2014 art. 122(3); QĐ 595/QĐ-BHXH art. 37(3) as applied by
CV 1379/BHXH-BT; QĐ 60/2015/QĐ-TTg art. 6(3)) — as found, not read in the decisions themselves:
- interest is computed on the first day of each month i: L_i = P_i × k;
- P_i = what is owed up to the end of month i−1, less the amount that arose in month i−1 (not yet
  30 days late for a monthly payer). For one period m that is: nothing on 1/(m+1), then, from
  1/(m+2) on, its principal still unpaid at the end of the month before;
- k is a monthly rate: for BHXH and BHTN (and BHTNLĐ-BNN, which the C12 capture shows at the BHXH
  rate) 2 × the SI fund's average investment yield of the year before, / 12, announced by BHXH
  Việt Nam in January; for BHYT 2 × the State Bank's 9-month interbank rate of the year before, / 12.
  Sources: hddtvn.com "Cách tính – hạch toán tiền lãi chậm nộp – truy thu BHXH" (formula and
  example; TB 63/TB-BHXH of 08/01/2020), lawnet.vn on QĐ 595 art. 37(3), baonghean.vn on
  CV 420/BHXH-QLT (2016), nvmgroup.com on TB 362/TB-BHXH (2017).
Which rule applies to a month before 07/2025 still unpaid after it is our reading: the old one,
for the whole debt (a C12 of 01/2026 still shows monthly rates in B.5.2, declarations.md §4.2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from declarations.models import FUNDS, Allocation, Debt
from declarations.validation import add_months

DAILY_FROM = dt.date(2025, 7, 1)
PER_DAY = Decimal("0.0003")
DAILY_TEXT = "0,03 %/ngày"

# % per month applied in each calendar year: (BHXH, BHTN, BHTNLĐ-BNN; BHYT).
KNOWN_MONTHLY_RATES: dict[int, tuple[Decimal, Decimal | None]] = {
    # 2015 fund yield 6.39 %/year → 1.065 %/month from 01/01/2016 (CV 420/BHXH-QLT, baonghean.vn).
    # BHYT for 2016 not found.
    2016: (Decimal("1.065"), None),
    # TB 425/TB-BHXH, relayed by TB 362/TB-BHXH of BHXH TP.HCM (nvmgroup.com, 04/2017).
    2017: (Decimal("1.317"), Decimal("0.967")),
    # TB 63/TB-BHXH of 08/01/2020: 2019 yield 5.80 %, interbank 9 months 5.86 %; the guide's worked
    # example rounds 2 × 5.80 / 12 and 2 × 5.86 / 12 down to 0.9666 and 0.9766.
    2020: (Decimal("0.9666"), Decimal("0.9766")),
    # B.5.2 of a real C12 for 01/2026 (declarations.md §4.2): 0.644 for BHXH, BHTN, BHTNLĐ and
    # 1.2334 for BHYT. That these are the 2026 monthly rates is our reading of the capture.
    2026: (Decimal("0.644"), Decimal("1.2334")),
}
# Years with no source: the last known rate before them (or the first known one) is assumed:
# 2018–2019 as 2017, 2021–2025 as 2020, BHYT of 2016 as 2017, years before 2016 as 2016 (as the
# guide does for evasion before 2016), after 2026 as 2026. Add a year's announced rates here.


class _Allocated(Protocol):
    kind: str
    day: dt.date
    bhxh: int
    bhyt: int
    bhtn: int
    bhtnld: int


def legacy(debt: Debt) -> bool:
    return debt.period < DAILY_FROM


def _pick(year: int, column: int) -> Decimal:
    years = sorted(y for y, rates in KNOWN_MONTHLY_RATES.items() if rates[column] is not None)
    earlier = [y for y in years if y <= year]
    rate = KNOWN_MONTHLY_RATES[earlier[-1] if earlier else years[0]][column]
    assert rate is not None  # noqa: S101 - years holds only years with a rate in that column
    return rate


def monthly_rates(year: int) -> dict[str, Decimal]:
    """% per month per fund for interest computed in `year` (the old rule)."""
    si, hi = _pick(year, 0), _pick(year, 1)
    return {"bhxh": si, "bhyt": hi, "bhtn": si, "bhtnld": si}


def percent_text(rate: Decimal) -> str:
    return f"{rate.normalize():f}".replace(".", ",")


def _principal(allocations: Iterable[_Allocated]) -> list[_Allocated]:
    return sorted((a for a in allocations if a.kind == Allocation.Kind.PRINCIPAL), key=lambda a: a.day)


def _unpaid_before(debt: Debt, day: dt.date, principal: list[_Allocated]) -> dict[str, int]:
    """Principal per fund still owed at the end of the day before `day`."""
    out = {f: getattr(debt, f"due_{f}") for f in FUNDS}
    for allocation in principal:
        if allocation.day >= day:
            break
        for fund in FUNDS:
            out[fund] -= getattr(allocation, fund)
    return {f: max(v, 0) for f, v in out.items()}


def legacy_months(debt: Debt, day: dt.date) -> list[dt.date]:
    """The first days on which the old rule charged this debt, up to and including `day`."""
    out = []
    month = add_months(debt.period, 2)
    while month <= day:
        out.append(month)
        month = add_months(month, 1)
    return out


def until(debt: Debt, day: dt.date, allocations: Iterable[_Allocated]) -> dict[str, int]:
    """Interest per fund accrued on `debt` up to and including `day`, by the rule of its month."""
    principal = _principal(allocations)
    accrued = dict.fromkeys(FUNDS, Decimal(0))
    if legacy(debt):
        for month in legacy_months(debt, day):
            base = _unpaid_before(debt, month, principal)
            rates = monthly_rates(month.year)
            for fund in FUNDS:
                accrued[fund] += base[fund] * rates[fund] / 100
        return {f: int(accrued[f].to_integral_value()) for f in FUNDS}
    if day <= debt.deadline:
        return dict.fromkeys(FUNDS, 0)
    unpaid = {f: getattr(debt, f"due_{f}") for f in FUNDS}
    cursor = debt.deadline
    for allocation in principal:
        if allocation.day > day:
            break
        if allocation.day > cursor:
            days = (allocation.day - cursor).days
            for fund in FUNDS:
                accrued[fund] += max(unpaid[fund], 0) * PER_DAY * days
            cursor = allocation.day
        for fund in FUNDS:
            unpaid[fund] -= getattr(allocation, fund)
    if day > cursor:
        days = (day - cursor).days
        for fund in FUNDS:
            accrued[fund] += max(unpaid[fund], 0) * PER_DAY * days
    return {f: int(accrued[f].to_integral_value()) for f in FUNDS}


def base_in_month(debt: Debt, start: dt.date, end: dt.date, allocations: Iterable[_Allocated]) -> dict[str, int]:
    """C12 B.5.1 for one debt and one statement month: the amount interest was computed on.

    The old rule: P_i of the month's first day. The daily rule: the principal that was still unpaid
    at the deadline, when it bore interest during the month.
    """
    principal = _principal(allocations)
    if legacy(debt):
        if start not in legacy_months(debt, end):
            return dict.fromkeys(FUNDS, 0)
        return _unpaid_before(debt, start, principal)
    if debt.deadline >= end:
        return dict.fromkeys(FUNDS, 0)
    during = until(debt, end, principal)
    earlier = until(debt, start - dt.timedelta(days=1), principal)
    if not any(during[f] - earlier[f] for f in FUNDS):
        return dict.fromkeys(FUNDS, 0)
    return _unpaid_before(debt, debt.deadline + dt.timedelta(days=1), principal)
