"""The monthly statement C12 of one employer (declarations.md §4.2): sections A–Đ, each line split
BHXH / BHYT / BHTN / BHTNLĐ-BNN / Cộng, from the ledger (charges, debts, payments, allocations).

B.6 "2% bắt buộc để lại": under Law SI 71/2006 art. 92(1)(a) the employer paid 3 % of the wage
fund into the sickness and maternity fund "trong đó người sử dụng lao động giữ lại 2%" to pay those
benefits directly and settle with BHXH each quarter. Law SI 58/2014 art. 86(1)(a), in force
01/01/2016, and Law SI 41/2024 art. 33(1)(a) say only "3% vào quỹ ốm đau và thai sản" (the 2024
text was read in a public law mirror; the 2006 wording is recalled, not retrieved). So the line is
2 % of the BHXH wage fund (B.2) for months before 01/2016 and 0 since: the retention ended with the
2014 law, not the 2024 one. It is shown for the record; the ledger does not net it off B.3.

B.5 uses the rule of each debt's month (declarations.interest): a monthly rate before 07/2025,
0.03 % a day since; B.5.2 names the rates that applied in the statement's month.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from declarations import interest, ledger
from declarations.models import FUNDS, Allocation, Charge, Debt, Payment
from declarations.payments import interest_until
from declarations.validation import add_months, month_text
from registry.models import Employer


@dataclass
class Line:
    stt: str
    label: str
    funds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FUNDS, 0))
    total: int | None = None  # Cộng, when it is not the sum of the funds (head counts, Thừa)
    text: str = ""  # a value that is not an amount (the interest rate)
    fund_texts: dict[str, str] = field(default_factory=dict)  # per fund, when the rate differs by fund
    cong_text: str = ""  # with fund_texts: what goes in the Cộng column (the daily rate beside them)

    @property
    def cong(self) -> int:
        return self.total if self.total is not None else sum(self.funds.values())

    def as_dict(self) -> dict[str, Any]:
        return {"stt": self.stt, "noi_dung": self.label, **self.funds, "cong": self.cong, "text": self.text}

    @property
    def labelled_cells(self) -> list[tuple[str, str]]:
        """(column, value) pairs of `cells`, for the phone layout that names each figure."""
        return list(zip(CELL_COLUMNS, self.cells, strict=True))

    @property
    def cells(self) -> list[str]:
        """Cộng then the four funds, as the page shows them (dots between thousands, blank for zero)."""
        if self.fund_texts:
            return [self.cong_text, *(self.fund_texts.get(f, "") for f in FUNDS)]
        if self.text:
            return [self.text, "", "", "", ""]
        if self.total is not None and not any(self.funds.values()):
            return [dots(self.cong), "", "", "", ""]
        return [dots(v) for v in (self.cong, *(self.funds[f] for f in FUNDS))]


CELL_COLUMNS = ("Cộng", "BHXH", "BHYT", "BHTN", "BHTNLĐ-BNN")


def dots(value: int) -> str:
    """1234567 → "1.234.567"; empty for zero (a blank cell of the form)."""
    return f"{value:,}".replace(",", ".") if value else ""


@dataclass
class Statement:
    employer: Employer
    period: dt.date
    lines: list[Line]

    def as_dict(self) -> dict[str, Any]:
        return {
            "employer_code": self.employer.code,
            "employer_name": self.employer.name,
            "office_code": self.employer.office_id,
            "period": month_text(self.period),
            "lines": [line.as_dict() for line in self.lines],
        }

    def line(self, stt: str) -> Line:
        return next(line for line in self.lines if line.stt == stt)


def _sub(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {f: a[f] - b[f] for f in FUNDS}


def _pos(a: dict[str, int]) -> dict[str, int]:
    return {f: max(v, 0) for f, v in a.items()}


def _regular(debt: Debt | None) -> tuple[dict[str, int], dict[str, int], dict[str, set[int]]]:
    """(amounts, wage fund, workers) per fund of a period's regular charges."""
    amounts, wages = dict.fromkeys(FUNDS, 0), dict.fromkeys(FUNDS, 0)
    people: dict[str, set[int]] = {f: set() for f in FUNDS}
    if debt is None:
        return amounts, wages, people
    for pid, basis, *values in Charge.objects.filter(debt=debt, kind=Charge.Kind.REGULAR).values_list(
        "person_id", "salary_basis", *FUNDS
    ):
        for fund, value in zip(FUNDS, values, strict=True):
            if value:
                amounts[fund] += value
                wages[fund] += basis
                people[fund].add(pid)
    return amounts, wages, people


def build(employer: Employer, period: dt.date, today: dt.date | None = None) -> Statement:
    today = today or timezone.localdate()
    if ledger.ledger_start(employer) is None or period > today.replace(day=1):
        raise Http404
    with transaction.atomic():
        ledger.accrue(employer, period)
    start, end = period, add_months(period, 1) - dt.timedelta(days=1)
    previous_end = start - dt.timedelta(days=1)
    debts = list(Debt.objects.filter(employer=employer, period__lte=period).order_by("period"))
    allocations: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in Allocation.objects.filter(debt__in=debts).select_related("payment"):
        allocations[allocation.debt_id].append(allocation)
    this = next((d for d in debts if d.period == period), None)
    last = next((d for d in debts if d.period == add_months(period, -1)), None)

    def owed(as_of: dt.date, *, before_period: bool) -> tuple[dict[str, int], dict[str, int]]:
        principal, interest = dict.fromkeys(FUNDS, 0), dict.fromkeys(FUNDS, 0)
        for debt in debts:
            if before_period and debt.period >= period:
                continue
            mine = [a for a in allocations[debt.pk] if a.day <= as_of]
            accrued = interest_until(debt, as_of, mine)
            for fund in FUNDS:
                paid = sum(getattr(a, fund) for a in mine if a.kind == Allocation.Kind.PRINCIPAL)
                paid_interest = sum(getattr(a, fund) for a in mine if a.kind == Allocation.Kind.INTEREST)
                principal[fund] += getattr(debt, f"due_{fund}") - paid
                interest[fund] += accrued[fund] - paid_interest
        return principal, interest

    def credit(as_of: dt.date) -> int:
        received = Payment.objects.filter(employer=employer, paid_on__lte=as_of).aggregate(s=Sum("amount"))["s"] or 0
        used = sum(a.total for items in allocations.values() for a in items if a.day <= as_of)
        return max(received - used, 0)

    a_principal, a_interest = owed(previous_end, before_period=True)
    d_principal, d_interest = owed(end, before_period=False)
    amounts, wages, people = _regular(this)
    prev_amounts, prev_wages, prev_people = _regular(last)
    everyone = set().union(*people.values())
    before = set().union(*prev_people.values())

    def heads(sets: dict[str, set[int]], total: set[int]) -> Line:
        return Line("", "", {f: len(sets[f]) for f in FUNDS}, total=len(total))

    adjust_up, adjust_up_old, adjust_down, adjust_down_old = (dict.fromkeys(FUNDS, 0) for _ in range(4))
    if this is not None:
        for month, *values in Charge.objects.filter(debt=this, kind=Charge.Kind.ADJUSTMENT).values_list("month", *FUNDS):
            for fund, value in zip(FUNDS, values, strict=True):
                if value > 0:
                    adjust_up[fund] += value
                    if month.year < period.year:
                        adjust_up_old[fund] += value
                elif value < 0:
                    adjust_down[fund] -= value
                    if month.year < period.year:
                        adjust_down_old[fund] -= value
    accrued_now = dict.fromkeys(FUNDS, 0)
    base_overdue = dict.fromkeys(FUNDS, 0)
    rules_used = {"legacy": False, "daily": False}
    for debt in debts:
        during = interest_until(debt, end, allocations[debt.pk])
        earlier = interest_until(debt, previous_end, allocations[debt.pk])
        for fund in FUNDS:
            accrued_now[fund] += during[fund] - earlier[fund]
        base = interest.base_in_month(debt, start, end, allocations[debt.pk])
        if any(base.values()):
            rules_used["legacy" if interest.legacy(debt) else "daily"] = True
            for fund in FUNDS:
                base_overdue[fund] += base[fund]
    if not any(rules_used.values()):
        rules_used["legacy" if period < interest.DAILY_FROM else "daily"] = True
    rate_line = _rate_line(period, legacy=rules_used["legacy"], daily=rules_used["daily"])
    paid_lines = []
    for payment in Payment.objects.filter(employer=employer, paid_on__gte=start, paid_on__lte=end).order_by("paid_on", "id"):
        paid_lines.append(
            Line(
                "C.1",
                _("+ UNC số %(ref)s, ngày %(day)s") % {"ref": payment.reference, "day": payment.paid_on.strftime("%d/%m/%Y")},
                total=payment.amount,
            )
        )
    d1, d2 = dict.fromkeys(FUNDS, 0), dict.fromkeys(FUNDS, 0)
    for items in allocations.values():
        for allocation in items:
            if start <= allocation.day <= end:
                target = d1 if allocation.kind == Allocation.Kind.PRINCIPAL else d2
                for fund in FUNDS:
                    target[fund] += getattr(allocation, fund)
    credit_before, credit_after = credit(previous_end), credit(end)
    a1 = heads(prev_people, before)
    b1 = heads(people, everyone)
    lines = [
        Line("A", _("Kỳ trước mang sang")),
        Line("A.1", _("Số lao động"), a1.funds, total=a1.total),
        Line("A.2", _("Phải đóng"), _pos(a_principal)),
        Line("A.2.1", _("Thừa"), total=credit_before),
        Line("A.2.2", _("Thiếu"), _pos(a_principal)),
        Line("A.3", _("Thiếu lãi"), _pos(a_interest)),
        Line("B", _("Phát sinh trong kỳ")),
        Line("B.1", _("Số lao động"), b1.funds, total=b1.total),
        Line("B.1.1", _("Tăng"), {f: len(people[f] - prev_people[f]) for f in FUNDS}, total=len(everyone - before)),
        Line("B.1.2", _("Giảm"), {f: len(prev_people[f] - people[f]) for f in FUNDS}, total=len(before - everyone)),
        Line("B.2", _("Quỹ lương"), wages, total=sum(wages.values()) // max(len([f for f in FUNDS if wages[f]]), 1)),
        Line("B.2.1", _("Tăng"), _pos(_sub(wages, prev_wages)), total=0),
        Line("B.2.2", _("Giảm"), _pos(_sub(prev_wages, wages)), total=0),
        Line("B.3", _("Phải đóng"), amounts),
        Line("B.3.1", _("Tăng"), _pos(_sub(amounts, prev_amounts))),
        Line("B.3.2", _("Giảm"), _pos(_sub(prev_amounts, amounts))),
        Line("B.4", _("Điều chỉnh phải đóng kỳ trước")),
        Line("B.4.1", _("Tăng"), adjust_up),
        Line("B.4.1.1", _("Trong đó: năm trước"), adjust_up_old),
        Line("B.4.2", _("Giảm"), adjust_down),
        Line("B.4.2.1", _("Trong đó: năm trước"), adjust_down_old),
        Line("B.4.3", _("Điều chỉnh"), _sub(adjust_up, adjust_down)),
        Line("B.5", _("Lãi")),
        Line("B.5.1", _("Số tiền tính lãi"), base_overdue),
        rate_line,
        Line("B.5.3", _("Tổng tiền lãi"), accrued_now),
        Line("B.6", _("2% bắt buộc để lại"), retained(period, wages)),
        Line("C", _("Số tiền đã nộp trong kỳ"), total=sum(p.cong for p in paid_lines)),
        *paid_lines,
        Line("D", _("Phân bổ tiền đóng"), {f: d1[f] + d2[f] for f in FUNDS}),
        Line("D.1", _("Phải đóng"), d1),
        Line("D.2", _("Tiền lãi"), d2),
        Line("Đ", _("Chuyển kỳ sau")),
        Line("Đ.1", _("Số lao động"), b1.funds, total=b1.total),
        Line("Đ.2", _("Phải đóng"), _pos(d_principal)),
        Line("Đ.2.1", _("Thừa"), total=credit_after),
        Line("Đ.2.2", _("Thiếu"), _pos(d_principal)),
        Line("Đ.2.3", _("Thiếu lãi"), _pos(d_interest)),
    ]
    for line in lines:
        if line.stt in ("A", "B", "B.4", "B.5", "B.6", "Đ") and line.total is None and not any(line.funds.values()):
            line.total = 0
    return Statement(employer, period, lines)


RETENTION_UNTIL = dt.date(2016, 1, 1)


def retained(period: dt.date, wages: dict[str, int]) -> dict[str, int]:
    """B.6: 2 % of the BHXH wage fund kept by the employer, for months before 01/2016 (see above)."""
    out = dict.fromkeys(FUNDS, 0)
    if period < RETENTION_UNTIL:
        out["bhxh"] = (wages["bhxh"] * 2 + 50) // 100  # VND, half up
    return out


def _rate_line(period: dt.date, *, legacy: bool, daily: bool) -> Line:
    """B.5.2: the monthly rates of the statement's year (old rule) and/or 0.03 %/day."""
    parts = []
    fund_texts: dict[str, str] = {}
    if legacy:
        rates = interest.monthly_rates(period.year)
        fund_texts = {f: f"{interest.percent_text(rates[f])} %/tháng" for f in FUNDS}
        parts.append(
            _("BHXH, BHTN, BHTNLĐ %(si)s %%/tháng; BHYT %(hi)s %%/tháng")
            % {"si": interest.percent_text(rates["bhxh"]), "hi": interest.percent_text(rates["bhyt"])}
        )
    if daily:
        parts.append(interest.DAILY_TEXT)
    # Both rules in one month (an old debt and a new one): the monthly rates per fund, the daily
    # rate in the Cộng column.
    cong_text = f"+ {interest.DAILY_TEXT}" if legacy and daily else ""
    return Line("B.5.2", _("Tỷ lệ tính lãi"), text="; ".join(parts), fund_texts=fund_texts, cong_text=cong_text)
