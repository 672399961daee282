"""Public calculators (no login): the rules of registry.rules applied to what a citizen types in.

Each answer names the law and the date it used (`Basis`), because the same question has different
answers on either side of 01/07/2025 or 01/01/2026. Inputs are checked here, once, for the web pages
and the API alike: a bad value raises `CalculatorRefused` with the field at fault, in Vietnamese
(English when chosen). Every use is counted per client address (`check_budget`).

Nothing here reads the register: a history is the list of periods the person types in.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import estimate, rules
from registry.models import HealthCard, MedicalVisit, Person
from vssid import ratelimit
from vssid.errors import DomainError
from vssid.ratelimit import Rate

CALCULATOR_BUDGET = Rate("calculator_address", 60, dt.timedelta(minutes=1))
FIRST_DAY = dt.date(1995, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
MAX_PERIODS = 60
MAX_SALARY = 10_000_000_000
MAX_PERIODS_TEXT = 2_000
SUPPORT_GROUPS = ("poor", "near_poor", "other")
FACILITY_LEVELS = ("ban_dau", "co_ban", "chuyen_sau")

# The law of each rule family and date (shown with every result).
LAW_TEXTS = {
    "si_2006": gettext_lazy("Luật BHXH 2006 (71/2006/QH11)"),
    "si_2014": gettext_lazy("Luật BHXH 2014 (58/2014/QH13)"),
    "si_2024": gettext_lazy("Luật BHXH 2024 (41/2024/QH15), từ 01/07/2025"),
    "hi_2014": gettext_lazy("Luật BHYT sửa đổi 2014 (46/2014/QH13), Nghị định 146/2018/NĐ-CP"),
    "hi_2024": gettext_lazy("Luật BHYT sửa đổi 2024 (51/2024/QH15), từ 01/07/2025"),
    "emp_2013": gettext_lazy("Luật Việc làm 2013 (38/2013/QH13)"),
    "emp_2025": gettext_lazy("Luật Việc làm 2025 (74/2025/QH15), từ 01/01/2026"),
    "labour_2019": gettext_lazy("Bộ luật Lao động 2019 điều 169, Nghị định 135/2020/NĐ-CP"),
    "vol_134": gettext_lazy("Nghị định 134/2015/NĐ-CP (hỗ trợ đến 30/06/2025)"),
    "vol_159": gettext_lazy("Nghị định 159/2025/NĐ-CP (hỗ trợ từ 01/07/2025)"),
}


class CalculatorRefused(DomainError):
    """A calculator's input refused (400) or its budget spent (429)."""


@dataclass(frozen=True)
class Basis:
    """The law and the date a result follows, as code and as a sentence."""

    law: str
    on: dt.date

    @property
    def text(self) -> str:
        return str(LAW_TEXTS[self.law])


def check_budget(address: str | None) -> None:
    try:
        ratelimit.take(CALCULATOR_BUDGET, address or "unknown")
    except ratelimit.RateLimited as exc:
        raise CalculatorRefused(
            "too_many_requests",
            _("Bạn đã dùng công cụ tính quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.") % {"minutes": exc.retry_minutes},
            status=429,
        ) from exc


def _refuse(field_name: str, message: str) -> CalculatorRefused:
    return CalculatorRefused("invalid_input", message, fields={field_name: [message]})


def check_day(value: dt.date | None, field_name: str, today: dt.date) -> dt.date:
    day = value or today
    if not FIRST_DAY <= day <= LAST_DAY:
        raise _refuse(field_name, _("Chọn một ngày từ 01/01/1995 đến 31/12/2100."))
    return day


# ---- pension age -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PensionAge:
    age_years: int
    age_months: int
    from_month: dt.date
    basis: Basis


def pension_age(sex: int, birth: dt.date) -> PensionAge:
    """Labour Code 2019 art. 169 and Decree 135/2020 Appendix I; 60/55 for people who reached it before 2021."""
    if sex not in (1, 2):
        raise _refuse("sex", _("Giới tính là 1 (nam) hoặc 2 (nữ)."))
    if not dt.date(1900, 1, 1) <= birth <= dt.date(2100, 12, 1):
        raise _refuse("birth", _("Tháng sinh từ 1900 đến 2100."))
    years, months = rules.pension_age(sex, birth)
    start = estimate.pension_start(sex, birth)
    law = "labour_2019" if start.year >= rules.ROADMAP_START else "si_2014" if start >= rules.LAW_2014_IN_FORCE else "si_2006"
    return PensionAge(years, months, start, Basis(law, start))


# ---- voluntary BHXH ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Voluntary:
    income: int
    group: str
    months: int
    monthly_due: int  # 22 % of the income
    monthly_support: int
    due: int
    support: int
    pays: int
    income_min: int
    income_max: int
    basis: Basis  # the SI law of the date
    support_basis: Basis | None  # the decree of the support (None before 2018)


def voluntary(income: int, group: str, months: int, on: dt.date) -> Voluntary:
    """22 % of the chosen income, minus the State support of the group (registry.rules)."""
    if group not in SUPPORT_GROUPS:
        raise _refuse("group", _("Nhóm là hộ nghèo, hộ cận nghèo hoặc đối tượng khác."))
    if months not in rules.VOLUNTARY_PERIODS:
        raise _refuse("months", _("Phương thức đóng là 1, 3, 6 hoặc 12 tháng."))
    if on < rules.RURAL_POVERTY_LINE[0][0]:
        raise _refuse("on", _("Công cụ tính mức đóng từ 01/01/2016."))
    low, high = rules.voluntary_income_bounds(on)
    if not low <= income <= high:
        raise _refuse(
            "income",
            _("Thu nhập chọn đóng từ %(low)s đến %(high)s đồng/tháng (chuẩn nghèo nông thôn đến 20 lần mức lương cơ sở).")
            % {"low": vnd(low), "high": vnd(high)},
        )
    due, support, pays = rules.voluntary_contribution(income, group, months, on)
    law = "si_2024" if on >= rules.LAW_2024_IN_FORCE else "si_2014"
    support_basis = None
    if on >= rules.VOLUNTARY_SUPPORT_START:
        support_basis = Basis("vol_159" if on >= rules.LAW_2024_IN_FORCE else "vol_134", on)
    return Voluntary(
        income=income,
        group=group,
        months=months,
        monthly_due=due // months,
        monthly_support=support // months,
        due=due,
        support=support,
        pays=pays,
        income_min=low,
        income_max=high,
        basis=Basis(law, on),
        support_basis=support_basis,
    )


# ---- household BHYT --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Household:
    members: list[int]  # per month, in order
    base_salary: int
    monthly_total: int
    yearly_total: int
    basis: Basis


def household_bhyt(members: int, on: dt.date) -> Household:
    if not 1 <= members <= rules.MAX_HOUSEHOLD_MEMBERS:
        raise _refuse("members", _("Số người trong hộ từ 1 đến %(max)d.") % {"max": rules.MAX_HOUSEHOLD_MEMBERS})
    amounts = rules.household_bhyt(members, on)
    total = sum(amounts)
    return Household(amounts, rules.base_salary_on(on), total, 12 * total, Basis(_hi_law(on), on))


def _hi_law(day: dt.date) -> str:
    return "hi_2024" if day >= rules.LAW_2024_IN_FORCE else "hi_2014"


# ---- what the card pays ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CardPays:
    total: int
    insurance: int
    patient: int
    percent: float
    rule: str
    small_visit_threshold: int
    year_cap: int
    basis: Basis


CARD_RULES = {
    "level": gettext_lazy("Quỹ trả theo mức hưởng của thẻ."),
    "small_visit": gettext_lazy("Chi phí một lần khám dưới 15% mức lương cơ sở: quỹ trả 100%."),
    "primary_level": gettext_lazy("Khám tại cơ sở cấp ban đầu (trạm y tế xã…): quỹ trả 100%."),
    "year_cap": gettext_lazy(
        "Đủ 5 năm liên tục và số tiền cùng chi trả trong năm đã vượt 6 tháng lương cơ sở: quỹ trả phần vượt."
    ),
    "out_of_network": gettext_lazy("Khám không đúng nơi đăng ký, không có giấy chuyển: quỹ trả theo tỷ lệ trái tuyến."),
    "emergency": gettext_lazy("Cấp cứu: được hưởng như đúng nơi đăng ký."),
}


def card_pays(
    total: int,
    level: int,
    on: dt.date,
    *,
    facility_level: str = "co_ban",
    registered: bool = True,
    inpatient: bool = False,
    emergency: bool = False,
    five_years: bool = False,
    copaid_this_year: int = 0,
    live_area: bool = False,
) -> CardPays:
    if not 0 <= total <= MAX_SALARY:
        raise _refuse("total", _("Chi phí từ 0 đến 10 tỷ đồng."))
    if level not in rules.LEVEL_PERCENT:
        raise _refuse("level", _("Mức hưởng từ 1 đến 5."))
    if facility_level not in FACILITY_LEVELS:
        raise _refuse("facility_level", _("Cấp cơ sở là ban đầu, cơ bản hoặc chuyên sâu."))
    if not 0 <= copaid_this_year <= MAX_SALARY:
        raise _refuse("copaid_this_year", _("Số tiền đã cùng chi trả từ 0 đến 10 tỷ đồng."))
    paid = rules.card_pays(
        total,
        level,
        on,
        facility_level=facility_level,
        registered=registered,
        inpatient=inpatient,
        emergency=emergency,
        five_years=five_years,
        copaid_this_year=copaid_this_year,
        live_area=live_area,
    )
    return CardPays(
        total,
        paid.insurance,
        paid.patient,
        paid.percent,
        paid.rule,
        rules.small_visit_threshold(on),
        rules.year_copay_cap(on),
        Basis(_hi_law(on), on),
    )


# ---- card validity ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardValidity:
    paid_on: dt.date
    valid_from: dt.date
    waits: bool
    five_year_date: dt.date | None
    basis: Basis


def card_validity(paid_on: dt.date, group: str, last_valid_to: dt.date | None, continuous_since: dt.date | None) -> CardValidity:
    """The 30-day wait (Law HI art. 16(3)(a)) and the 5-year date of a run started `continuous_since`."""
    if group not in ("GD", "other"):
        raise _refuse("group", _("Nhóm là hộ gia đình (GD) hoặc nhóm khác."))
    waits = rules.needs_wait(last_valid_to, paid_on)  # a card still running on `paid_on` is no break
    valid_from = rules.card_valid_from(paid_on, group, first_time_or_gap=waits)
    if continuous_since is not None and continuous_since > paid_on:
        raise _refuse("continuous_since", _("Ngày bắt đầu tham gia liên tục không được sau ngày đóng tiền."))
    # A first card, or one after a break of more than 3 months, starts a new run of 5 years.
    start = paid_on if waits or continuous_since is None else continuous_since
    five = rules.five_year_date([(start, paid_on)])
    return CardValidity(paid_on, valid_from, waits and group == "GD", five, Basis(_hi_law(paid_on), paid_on))


# ---- unemployment ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unemployment:
    eligible: bool
    months_in_window: int
    window_months: int
    starts_on: dt.date | None
    monthly_amount: int
    benefit_months: int
    basis: Basis


def unemployment(periods: list[estimate.Span], contract_end: dt.date, applied_on: dt.date, region: int = 1) -> Unemployment:
    if region not in (1, 2, 3, 4):
        raise _refuse("region", _("Vùng lương tối thiểu từ 1 đến 4."))
    if applied_on < contract_end:
        raise _refuse("applied_on", _("Ngày nộp hồ sơ phải sau ngày chấm dứt hợp đồng."))
    months: dict[int, int] = {}
    last = rules.month_index(contract_end)
    for span in periods:
        end = rules.month_index(span.last) if span.last else last
        for m in range(rules.month_index(span.first), min(end, last) + 1):
            months[m] = months.get(m, 0) + span.salary
    result = rules.unemployment_eligibility([rules.month_from_index(m) for m in months], contract_end, applied_on)
    amount = benefit_months = 0
    if result.eligible:
        last_six = [months[m] for m in sorted(months)[-6:]]
        amount, benefit_months = rules.unemployment_benefit(last_six, len(months), contract_end, region)
    law = "emp_2025" if result.law == "2025" else "emp_2013"
    return Unemployment(
        result.eligible,
        result.months_in_window,
        result.window_months,
        result.starts_on,
        amount,
        benefit_months,
        Basis(law, applied_on),
    )


# ---- histories: lump sum and pension -----------------------------------------------------------------

_PERIOD = re.compile(r"^(\d{4})-(\d{2}):(?:(\d{4})-(\d{2}))?:(\d{1,11})$")


@dataclass(frozen=True)
class PeriodIn:
    first: dt.date
    last: dt.date | None
    salary: int


def parse_periods(text: str) -> list[estimate.Span]:
    """`2012-08:2017-12:4500000,2018-03::9500000`: from month, to month (empty: still paying), salary."""
    if len(text) > MAX_PERIODS_TEXT:
        raise _refuse("periods", _("Quá trình đóng quá dài."))
    items = [item.strip() for item in text.split(",") if item.strip()]
    periods: list[PeriodIn] = []
    for item in items:
        match = _PERIOD.match(item)
        if not match:
            raise _refuse("periods", _("Mỗi giai đoạn viết là YYYY-MM:YYYY-MM:tiền lương, ví dụ 2018-03:2024-12:9500000."))
        y1, m1, y2, m2, salary = match.groups()
        try:
            first = dt.date(int(y1), int(m1), 1)
            last = dt.date(int(y2), int(m2), 1) if y2 else None
        except ValueError as exc:
            raise _refuse("periods", _("Tháng không hợp lệ: %(item)s.") % {"item": item}) from exc
        periods.append(PeriodIn(first, last, int(salary)))
    return check_periods(periods)


def check_periods(periods: list[PeriodIn]) -> list[estimate.Span]:
    if not periods:
        raise _refuse("periods", _("Nhập ít nhất một giai đoạn đóng BHXH."))
    if len(periods) > MAX_PERIODS:
        raise _refuse("periods", _("Tối đa %(max)d giai đoạn.") % {"max": MAX_PERIODS})
    spans = []
    for p in periods:
        first, last = p.first.replace(day=1), p.last.replace(day=1) if p.last else None
        if not FIRST_DAY.replace(year=1960) <= first <= LAST_DAY or (last is not None and not first <= last <= LAST_DAY):
            raise _refuse("periods", _("Mỗi giai đoạn có tháng bắt đầu không sau tháng kết thúc, từ 1960 đến 2100."))
        if not 0 < p.salary <= MAX_SALARY:
            raise _refuse("periods", _("Tiền lương mỗi giai đoạn từ 1 đồng đến 10 tỷ đồng."))
        spans.append(estimate.Span(first, last, p.salary))
    return spans


def _person(sex: int, birth: dt.date) -> Person:
    if sex not in (1, 2):
        raise _refuse("sex", _("Giới tính là 1 (nam) hoặc 2 (nữ)."))
    if not dt.date(1900, 1, 1) <= birth <= dt.date(2100, 12, 1):
        raise _refuse("birth", _("Tháng sinh từ 1900 đến 2100."))
    # Not saved: the estimator reads only the sex and the date of birth of it.
    return Person(sex=sex, birth_year=birth.year, birth_month=birth.month, birth_day=birth.day)


@dataclass(frozen=True)
class LumpSum:
    estimate: estimate.LumpSumEstimate
    basis: Basis


def lump_sum(sex: int, birth: dt.date, spans: list[estimate.Span], on: dt.date, today: dt.date) -> LumpSum:
    person = _person(sex, birth)
    day = check_day(on, "on", today)
    result = estimate.estimate_lump_sum(person, day, spans=spans)
    return LumpSum(result, Basis(f"si_{result.law}", day))


@dataclass(frozen=True)
class Pension:
    estimate: estimate.PensionEstimate
    basis: Basis
    minimum_pension: int
    minimum_applied: bool
    revalued: bool  # the yearly coefficients were applied (False: our data has none for that year)
    notes: list[str] = field(default_factory=list)


def pension(
    sex: int,
    birth: dt.date,
    spans: list[estimate.Span],
    today: dt.date,
    *,
    retirement: dt.date | None = None,
    capacity_loss: int = 0,
) -> Pension:
    person = _person(sex, birth)
    if retirement is not None:
        check_day(retirement, "retirement", today)
    if not 0 <= capacity_loss <= 100:
        raise _refuse("capacity_loss", _("Tỷ lệ suy giảm khả năng lao động từ 0 đến 100%."))
    result = estimate.estimate_pension(person, today=today, retirement=retirement, spans=spans, capacity_loss=capacity_loss)
    floor = rules.minimum_pension(result.retirement)
    revalued = rules.revaluation_coefficient(2000, result.retirement.year) is not None
    return Pension(
        estimate=result,
        basis=Basis(f"si_{result.law}", result.retirement),
        minimum_pension=floor,
        minimum_applied=result.minimum_applied,
        revalued=revalued,
    )


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


# ---- the medical visits page -------------------------------------------------------------------


@dataclass(frozen=True)
class VisitRule:
    """Why a visit cost what it did under the card rules (rules.card_pays), and what the law gives
    when the recorded amounts differ from it."""

    rule: str
    text: str
    law_insurance: int
    law_patient: int
    agrees: bool


def explain_visits(visits: list[MedicalVisit], card: HealthCard | None) -> dict[int, VisitRule]:
    """For each visit of one person (any order), the rule that set its payment, with the person's card
    (level, initial facility, 5-year date). The year's co-payments count in date order, from the
    visits given: pass all the person's visits of a year for the yearly cap to be right."""
    if card is None:
        return {}
    out: dict[int, VisitRule] = {}
    copaid: dict[int, int] = {}
    for visit in sorted(visits, key=lambda v: (v.admitted_at, v.pk)):
        day = timezone.localtime(visit.admitted_at).date()
        paid = rules.card_pays(
            visit.total_cost,
            card.level,
            day,
            facility_level=visit.facility.level,
            registered=visit.facility_id == card.initial_facility_id,
            inpatient=visit.inpatient,
            five_years=card.five_year_date is not None and card.five_year_date <= day,
            copaid_this_year=copaid.get(day.year, 0),
        )
        copaid[day.year] = copaid.get(day.year, 0) + visit.patient_paid
        agrees = (paid.insurance, paid.patient) == (visit.insurance_paid, visit.patient_paid)
        out[visit.pk] = VisitRule(paid.rule, str(CARD_RULES[paid.rule]), paid.insurance, paid.patient, agrees)
    return out


def active_card(person_id: int) -> HealthCard | None:
    return HealthCard.objects.filter(person_id=person_id, status=HealthCard.Status.ACTIVE).first()
