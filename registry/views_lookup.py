"""The public BHXH-code look-up page (/tra-cuu/ma-so-bhxh/): no login; parses its form, calls registry.lookup, renders.

The look-up counts against the client address (places.lookup.check_budget); past the budget the
page answers 429 with a message instead of a result.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from places.lookup import LookupRefused, check_budget
from places.lookup_forms import province_choices
from registry.lookup import SSN_BUDGET, SsnMatch, masked, match_person, sms_offer
from vssid.clientip import client_ip


class SsnLookupForm(forms.Form):
    """Parsing only; the rules are in registry.lookup."""

    cccd = forms.CharField(
        label=_("Số CCCD (12 chữ số)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(label=_("Họ và tên"), required=False, max_length=100)
    date_of_birth = forms.DateField(
        label=_("Ngày sinh"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Ngày sinh không hợp lệ.")},
    )
    province_code = forms.ChoiceField(label=_("Tỉnh/thành phố"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["province_code"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [("", _("— Chọn —")), *province_choices()]


@never_cache
@require_http_methods(["GET", "POST"])
def ssn(request: HttpRequest) -> HttpResponse:
    """Personal data goes in a POST body, not the address bar (nor the server's access log)."""
    result: SsnMatch | None = None
    offer: dict[str, str] | None = None
    refused: LookupRefused | None = None
    status = 200
    if request.method == "POST":
        form = SsnLookupForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                check_budget(SSN_BUDGET, client_ip(request))
                person = match_person(
                    full_name=data["full_name"],
                    date_of_birth=data["date_of_birth"],
                    province_code=data["province_code"],
                    cccd=data["cccd"],
                )
                result = masked(person)
                offer = sms_offer(person)
            except LookupRefused as exc:
                refused, status = exc, exc.status
                for name, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
        else:
            status = 400
    else:
        form = SsnLookupForm()
    return render(request, "lookup/ssn.html", {"form": form, "result": result, "offer": offer, "refused": refused}, status=status)
