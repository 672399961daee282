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

from enrollment.collation import sort_vietnamese
from enrollment.photo_work import PHOTO_FIELDS
from enrollment.photos import MAX_BYTES
from enrollment.services import (
    DECOMPOSED_FACTOR,
    EMAIL_MAX,
    HELD_TOKEN_MAX,
    NAME_MAX,
    PHONE_INPUT_MAX,
    PROVINCE_CODE_MAX,
    RECEIVING_OFFICE_KINDS,
    STREET_MAX,
    WARD_CODE_MAX,
    HeldPhoto,
    RegistrationInput,
    TextProblem,
    clean_text,
    held_photo,
)
from places.models import Office, Province, Ward

# Any image: the script re-encodes what the browser can decode; the server refuses what it cannot take.
PHOTO_ACCEPT = "image/*"


def province_choices() -> list[tuple[str, str]]:
    """Current provinces in Vietnamese alphabetical order ("Cà Mau" before "Cao Bằng")."""
    provinces = sort_vietnamese(Province.objects.current().only("code", "name"), key=lambda p: p.name)
    return [(p.code, p.name) for p in provinces]


def _is_code(value: str, max_length: int) -> bool:
    # Whatever the browser sent goes into a query: only digits may (a NUL is a 500 on PostgreSQL).
    return 0 < len(value) <= max_length and value.isascii() and value.isdigit()


def ward_choices(province_code: str) -> list[tuple[str, str]]:
    if not _is_code(province_code, PROVINCE_CODE_MAX):
        return []
    wards = sort_vietnamese(
        Ward.objects.current().filter(province_id=province_code).only("code", "name", "kind"), key=lambda w: w.name
    )
    return [(w.code, f"{w.get_kind_display()} {w.name}") for w in wards]


def _receiving_offices() -> Any:
    return Office.objects.current().filter(kind__in=RECEIVING_OFFICE_KINDS)


def office_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every receiving office grouped by province, shown as "(00106) BHXH cơ sở Đống Đa": what the form accepts."""
    groups: dict[str, list[tuple[str, str]]] = {}
    offices = _receiving_offices().select_related("province")
    for office in sort_vietnamese(offices, key=lambda o: f"{o.province.name}\n{o.name}"):
        groups.setdefault(office.province.name, []).append((office.code, str(office)))
    return list(groups.items())


def nearby_offices(province_code: str, ward_code: str = "") -> tuple[list[tuple[str, str]], str]:
    """The receiving offices of a province, the office serving the ward first; and that office's code.

    What a person sees once they have said where they live: a handful of offices instead of the
    country's, and the right one at the top.
    """
    if not _is_code(province_code, PROVINCE_CODE_MAX):
        return [], ""
    offices = sort_vietnamese(_receiving_offices().filter(province_id=province_code), key=lambda o: o.name)
    own = ""
    if _is_code(ward_code, WARD_CODE_MAX):
        own = (
            Ward.objects.current().filter(code=ward_code, province_id=province_code).values_list("office_id", flat=True).first()
            or ""
        )
    first = [o for o in offices if o.code == own]
    rest = [o for o in offices if o.code != own]
    choices = [(o.code, str(o) + (str(_(" – phụ trách phường/xã đã chọn")) if o.code == own else "")) for o in first + rest]
    return choices, own if first else ""


def photo_field(label: Any) -> forms.FileField:
    """A photo: from the camera or the gallery (no `capture`, which would allow the camera only).

    Any image the phone's browser can decode is accepted by the picker: static/js/register.js
    turns it into a JPEG of at most 1 MB before it is sent (an iPhone's HEIC included). Without
    that script the server still takes JPEG or PNG up to 5 MB and refuses the rest clearly.
    """
    return forms.FileField(
        label=label,
        required=False,  # a photo held from an earlier attempt stands in for it (clean)
        help_text=_("JPEG hoặc PNG; ảnh lớn được thu nhỏ trên máy trước khi gửi."),
        widget=forms.FileInput(attrs={"accept": PHOTO_ACCEPT, "data-shrink": "1"}),
    )


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
        help_text=_("Chọn phường/xã để cơ quan BHXH phụ trách nơi bạn ở hiện lên đầu danh sách."),
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
        # With htmx the list follows the province and the ward: the ward's own office first, chosen.
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("enrollment:offices"),
                "hx-trigger": "change from:#id_province_code, change from:#id_ward_code",
                "hx-include": "#id_province_code, #id_ward_code, #id_office_code",
                "hx-target": "this",
                "hx-swap": "innerHTML",
            }
        ),
        help_text=_("Bạn sẽ mang tờ khai đã ký và bản chính CCCD đến đây trong vòng 10 ngày."),
        error_messages={
            "required": _("Chọn cơ quan BHXH nơi nộp tờ khai."),
            "invalid_choice": _("Chọn cơ quan BHXH nơi nộp tờ khai."),
        },
    )
    id_front = photo_field(_("Ảnh mặt trước CCCD"))
    id_back = photo_field(_("Ảnh mặt sau CCCD"))
    portrait = photo_field(_("Ảnh chân dung"))
    # Tokens of photos kept from an earlier attempt of this form (enrollment.services.hold_photo).
    id_front_held = forms.CharField(required=False, max_length=HELD_TOKEN_MAX, widget=forms.HiddenInput)
    id_back_held = forms.CharField(required=False, max_length=HELD_TOKEN_MAX, widget=forms.HiddenInput)
    portrait_held = forms.CharField(required=False, max_length=HELD_TOKEN_MAX, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        blank: list[Any] = [("", _("— Chọn —"))]
        province = str(self.data.get("province_code", "")) if self.is_bound else ""
        wards_blank = [("", _("— Chọn —") if province else _("— Chọn tỉnh/thành phố trước —"))]
        self._set_choices("province_code", blank + province_choices())
        self._set_choices("ward_code", wards_blank + ward_choices(province))
        self._set_choices("office_code", blank + office_choices())
        # Shown: the offices of the chosen province, the ward's own first; accepted: any
        # receiving office (a person may hand in the form where they work).
        if province:
            ward = str(self.data.get("ward_code", ""))
            nearby, _own = nearby_offices(province, ward)
            chosen = str(self.data.get("office_code", ""))
            if chosen and chosen not in {code for code, _label in nearby}:
                nearby += [(code, label) for _group, options in office_choices() for code, label in options if code == chosen]
            self.fields["office_code"].widget.choices = blank + nearby

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

    def _clean_photo(self, name: str) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get(name)
        # Refused on the size the browser declared, before anything is read into memory.
        if upload is not None and (upload.size is None or upload.size > MAX_BYTES):
            raise forms.ValidationError(_("Ảnh lớn hơn 5 MB. Hãy chụp lại hoặc giảm kích thước ảnh."))
        return upload

    def clean_id_front(self) -> UploadedFile | None:
        return self._clean_photo("id_front")

    def clean_id_back(self) -> UploadedFile | None:
        return self._clean_photo("id_back")

    def clean_portrait(self) -> UploadedFile | None:
        return self._clean_photo("portrait")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.held: dict[str, HeldPhoto] = {}
        for name in PHOTO_FIELDS:
            kept = held_photo(str(data.get(f"{name}_held") or ""))
            if data.get(name) is None and name not in self.errors:
                if kept is None:
                    self.add_error(name, _("Chưa có ảnh."))
                else:
                    self.held[name] = kept
        return data

    def held_photos(self) -> dict[str, HeldPhoto]:
        """The photos kept from an earlier attempt that this one did not replace (after is_valid)."""
        return getattr(self, "held", {})

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
            photos={name: data[name].read() for name in PHOTO_FIELDS if data.get(name) is not None},
            held={name: kept.name for name, kept in self.held_photos().items()},
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
