"""The citizen's benefit estimator page: thin, the numbers come from registry.estimate."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from registry.estimate import estimate_lump_sum, estimate_pension, person_for_citizen, spans_for

LUMP_SUM_REASONS = {
    "no_contributions": _("Chưa có thời gian đóng BHXH."),
    "still_contributing": _("Bạn vẫn đang đóng BHXH vào ngày này."),
    "pension_age_too_few_years": _("Đã đủ tuổi nghỉ hưu nhưng chưa đủ số năm đóng để hưởng lương hưu."),
    "joined_after_2025": _("Người bắt đầu tham gia từ 01/07/2025 không được hưởng một lần chỉ vì nghỉ việc."),
    "twenty_years_or_more": _("Đã đóng đủ 20 năm trở lên: không được hưởng một lần chỉ vì nghỉ việc."),
    "less_than_twelve_months_stopped": _("Chưa đủ 12 tháng kể từ khi dừng đóng BHXH."),
    "twelve_months_stopped": _("Đã dừng đóng đủ 12 tháng và đóng chưa đủ 20 năm."),
}


def vnd(amount: int) -> str:
    """12.800.000 ₫: amounts are grouped by dots, as written in Vietnam (the vi locale of Django
    has no grouping)."""
    return f"{amount:,} ₫".replace(",", ".")


class EstimateForm(forms.Form):
    on = forms.DateField(
        label=_("Ngày tính BHXH một lần"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Để trống: hôm nay."),
    )
    retirement = forms.DateField(
        label=_("Tháng bắt đầu nghỉ hưu"),
        required=False,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text=_("Để trống: tháng liền sau tháng bạn đủ tuổi nghỉ hưu."),
    )

    def clean_on(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get("on")
        if day is not None and not dt.date(1995, 1, 1) <= day <= dt.date(2100, 12, 31):
            raise forms.ValidationError(_("Chọn một ngày từ 1995 đến 2100."))
        return day

    def clean_retirement(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get("retirement")
        if day is not None and not dt.date(1995, 1, 1) <= day <= dt.date(2100, 12, 31):
            raise forms.ValidationError(_("Chọn một tháng từ 1995 đến 2100."))
        return day


@login_required
@require_GET
def estimate(request: HttpRequest) -> HttpResponse:
    person = person_for_citizen(request.user)
    today = timezone.localdate()
    form = EstimateForm(request.GET or None)
    on, retirement = today, None
    status = 200
    if form.is_bound:
        if form.is_valid():
            on = form.cleaned_data["on"] or today
            retirement = form.cleaned_data["retirement"]
        else:
            status = 400
    spans = spans_for(person)
    lump = estimate_lump_sum(person, on, spans=spans)
    pension = estimate_pension(person, today=today, retirement=retirement, spans=spans)
    context = {
        "person": person,
        "form": form,
        "lump": lump,
        "lump_reason": LUMP_SUM_REASONS[lump.reason],
        "pension": pension,
        "today": today,
        "money": {
            "lump_average": vnd(lump.contributions.average_salary),
            "lump_amount": vnd(lump.amount),
            "pension_average": vnd(pension.contributions.average_salary),
            "pension_amount": vnd(pension.monthly_amount),
            "allowance": vnd(pension.retirement_allowance),
        },
    }
    return render(request, "estimate/estimate.html", context, status=status)
