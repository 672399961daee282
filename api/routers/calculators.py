"""Public calculators (no login), counted per client address: registry.calculators does the work.

Every answer carries `law` (a stable code), `law_text` and `on` (the date whose rules were used).
A history is sent as `periods` in the query (`2012-08:2017-12:4500000,2018-03::9500000`) or as a
JSON list with POST.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from api.errors import ApiError
from api.schemas import ErrorOut
from registry import calculators as calc
from registry.estimate import Span
from registry.rules import MAX_HOUSEHOLD_MEMBERS
from vssid.clientip import client_ip

router = Router(tags=["calculators"])

ERRORS: dict[int, Any] = {400: ErrorOut, 422: ErrorOut, 429: ErrorOut}
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month(value: str, name: str) -> dt.date:
    match = MONTH.match(value)
    if match and 1 <= int(match.group(2)) <= 12 and 1900 <= int(match.group(1)) <= 2100:
        return dt.date(int(match.group(1)), int(match.group(2)), 1)
    raise ApiError(422, "invalid_input", _("Dữ liệu gửi lên không hợp lệ."), {name: [_("Tháng theo dạng YYYY-MM.")]})


def _start(request: HttpRequest) -> dt.date:
    calc.check_budget(client_ip(request))
    return timezone.localdate()


class BasisOut(Schema):
    law: str = Field(
        ..., description="si_2006, si_2014, si_2024, hi_2014, hi_2024, emp_2013, emp_2025, labour_2019, vol_134, vol_159"
    )
    law_text: str
    on: dt.date = Field(..., description="The date whose rules were applied")


def _basis(basis: calc.Basis) -> dict[str, Any]:
    return {"law": basis.law, "law_text": basis.text, "on": basis.on}


# ---- pension age --------------------------------------------------------------------------


class PensionAgeQuery(Schema):
    sex: int = Field(..., ge=1, le=2, description="1 male, 2 female")
    birth: str = Field(..., max_length=7, description="YYYY-MM", examples=["1966-05"])


class PensionAgeOut(BasisOut):
    age_years: int
    age_months: int
    from_month: str = Field(..., examples=["2027-03"], description="First month of the pension (YYYY-MM)")


@router.get("/calculators/pension-age", response={200: PensionAgeOut, **ERRORS}, summary="Pension age and first pension month")
def pension_age(request: HttpRequest, params: Query[PensionAgeQuery]) -> dict[str, Any]:
    _start(request)
    result = calc.pension_age(params.sex, _month(params.birth, "birth"))
    return {
        "age_years": result.age_years,
        "age_months": result.age_months,
        "from_month": result.from_month.strftime("%Y-%m"),
        **_basis(result.basis),
    }


# ---- voluntary BHXH -----------------------------------------------------------------------


class VoluntaryQuery(Schema):
    income: int = Field(..., ge=0, le=calc.MAX_SALARY, description="Chosen monthly income, VND")
    group: Literal["poor", "near_poor", "other"] = "other"
    months: int = Field(1, ge=1, le=12, description="1, 3, 6 or 12")
    on: dt.date | None = Field(None, description="Payment date (default today)")


class VoluntaryOut(BasisOut):
    income: int
    group: str
    months: int
    monthly_due: int
    monthly_support: int
    due: int
    support: int
    pays: int
    income_min: int
    income_max: int
    support_law: str | None
    support_law_text: str | None


@router.get("/calculators/voluntary", response={200: VoluntaryOut, **ERRORS}, summary="Voluntary BHXH: what to pay")
def voluntary(request: HttpRequest, params: Query[VoluntaryQuery]) -> dict[str, Any]:
    today = _start(request)
    on = calc.check_day(params.on, "on", today)
    r = calc.voluntary(params.income, params.group, params.months, on)
    return {
        "income": r.income,
        "group": r.group,
        "months": r.months,
        "monthly_due": r.monthly_due,
        "monthly_support": r.monthly_support,
        "due": r.due,
        "support": r.support,
        "pays": r.pays,
        "income_min": r.income_min,
        "income_max": r.income_max,
        "support_law": r.support_basis.law if r.support_basis else None,
        "support_law_text": r.support_basis.text if r.support_basis else None,
        **_basis(r.basis),
    }


# ---- household BHYT ---------------------------------------------------------------------------


class HouseholdQuery(Schema):
    members: int = Field(..., ge=1, le=MAX_HOUSEHOLD_MEMBERS)
    on: dt.date | None = None


class HouseholdOut(BasisOut):
    members: list[int] = Field(..., description="Monthly amount of each member, in order")
    base_salary: int
    monthly_total: int
    yearly_total: int


@router.get("/calculators/household-bhyt", response={200: HouseholdOut, **ERRORS}, summary="Household BHYT by member")
def household_bhyt(request: HttpRequest, params: Query[HouseholdQuery]) -> dict[str, Any]:
    today = _start(request)
    r = calc.household_bhyt(params.members, calc.check_day(params.on, "on", today))
    return {
        "members": r.members,
        "base_salary": r.base_salary,
        "monthly_total": r.monthly_total,
        "yearly_total": r.yearly_total,
        **_basis(r.basis),
    }


# ---- what the card pays ------------------------------------------------------------------------


class CardPaysQuery(Schema):
    total: int = Field(..., ge=0, le=calc.MAX_SALARY, description="Cost of the visit, VND")
    level: int = Field(4, ge=1, le=5)
    on: dt.date | None = None
    facility_level: Literal["ban_dau", "co_ban", "chuyen_sau"] = "co_ban"
    registered: bool = Field(True, description="At the registered facility or with a referral")
    inpatient: bool = False
    emergency: bool = False
    five_years: bool = Field(False, description="5 continuous years reached")
    copaid_this_year: int = Field(0, ge=0, le=calc.MAX_SALARY)
    live_area: bool = Field(False, description="Card with K1/K2/K3")


class CardPaysOut(BasisOut):
    total: int
    insurance: int
    patient: int
    percent: float
    rule: str = Field(..., description="level, small_visit, primary_level, year_cap, out_of_network, emergency")
    rule_text: str
    small_visit_threshold: int
    year_cap: int


@router.get("/calculators/card-pays", response={200: CardPaysOut, **ERRORS}, summary="What the BHYT card pays for a visit")
def card_pays(request: HttpRequest, params: Query[CardPaysQuery]) -> dict[str, Any]:
    today = _start(request)
    r = calc.card_pays(
        params.total,
        params.level,
        calc.check_day(params.on, "on", today),
        facility_level=params.facility_level,
        registered=params.registered,
        inpatient=params.inpatient,
        emergency=params.emergency,
        five_years=params.five_years,
        copaid_this_year=params.copaid_this_year,
        live_area=params.live_area,
    )
    return {
        "total": r.total,
        "insurance": r.insurance,
        "patient": r.patient,
        "percent": r.percent,
        "rule": r.rule,
        "rule_text": str(calc.CARD_RULES[r.rule]),
        "small_visit_threshold": r.small_visit_threshold,
        "year_cap": r.year_cap,
        **_basis(r.basis),
    }


# ---- card validity ---------------------------------------------------------------------------------


class CardValidityQuery(Schema):
    paid_on: dt.date
    group: Literal["GD", "other"] = "GD"
    last_valid_to: dt.date | None = Field(None, description="Last day of the previous card, if any")
    continuous_since: dt.date | None = Field(None, description="Start of the unbroken run of BHYT")


class CardValidityOut(BasisOut):
    paid_on: dt.date
    valid_from: dt.date
    waits: bool
    five_year_date: dt.date | None


@router.get(
    "/calculators/card-validity", response={200: CardValidityOut, **ERRORS}, summary="Card valid from, and the 5-year date"
)
def card_validity(request: HttpRequest, params: Query[CardValidityQuery]) -> dict[str, Any]:
    today = _start(request)
    paid_on = calc.check_day(params.paid_on, "paid_on", today)
    r = calc.card_validity(paid_on, params.group, params.last_valid_to, params.continuous_since)
    return {
        "paid_on": r.paid_on,
        "valid_from": r.valid_from,
        "waits": r.waits,
        "five_year_date": r.five_year_date,
        **_basis(r.basis),
    }


# ---- unemployment ----------------------------------------------------------------------------------


class UnemploymentQuery(Schema):
    periods: str = Field(..., max_length=calc.MAX_PERIODS_TEXT, description="BHTN periods, as for the pension")
    contract_end: dt.date
    applied_on: dt.date
    region: int = Field(1, ge=1, le=4)


class UnemploymentOut(BasisOut):
    eligible: bool
    months_in_window: int
    window_months: int
    starts_on: dt.date | None
    monthly_amount: int
    benefit_months: int


@router.get("/calculators/unemployment", response={200: UnemploymentOut, **ERRORS}, summary="Unemployment benefit eligibility")
def unemployment(request: HttpRequest, params: Query[UnemploymentQuery]) -> dict[str, Any]:
    today = _start(request)
    end = calc.check_day(params.contract_end, "contract_end", today)
    applied = calc.check_day(params.applied_on, "applied_on", today)
    r = calc.unemployment(calc.parse_periods(params.periods), end, applied, params.region)
    return {
        "eligible": r.eligible,
        "months_in_window": r.months_in_window,
        "window_months": r.window_months,
        "starts_on": r.starts_on,
        "monthly_amount": r.monthly_amount,
        "benefit_months": r.benefit_months,
        **_basis(r.basis),
    }


# ---- lump sum and pension --------------------------------------------------------------------------


class PeriodJson(Schema):
    from_month: str = Field(..., max_length=7, examples=["2012-08"])
    to_month: str | None = Field(None, max_length=7, description="Empty: still paying")
    salary: int = Field(..., ge=1, le=calc.MAX_SALARY)


class HistoryQuery(Schema):
    sex: int = Field(..., ge=1, le=2, description="1 male, 2 female")
    birth: str = Field(..., max_length=7, description="YYYY-MM")
    periods: str = Field(..., max_length=calc.MAX_PERIODS_TEXT, examples=["2012-08:2017-12:4500000,2018-03::9500000"])


class HistoryJson(Schema):
    sex: int = Field(..., ge=1, le=2, description="1 male, 2 female")
    birth: str = Field(..., max_length=7)
    periods: list[PeriodJson] = Field(..., max_length=calc.MAX_PERIODS)


def _spans(periods: list[PeriodJson]) -> list[Span]:
    return calc.check_periods(
        [
            calc.PeriodIn(
                _month(p.from_month, f"periods.{i}.from_month"),
                _month(p.to_month, f"periods.{i}.to_month") if p.to_month else None,
                p.salary,
            )
            for i, p in enumerate(periods)
        ]
    )


class LumpSumQuery(HistoryQuery):
    on: dt.date | None = Field(None, description="Date of the decision (default today)")


class LumpSumJson(HistoryJson):
    on: dt.date | None = None


class LumpSumOut(BasisOut):
    eligible: bool
    reason: str
    months_before_2014: int
    months_from_2014: int
    average_salary: int
    years_before_2014: int
    years_from_2014: float
    amount: int


def _lump(sex: int, birth: dt.date, spans: list[Span], on: dt.date | None) -> dict[str, Any]:
    today = timezone.localdate()
    r = calc.lump_sum(sex, birth, spans, on or today, today)
    e = r.estimate
    return {
        "eligible": e.eligible,
        "reason": e.reason,
        "months_before_2014": e.contributions.months_before_2014,
        "months_from_2014": e.contributions.months_from_2014,
        "average_salary": e.contributions.average_salary,
        "years_before_2014": e.years_before_2014,
        "years_from_2014": e.years_from_2014,
        "amount": e.amount,
        **_basis(r.basis),
    }


@router.get("/calculators/lump-sum", response={200: LumpSumOut, **ERRORS}, summary="BHXH một lần from a typed history")
def lump_sum(request: HttpRequest, params: Query[LumpSumQuery]) -> dict[str, Any]:
    _start(request)
    return _lump(params.sex, _month(params.birth, "birth"), calc.parse_periods(params.periods), params.on)


@router.post("/calculators/lump-sum", response={200: LumpSumOut, **ERRORS}, summary="BHXH một lần from a JSON history")
def lump_sum_json(request: HttpRequest, body: LumpSumJson) -> dict[str, Any]:
    _start(request)
    return _lump(body.sex, _month(body.birth, "birth"), _spans(body.periods), body.on)


class PensionQuery(HistoryQuery):
    retirement: str | None = Field(None, max_length=7, description="First pension month YYYY-MM (default: at pension age)")
    capacity_loss: int = Field(0, ge=0, le=100, description="Loss of working capacity, %")


class PensionJson(HistoryJson):
    retirement: str | None = Field(None, max_length=7)
    capacity_loss: int = Field(0, ge=0, le=100)


class PensionOut(BasisOut):
    eligible: bool
    reason: str
    retirement: str = Field(..., description="First pension month YYYY-MM")
    age_years: int
    age_months: int
    years: int
    minimum_years: int
    average_salary: int
    rate_percent: float
    months_early: int
    reduction_percent: int
    monthly_amount: int
    minimum_pension: int
    minimum_applied: bool
    revalued: bool = Field(..., description="False: past salaries are not revalued (no coefficients in our data)")
    retirement_allowance: int


def _pension(sex: int, birth: dt.date, spans: list[Span], retirement: str | None, capacity_loss: int) -> dict[str, Any]:
    today = timezone.localdate()
    start = _month(retirement, "retirement") if retirement else None
    r = calc.pension(sex, birth, spans, today, retirement=start, capacity_loss=capacity_loss)
    e = r.estimate
    return {
        "eligible": e.eligible,
        "reason": e.reason,
        "retirement": e.retirement.strftime("%Y-%m"),
        "age_years": e.age[0],
        "age_months": e.age[1],
        "years": e.years,
        "minimum_years": e.minimum_years,
        "average_salary": e.contributions.average_salary,
        "rate_percent": e.rate_percent,
        "months_early": e.months_early,
        "reduction_percent": e.reduction_percent,
        "monthly_amount": e.monthly_amount,
        "minimum_pension": r.minimum_pension,
        "minimum_applied": r.minimum_applied,
        "revalued": r.revalued,
        "retirement_allowance": e.retirement_allowance,
        **_basis(r.basis),
    }


@router.get("/calculators/pension", response={200: PensionOut, **ERRORS}, summary="Monthly pension from a typed history")
def pension(request: HttpRequest, params: Query[PensionQuery]) -> dict[str, Any]:
    _start(request)
    return _pension(
        params.sex, _month(params.birth, "birth"), calc.parse_periods(params.periods), params.retirement, params.capacity_loss
    )


@router.post("/calculators/pension", response={200: PensionOut, **ERRORS}, summary="Monthly pension from a JSON history")
def pension_json(request: HttpRequest, body: PensionJson) -> dict[str, Any]:
    _start(request)
    return _pension(body.sex, _month(body.birth, "birth"), _spans(body.periods), body.retirement, body.capacity_loss)
