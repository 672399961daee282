from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TicketForm(forms.Form):
    subject = forms.CharField(label=_("Tiêu đề"), max_length=150)
    message = forms.CharField(
        label=_("Nội dung"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Không ghi mật khẩu hay mã OTP: cán bộ BHXH không bao giờ hỏi những thông tin này."),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Trả lời"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}))
