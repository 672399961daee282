"""Web forms of the account pages; the rules (lockout, OTP, password strength) are in accounts.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


def _password(label: Any, autocomplete: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={"required": _("Nhập mật khẩu.")},
        **kwargs,
    )


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Mã số BHXH hoặc số CCCD"),
        max_length=150,
        help_text=_("Cán bộ BHXH: tên đăng nhập được cấp."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
        error_messages={"required": _("Nhập mã số BHXH hoặc số CCCD.")},
    )
    password = _password(_("Mật khẩu"), "current-password")


class _NewPasswordMixin(forms.Form):
    new_password = _password(
        _("Mật khẩu mới"), "new-password", help_text=_("Ít nhất 8 ký tự, không chỉ gồm chữ số, khác mật khẩu cũ.")
    )
    new_password2 = _password(_("Nhập lại mật khẩu mới"), "new-password")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("new_password"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("Hai mật khẩu mới không giống nhau."))
        return cleaned


class PasswordChangeForm(_NewPasswordMixin):
    old_password = _password(_("Mật khẩu hiện tại"), "current-password")
    field_order = ["old_password", "new_password", "new_password2"]


class PasswordResetRequestForm(forms.Form):
    username = LoginForm.base_fields["username"]
    phone = forms.CharField(
        label=_("Số điện thoại đã đăng ký"),
        max_length=15,
        help_text=_("Số điện thoại bạn đã khai khi đăng ký, ví dụ 0912345678."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel-national"}),
        error_messages={"required": _("Nhập số điện thoại.")},
    )


class PasswordResetConfirmForm(_NewPasswordMixin):
    username = LoginForm.base_fields["username"]
    otp = forms.CharField(
        label=_("Mã OTP (6 chữ số)"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
        error_messages={
            "required": _("Nhập mã OTP."),
            "min_length": _("Mã OTP gồm 6 chữ số."),
            "max_length": _("Mã OTP gồm 6 chữ số."),
        },
    )
    field_order = ["username", "otp", "new_password", "new_password2"]
