"""POST /tra-cuu/ma-so-bhxh/gui-sms/: the look-up page's "send me my full code" button."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from citizen.lookup_sms import send_ssn_by_sms
from places.lookup import LookupRefused, check_budget
from registry.lookup import SSN_BUDGET, person_of_sms_offer
from vssid.clientip import client_ip


@never_cache
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    try:
        # The address budget of the look-up itself: the button is one more question.
        check_budget(SSN_BUDGET, client_ip(request))
        person = person_of_sms_offer(request.POST.get("token", ""))
    except LookupRefused as exc:
        return render(request, "lookup/ssn_sms.html", {"refused": exc}, status=exc.status)
    return render(request, "lookup/ssn_sms.html", {"phone_masked": send_ssn_by_sms(person)})
