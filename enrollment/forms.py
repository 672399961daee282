"""Web forms of the registration procedure: parse what the browser sends, nothing more.

The rules (matching the register, photos, one live registration) are in enrollment.services; a
form only turns strings into types so the view can build a RegistrationInput.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from enrollment.photos import MAX_BYTES
from enrollment.services import (
    DECOMPOSED_FACTOR,
    EMAIL_MAX,
    NAME_MAX,
    PHONE_INPUT_MAX,
    PHOTO_FIELDS,
    PROVINCE_CODE_MAX,
    RECEIVING_OFFICE_KINDS,
    STREET_MAX,
    RegistrationInput,
    TextProblem,
    clean_text,
)
from places.models import Office, Province, Ward

PHOTO_ACCEPT = "image/jpeg,image/png"


def province_choices() -> list[tuple[str, str]]:
    return [(p.code, p.name) for p in Province.objects.current().order_by("name")]


def ward_choices(province_code: str) -> list[tuple[str, str]]:
    # Whatever the browser sent goes into a query: only a province code may (a NUL is a 500 on PostgreSQL).
    if not (0 < len(province_code) <= PROVINCE_CODE_MAX and province_code.isascii() and province_code.isdigit()):
        return []
    wards = Ward.objects.current().filter(province_id=province_code).order_by("name").only("code", "name", "kind")
    return [(w.code, f"{w.get_kind_display()} {w.name}") for w in wards]


def office_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Receiving offices grouped by province, shown as "(00106) BHXH cơ sở Đống Đa"."""
    groups: dict[str, list[tuple[str, str]]] = {}
    offices = (
        Office.objects.current()
        .filter(kind__in=RECEIVING_OFFICE_KINDS)
        .select_related("province")
        .order_by("province__name", "code")
    )
    for office in offices:
        groups.setdefault(office.province.name, []).append((office.code, str(office)))
    return list(groups.items())


def _text(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs=attrs)


def _digits(label: Any, length: int, help_text: Any) -> forms.CharField:
    """An optional identifier of `length` digits (the BHXH code, the CCCD number)."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=length,
        help_text=help_text,
        widget=_text(inputmode="numeric", autocomplete="off", pattern=f"[0-9]{{{length}}}"),
    )


class RegistrationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Họ và tên"),
        # Room for a name typed decomposed; clean_full_name holds the stored form to NAME_MAX.
        max_length=NAME_MAX * DECOMPOSED_FACTOR,
        help_text=_("Viết có dấu, đúng như trên CCCD."),
        widget=_text(autocomplete="name", autocapitalize="words", spellcheck="false"),
        error_messages={"required": _("Nhập họ và tên.")},
    )
    ssn = _digits(_("Mã số BHXH"), 10, _("10 chữ số, in trên thẻ BHYT. Nhập mã số BHXH hoặc số CCCD (hoặc cả hai)."))
    cccd = _digits(_("Số CCCD"), 12, _("12 chữ số trên căn cước công dân."))
    date_of_birth = forms.DateField(
        label=_("Ngày sinh"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        error_messages={"required": _("Nhập ngày sinh."), "invalid": _("Ngày sinh không hợp lệ (ngày/tháng/năm).")},
    )
    sex = forms.TypedChoiceField(
        label=_("Giới tính"),
        choices=[(1, _("Nam")), (2, _("Nữ"))],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Chọn giới tính.")},
    )
    phone = forms.CharField(
        label=_("Số điện thoại di động"),
        max_length=PHONE_INPUT_MAX,
        help_text=_("Mã OTP và mật khẩu sẽ được gửi đến số này, ví dụ 0912345678."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel-national"}),
        error_messages={"required": _("Nhập số điện thoại di động.")},
    )
    email = forms.EmailField(
        label=_("Email (không bắt buộc)"),
        required=False,
        max_length=EMAIL_MAX,
        help_text=_("Nếu có, tờ khai Mẫu 01 được gửi kèm qua email."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Địa chỉ email không hợp lệ.")},
    )
    province_code = forms.ChoiceField(
        label=_("Tỉnh/thành phố"),
        # With htmx, choosing a province reloads the ward list; without it, the list follows the next submit.
        widget=forms.Select(
            attrs={"hx-get": reverse_lazy("enrollment:wards"), "hx-target": "#id_ward_code", "hx-swap": "innerHTML"}
        ),
        error_messages={"required": _("Chọn tỉnh/thành phố."), "invalid_choice": _("Chọn tỉnh/thành phố.")},
    )
    ward_code = forms.ChoiceField(
        label=_("Phường/xã (không bắt buộc)"),
        required=False,
        error_messages={"invalid_choice": _("Phường/xã không thuộc tỉnh/thành phố đã chọn.")},
    )
    street = forms.CharField(
        label=_("Số nhà, đường/phố, thôn/xóm"),
        max_length=STREET_MAX * DECOMPOSED_FACTOR,
        widget=_text(autocomplete="street-address"),
        error_messages={"required": _("Nhập số nhà, tên đường.")},
    )
    office_code = forms.ChoiceField(
        label=_("Cơ quan BHXH nơi nộp tờ khai"),
        help_text=_("Bạn sẽ mang tờ khai đã ký và bản chính CCCD đến đây trong vòng 10 ngày."),
        error_messages={
            "required": _("Chọn cơ quan BHXH nơi nộp tờ khai."),
            "invalid_choice": _("Chọn cơ quan BHXH nơi nộp tờ khai."),
        },
    )
    id_front = forms.FileField(
        label=_("Ảnh mặt trước CCCD"),
        help_text=_("JPEG hoặc PNG, tối đa 5 MB"),
        widget=forms.FileInput(attrs={"accept": PHOTO_ACCEPT, "capture": "environment"}),
        error_messages={"required": _("Chưa có ảnh.")},
    )
    id_back = forms.FileField(
        label=_("Ảnh mặt sau CCCD"),
        help_text=_("JPEG hoặc PNG, tối đa 5 MB"),
        widget=forms.FileInput(attrs={"accept": PHOTO_ACCEPT, "capture": "environment"}),
        error_messages={"required": _("Chưa có ảnh.")},
    )
    portrait = forms.FileField(
        label=_("Ảnh chân dung"),
        help_text=_("JPEG hoặc PNG, tối đa 5 MB"),
        widget=forms.FileInput(attrs={"accept": PHOTO_ACCEPT, "capture": "user"}),
        error_messages={"required": _("Chưa có ảnh.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        blank: list[Any] = [("", _("— Chọn —"))]
        province = str(self.data.get("province_code", "")) if self.is_bound else ""
        wards_blank = [("", _("— Chọn —") if province else _("— Chọn tỉnh/thành phố trước —"))]
        self._set_choices("province_code", blank + province_choices())
        self._set_choices("ward_code", wards_blank + ward_choices(province))
        self._set_choices("office_code", blank + office_choices())

    def _set_choices(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = choices

    def _clean_text(self, name: str, max_length: int) -> str:
        try:
            return clean_text(self.cleaned_data[name], max_length=max_length)
        except TextProblem as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_full_name(self) -> str:
        return self._clean_text("full_name", NAME_MAX)

    def clean_street(self) -> str:
        return self._clean_text("street", STREET_MAX)

    def _clean_photo(self, name: str) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data[name]
        # Refused on the size the browser declared, before anything is read into memory.
        if upload.size is None or upload.size > MAX_BYTES:
            raise forms.ValidationError(_("Ảnh lớn hơn 5 MB. Hãy chụp lại hoặc giảm kích thước ảnh."))
        return upload

    def clean_id_front(self) -> UploadedFile:
        return self._clean_photo("id_front")

    def clean_id_back(self) -> UploadedFile:
        return self._clean_photo("id_back")

    def clean_portrait(self) -> UploadedFile:
        return self._clean_photo("portrait")

    def to_input(self, *, language: str) -> RegistrationInput:
        data = self.cleaned_data
        return RegistrationInput(
            full_name=data["full_name"],
            ssn=data["ssn"],
            cccd=data["cccd"],
            date_of_birth=data["date_of_birth"],
            sex=data["sex"],
            phone=data["phone"],
            email=data["email"],
            province_code=data["province_code"],
            ward_code=data["ward_code"],
            street=data["street"],
            office_code=data["office_code"],
            language=language,
            photos={name: data[name].read() for name in PHOTO_FIELDS},
        )


class OtpForm(forms.Form):
    otp = forms.CharField(
        label=_("Mã OTP (6 chữ số)"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}", "autofocus": True}
        ),
        error_messages={
            "required": _("Nhập mã OTP."),
            "min_length": _("Mã OTP gồm 6 chữ số."),
            "max_length": _("Mã OTP gồm 6 chữ số."),
        },
    )
