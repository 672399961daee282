"""Web forms of the account pages; the rules (lockout, OTP, password strength) are in accounts.services.

Every field is bounded (the limits are shared with the API schemas) and refuses NUL characters,
with the reason in the page's language.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.services import (
    PASSWORD_MAX_LENGTH,
    PHONE_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    AccountError,
    authenticate_login,
)
from vssid.clientip import client_ip

BACKEND = "accounts.backends.IdentifierBackend"


def _errors(required: Any, **more: Any) -> dict[str, Any]:
    return {
        "required": required,
        "max_length": _("Tối đa %(limit_value)d ký tự."),
        "null_characters_not_allowed": _("Không được chứa ký tự NUL."),
        **more,
    }


def _password(label: Any, autocomplete: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages=_errors(_("Nhập mật khẩu.")),
        **kwargs,
    )


def _phone(label: Any, help_text: Any, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=PHONE_MAX_LENGTH,
        help_text=help_text,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": autocomplete}),
        error_messages=_errors(_("Nhập số điện thoại.")),
    )


def _username() -> forms.CharField:
    return forms.CharField(
        label=_("Mã số BHXH hoặc số CCCD"),
        max_length=USERNAME_MAX_LENGTH,
        help_text=_("Cán bộ BHXH, nhân sự đơn vị, cơ sở KCB: tên đăng nhập được cấp."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
        error_messages=_errors(_("Nhập mã số BHXH hoặc số CCCD.")),
    )


class LoginForm(forms.Form):
    username = _username()
    password = _password(_("Mật khẩu"), "current-password")


class _NewPasswordMixin(forms.Form):
    new_password = _password(
        _("Mật khẩu mới"),
        "new-password",
        help_text=_(
            "Ít nhất 8 ký tự, không chỉ gồm chữ số, khác mật khẩu cũ; không dùng họ tên, mã số BHXH, "
            "số CCCD hay số điện thoại của bạn."
        ),
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
    username = _username()
    phone = _phone(_("Số điện thoại đã đăng ký"), _("Số điện thoại bạn đã khai khi đăng ký, ví dụ 0912345678."), "tel-national")


class PasswordResetConfirmForm(_NewPasswordMixin):
    username = _username()
    otp = forms.CharField(
        label=_("Mã OTP (6 chữ số)"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
        error_messages=_errors(_("Nhập mã OTP."), min_length=_("Mã OTP gồm 6 chữ số."), max_length=_("Mã OTP gồm 6 chữ số.")),
    )
    field_order = ["username", "otp", "new_password", "new_password2"]


class AdminLoginForm(AdminAuthenticationForm):
    """The Django admin's login under the same lockout as every other login (authenticate_login).

    Django's own form would go through authenticate() and could only say "wrong password" when
    the account is locked; this one says why.
    """

    def clean(self) -> dict[str, Any]:
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is not None and password:
            try:
                user = authenticate_login(username, password, ip=client_ip(self.request))
            except AccountError as exc:
                if exc.code == "locked_out":
                    raise ValidationError(exc.message, code="locked_out") from exc
                raise self.get_invalid_login_error() from exc
            user.backend = BACKEND  # type: ignore[attr-defined]  # login() needs to know which backend vouched
            self.user_cache = user
            self.confirm_login_allowed(user)
        return self.cleaned_data


class InviteClerkForm(forms.Form):
    """An office lead creates the login of an employer's HR clerk (accounts.onboarding.invite_hr_clerk)."""

    employer_code = forms.CharField(
        label=_("Mã đơn vị"),
        max_length=15,
        help_text=_("Mã đơn vị sử dụng lao động thuộc cơ quan BHXH của bạn, ví dụ 0101234567DNA01."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
        error_messages=_errors(_("Nhập mã đơn vị.")),
    )
    full_name = forms.CharField(
        label=_("Họ tên cán bộ nhân sự"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages=_errors(_("Nhập họ tên.")),
    )
    username = forms.CharField(
        label=_("Tên đăng nhập"),
        max_length=30,
        help_text=_("3–30 chữ thường không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới, ví dụ nhansu.songhong."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
        error_messages=_errors(_("Nhập tên đăng nhập.")),
    )
    phone = _phone(_("Số điện thoại di động"), _("Mật khẩu đăng nhập được gửi qua SMS tới số này."), "off")
