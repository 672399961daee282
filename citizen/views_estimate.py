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
from vssid import numbers

LUMP_SUM_REASONS = {
    "no_contributions": _("Chưa có thời gian đóng BHXH."),
    "still_contributing": _("Bạn vẫn đang đóng BHXH vào ngày này."),
    "pension_age_too_few_years": _("Đã đủ tuổi nghỉ hưu nhưng chưa đủ số năm đóng để hưởng lương hưu."),
    "joined_after_2025": _("Người bắt đầu tham gia từ 01/07/2025 không được hưởng một lần chỉ vì nghỉ việc."),
    "twenty_years_or_more": _("Đã đóng đủ 20 năm trở lên: không được hưởng một lần chỉ vì nghỉ việc."),
    "less_than_twelve_months_stopped": _("Chưa đủ 12 tháng kể từ khi dừng đóng BHXH."),
    "twelve_months_stopped": _("Đã dừng đóng đủ 12 tháng và đóng chưa đủ 20 năm."),
}

PENSION_REASONS = {
    "eligible": _("Đủ tuổi nghỉ hưu và đủ số năm đóng để hưởng lương hưu."),
    "below_pension_age": _(
        "Chưa đủ tuổi nghỉ hưu vào tháng này. Chỉ người bị suy giảm khả năng lao động từ 61% trở lên "
        "mới được nghỉ hưu trước tuổi."
    ),
    "below_reduced_capacity_age": _(
        "Tháng này sớm hơn mức luật cho phép: suy giảm khả năng lao động từ 61% được nghỉ hưu trước tuổi "
        "tối đa 5 năm, từ 81% tối đa 10 năm."
    ),
    "too_few_years": _("Chưa đủ số năm đóng để hưởng lương hưu tại thời điểm này."),
}

# Which law an estimate follows (registry.rules.law_on).
LAW_LABELS = {
    "2006": _("Luật BHXH 2006 (quyết định trước 01/01/2016)"),
    "2014": _("Luật BHXH 2014 (từ 01/01/2016 đến 30/06/2025)"),
    "2024": _("Luật BHXH 2024 (áp dụng từ 01/07/2025)"),
}

CAPACITY_CHOICES = [
    ("", _("Không")),
    ("61", _("Từ 61% đến dưới 81%")),
    ("81", _("Từ 81% trở lên")),
]


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
    capacity_loss = forms.ChoiceField(
        label=_("Suy giảm khả năng lao động"),
        required=False,
        choices=CAPACITY_CHOICES,
        help_text=_(
            "Theo kết luận của Hội đồng giám định y khoa; cho phép nghỉ hưu trước tuổi, mỗi năm trước tuổi giảm 2% tỷ lệ hưởng."
        ),
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
    on, retirement, capacity_loss = today, None, 0
    status = 200
    if form.is_bound:
        if form.is_valid():
            on = form.cleaned_data["on"] or today
            retirement = form.cleaned_data["retirement"]
            capacity_loss = int(form.cleaned_data["capacity_loss"] or 0)
        else:
            status = 400
    spans = spans_for(person)
    lump = estimate_lump_sum(person, on, spans=spans)
    pension = estimate_pension(person, today=today, retirement=retirement, spans=spans, capacity_loss=capacity_loss)
    context = {
        "person": person,
        "form": form,
        "lump": lump,
        "lump_reason": LUMP_SUM_REASONS[lump.reason],
        "lump_law": LAW_LABELS[lump.law],
        "pension": pension,
        "pension_reason": PENSION_REASONS[pension.reason],
        "pension_law": LAW_LABELS[pension.law],
        "today": today,
        "money": {
            "lump_average": numbers.vnd(lump.contributions.average_salary),
            "lump_amount": numbers.vnd(lump.amount),
            "pension_average": numbers.vnd(pension.contributions.average_salary),
            "pension_amount": numbers.vnd(pension.monthly_amount),
            "allowance": numbers.vnd(pension.retirement_allowance),
        },
    }
    return render(request, "estimate/estimate.html", context, status=status)
