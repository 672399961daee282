"""Public calculator pages (/tinh-toan/…): no login. Forms parse; registry.calculators decides.

Each page shows the law and the date its answer follows. Every computation counts against the
client address (registry.calculators.check_budget): past the budget the page answers 429. Salaries
and dates of birth go in a POST body (pension, unemployment), not the address bar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from citizen.views_estimate import LUMP_SUM_REASONS, PENSION_REASONS
from registry import calculators as calc
from registry.estimate import Span
from vssid import numbers
from vssid.clientip import client_ip

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
MONTH_FORMATS = ["%Y-%m", "%m/%Y", "%Y-%m-%d"]
MONEY = forms.NumberInput(attrs={"inputmode": "numeric", "step": "1000"})
SEX_CHOICES = [("1", _("Nam")), ("2", _("Nữ"))]


def _date(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=DATE, help_text=help_text, error_messages={"invalid": _("Ngày không hợp lệ.")}
    )


def _month(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=MONTH,
        input_formats=MONTH_FORMATS,
        help_text=help_text,
        error_messages={"invalid": _("Tháng theo dạng MM/YYYY.")},
    )


def _money(label: Any, *, required: bool = True, initial: int | None = None, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=required, min_value=0, max_value=calc.MAX_SALARY, widget=MONEY, initial=initial, help_text=help_text
    )


class PensionAgeForm(forms.Form):
    sex = forms.TypedChoiceField(label=_("Giới tính"), choices=SEX_CHOICES, coerce=int, widget=forms.RadioSelect)
    birth = _month(_("Tháng, năm sinh"))


class VoluntaryForm(forms.Form):
    income = _money(_("Thu nhập chọn đóng (đồng/tháng)"), help_text=_("Từ chuẩn nghèo nông thôn đến 20 lần mức lương cơ sở."))
    group = forms.ChoiceField(
        label=_("Bạn thuộc"),
        choices=[("other", _("Đối tượng khác")), ("near_poor", _("Hộ cận nghèo")), ("poor", _("Hộ nghèo"))],
        initial="other",
        required=False,
    )
    months = forms.TypedChoiceField(
        label=_("Phương thức đóng"),
        coerce=int,
        choices=[("1", _("Hằng tháng")), ("3", _("3 tháng một lần")), ("6", _("6 tháng một lần")), ("12", _("12 tháng một lần"))],
        initial="1",
        required=False,
    )
    on = _date(_("Ngày đóng"), help_text=_("Để trống: hôm nay."))


class HouseholdForm(forms.Form):
    members = forms.IntegerField(label=_("Số người trong hộ tham gia BHYT"), min_value=1, max_value=30, initial=1)
    on = _date(_("Ngày đóng"), help_text=_("Để trống: hôm nay."))


class CardPaysForm(forms.Form):
    total = _money(_("Chi phí khám chữa bệnh (đồng)"))
    level = forms.TypedChoiceField(
        label=_("Mức hưởng trên thẻ"),
        coerce=int,
        initial="4",
        required=False,
        choices=[
            ("1", _("1 – 100%")),
            ("2", _("2 – 100%")),
            ("3", _("3 – 95%")),
            ("4", _("4 – 80%")),
            ("5", _("5 – 100%")),
        ],
    )
    facility_level = forms.ChoiceField(
        label=_("Cấp cơ sở khám chữa bệnh"),
        initial="co_ban",
        required=False,
        choices=[
            ("ban_dau", _("Cấp ban đầu (trạm y tế xã, phòng khám)")),
            ("co_ban", _("Cấp cơ bản (bệnh viện đa khoa, trung tâm y tế)")),
            ("chuyen_sau", _("Cấp chuyên sâu (bệnh viện trung ương, chuyên khoa)")),
        ],
    )
    registered = forms.BooleanField(label=_("Đúng nơi đăng ký ban đầu hoặc có giấy chuyển"), required=False, initial=True)
    inpatient = forms.BooleanField(label=_("Điều trị nội trú"), required=False)
    emergency = forms.BooleanField(label=_("Cấp cứu"), required=False)
    five_years = forms.BooleanField(label=_("Đã đủ 5 năm tham gia BHYT liên tục"), required=False)
    copaid_this_year = _money(_("Số tiền đã cùng chi trả trong năm (đồng)"), required=False, initial=0)
    live_area = forms.BooleanField(label=_("Thẻ có mã nơi sinh sống K1, K2 hoặc K3"), required=False)
    on = _date(_("Ngày khám"), help_text=_("Để trống: hôm nay."))


class CardValidityForm(forms.Form):
    paid_on = _date(_("Ngày đóng tiền"), required=True)
    group = forms.ChoiceField(
        label=_("Hình thức tham gia"),
        choices=[("GD", _("BHYT hộ gia đình")), ("other", _("Nhóm khác (người lao động, ngân sách…)"))],
    )
    last_valid_to = _date(_("Thẻ cũ hết hạn ngày"), help_text=_("Để trống nếu đây là lần đầu tham gia."))
    continuous_since = _date(_("Tham gia liên tục từ ngày"), help_text=_("Để trống nếu không rõ."))


class PeriodForm(forms.Form):
    first = _month(_("Từ tháng"), required=False)
    last = _month(_("Đến tháng"), required=False, help_text=_("Để trống nếu vẫn đang đóng."))
    salary = _money(_("Tiền lương đóng (đồng/tháng)"), required=False)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("first") and not data.get("salary"):
            self.add_error("salary", _("Nhập tiền lương của giai đoạn này."))
        if data.get("salary") and not data.get("first"):
            self.add_error("first", _("Nhập tháng bắt đầu của giai đoạn này."))
        return data


Periods = forms.formset_factory(PeriodForm, extra=4, max_num=calc.MAX_PERIODS, absolute_max=calc.MAX_PERIODS, validate_max=True)


class PensionForm(forms.Form):
    sex = forms.TypedChoiceField(label=_("Giới tính"), choices=SEX_CHOICES, coerce=int, widget=forms.RadioSelect)
    birth = _month(_("Tháng, năm sinh"))
    retirement = _month(
        _("Tháng bắt đầu nghỉ hưu"), required=False, help_text=_("Để trống: tháng liền sau tháng đủ tuổi nghỉ hưu.")
    )
    capacity_loss = forms.TypedChoiceField(
        label=_("Suy giảm khả năng lao động"),
        coerce=int,
        required=False,
        choices=[("", _("Không")), ("61", _("Từ 61% đến dưới 81%")), ("81", _("Từ 81% trở lên"))],
    )
    on = _date(_("Ngày tính BHXH một lần"), help_text=_("Để trống: hôm nay."))


class UnemploymentForm(forms.Form):
    contract_end = _date(_("Ngày chấm dứt hợp đồng lao động"), required=True)
    applied_on = _date(_("Ngày nộp hồ sơ"), required=True)
    region = forms.TypedChoiceField(
        label=_("Vùng lương tối thiểu nơi làm việc"),
        coerce=int,
        choices=[(str(n), str(n)) for n in (1, 2, 3, 4)],
        initial="1",
        required=False,
    )


def _spans(periods: Any) -> list[Span]:
    rows = [f.cleaned_data for f in periods if f.cleaned_data.get("first")]
    return calc.check_periods([calc.PeriodIn(r["first"], r["last"], r["salary"]) for r in rows])


def _run(
    request: HttpRequest, form: forms.Form, compute: Callable[[dict[str, Any]], Any], *, extra_valid: bool = True
) -> tuple[Any, int]:
    """Validate, count the use, compute; the service's refusals go next to their fields."""
    if not form.is_bound:
        return None, 200
    if not (form.is_valid() and extra_valid):
        return None, 400
    try:
        calc.check_budget(client_ip(request))
        return compute(form.cleaned_data), 200
    except calc.CalculatorRefused as exc:
        for name, errors in exc.fields.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
        if not exc.fields:
            form.add_error(None, exc.message)
        return None, exc.status


def _render(request: HttpRequest, name: str, context: dict[str, Any], status: int) -> HttpResponse:
    context.setdefault("title", TITLES[name])
    context["name"] = name
    return render(request, f"calculators/{name}.html", {"vnd": numbers.vnd, **context}, status=status)


TITLES = {
    "pension_age": _("Tuổi nghỉ hưu"),
    "voluntary": _("Mức đóng BHXH tự nguyện"),
    "household": _("Mức đóng BHYT hộ gia đình"),
    "card_pays": _("Thẻ BHYT chi trả bao nhiêu"),
    "card_validity": _("Thời điểm thẻ BHYT có giá trị"),
    "unemployment": _("Điều kiện hưởng trợ cấp thất nghiệp"),
    "pension": _("Lương hưu và BHXH một lần"),
}


def _today() -> dt.date:
    return timezone.localdate()


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "calculators/index.html", {"titles": TITLES})


@never_cache
@require_GET
def pension_age(request: HttpRequest) -> HttpResponse:
    form = PensionAgeForm(request.GET or None)
    result, status = _run(request, form, lambda d: calc.pension_age(d["sex"], d["birth"]))
    return _render(request, "pension_age", {"form": form, "result": result}, status)


@never_cache
@require_GET
def voluntary(request: HttpRequest) -> HttpResponse:
    form = VoluntaryForm(request.GET or None)
    result, status = _run(
        request,
        form,
        lambda d: calc.voluntary(d["income"], d["group"] or "other", d["months"] or 1, calc.check_day(d["on"], "on", _today())),
    )
    return _render(request, "voluntary", {"form": form, "result": result}, status)


@never_cache
@require_GET
def household(request: HttpRequest) -> HttpResponse:
    form = HouseholdForm(request.GET or None)
    result, status = _run(request, form, lambda d: calc.household_bhyt(d["members"], calc.check_day(d["on"], "on", _today())))
    return _render(request, "household", {"form": form, "result": result}, status)


@never_cache
@require_GET
def card_pays(request: HttpRequest) -> HttpResponse:
    form = CardPaysForm(request.GET or None)
    result, status = _run(
        request,
        form,
        lambda d: calc.card_pays(
            d["total"],
            d["level"] or 4,
            calc.check_day(d["on"], "on", _today()),
            facility_level=d["facility_level"] or "co_ban",
            registered=d["registered"],
            inpatient=d["inpatient"],
            emergency=d["emergency"],
            five_years=d["five_years"],
            copaid_this_year=d["copaid_this_year"] or 0,
            live_area=d["live_area"],
        ),
    )
    rule = str(calc.CARD_RULES[result.rule]) if result else ""
    return _render(request, "card_pays", {"form": form, "result": result, "rule": rule}, status)


@never_cache
@require_GET
def card_validity(request: HttpRequest) -> HttpResponse:
    form = CardValidityForm(request.GET or None)
    result, status = _run(
        request,
        form,
        lambda d: calc.card_validity(
            calc.check_day(d["paid_on"], "paid_on", _today()), d["group"], d["last_valid_to"], d["continuous_since"]
        ),
    )
    return _render(request, "card_validity", {"form": form, "result": result}, status)


@never_cache
@require_http_methods(["GET", "POST"])
def unemployment(request: HttpRequest) -> HttpResponse:
    bound = request.method == "POST"
    form = UnemploymentForm(request.POST if bound else None)
    periods = Periods(request.POST if bound else None, prefix="p")
    result, status = _run(
        request,
        form,
        lambda d: calc.unemployment(_spans(periods), d["contract_end"], d["applied_on"], d["region"] or 1),
        extra_valid=periods.is_valid() if bound else True,
    )
    return _render(request, "unemployment", {"form": form, "periods": periods, "result": result}, status)


@never_cache
@require_http_methods(["GET", "POST"])
def pension(request: HttpRequest) -> HttpResponse:
    bound = request.method == "POST"
    form = PensionForm(request.POST if bound else None)
    periods = Periods(request.POST if bound else None, prefix="p")
    today = _today()

    def compute(d: dict[str, Any]) -> tuple[calc.Pension, calc.LumpSum]:
        spans = _spans(periods)
        pension_result = calc.pension(
            d["sex"], d["birth"], spans, today, retirement=d["retirement"], capacity_loss=d["capacity_loss"] or 0
        )
        return pension_result, calc.lump_sum(d["sex"], d["birth"], spans, d["on"] or today, today)

    result, status = _run(request, form, compute, extra_valid=periods.is_valid() if bound else True)
    context: dict[str, Any] = {"form": form, "periods": periods, "result": result}
    if result:
        pension_result, lump = result
        context.update(
            pension=pension_result,
            lump=lump,
            pension_reason=PENSION_REASONS[pension_result.estimate.reason],
            lump_reason=LUMP_SUM_REASONS[lump.estimate.reason],
        )
    return _render(request, "pension", context, status)
