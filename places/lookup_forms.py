"""Forms of the public directory look-ups (places.views): parsing only, the rules are in places.lookup."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from places.lookup import current_provinces, current_wards
from places.models import CollectionPoint, HealthFacility

WARD_HTMX = {"hx-get": reverse_lazy("enrollment:wards"), "hx-target": "#id_ward_code", "hx-swap": "innerHTML"}


def province_choices() -> list[tuple[str, str]]:
    return [(p.code, p.name) for p in current_provinces()]


def _ward_choices(province_code: str) -> list[tuple[str, str]]:
    return [(w.code, f"{w.get_kind_display()} {w.name}") for w in current_wards(province_code)] if province_code else []


class DirectoryForm(forms.Form):
    """Search box and province; subclasses add their own filters. Invalid values are ignored."""

    q = forms.CharField(label=_("Tên (không cần dấu)"), required=False, max_length=100)
    province_code = forms.ChoiceField(label=_("Tỉnh/thành phố"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("province_code", [("", _("Tất cả")), *province_choices()])

    def _choices(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared in the form
        field.choices = choices

    def filters(self) -> dict[str, Any]:
        """The valid filters: a field with an unknown value is simply not applied."""
        self.is_valid()
        return dict(self.cleaned_data)


class WardDirectoryForm(DirectoryForm):
    ward_code = forms.ChoiceField(label=_("Phường/xã"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        province_field = self.fields["province_code"]
        province_field.widget.attrs.update(WARD_HTMX)
        province = str(self.data.get("province_code", "")) if self.is_bound else ""
        self._choices("ward_code", [("", _("Tất cả")), *_ward_choices(province)])


class FacilityForm(WardDirectoryForm):
    level = forms.ChoiceField(label=_("Cấp chuyên môn"), required=False)
    initial_registration = forms.BooleanField(label=_("Chỉ nơi nhận đăng ký khám chữa bệnh ban đầu"), required=False)
    sick_leave = forms.BooleanField(label=_("Chỉ nơi cấp giấy nghỉ việc hưởng BHXH"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("level", [("", _("Tất cả")), *HealthFacility.Level.choices])


class CollectionPointForm(WardDirectoryForm):
    kind = forms.ChoiceField(label=_("Loại"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("kind", [("", _("Tất cả")), *CollectionPoint.Kind.choices])
