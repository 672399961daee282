"""The counter page `/kiem-tra-the/` (facility logins) and the citizen's notification switch.

Thin: the page posts to the one card-check service; the officer's name and CCCD come from the
login, never from the form, so a counter checks in its own officer's name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import citizen_only, facility_only
from accounts.models import User
from counter import codes
from counter.services import CardCheckError, check_card, check_notices_on, set_check_notices
from vssid.errors import DomainError

_GREEN = frozenset({codes.OK, codes.NEW_CARD_OLD_VALID})
_AMBER = frozenset({codes.NEW_CARD_OLD_EXPIRED, codes.DEFENCE, codes.POLICE})


def tone(code: str) -> str:
    """The colour of the result line: green = treat on this card, amber = look closer, red = not on this card."""
    if code in _GREEN:
        return "ok"
    return "warn" if code in _AMBER else "err"


def _form_data(request: HttpRequest, user: User) -> dict[str, Any]:
    data: dict[str, Any] = {key: request.POST.get(key, "") for key in ("maThe", "hoTen", "ngaySinh", "qr")}
    data["qr"] = data["qr"] or None
    data["hoTenCb"], data["cccdCb"] = user.officer_name, user.officer_cccd
    return data


def _run(request: HttpRequest) -> tuple[dict[str, Any], int]:
    user = cast(User, request.user)
    try:
        answer = check_card(user, _form_data(request, user), request=request)
    except CardCheckError as exc:
        return {"error": exc}, exc.api_status
    return {"answer": answer, "gw": answer.as_gateway(), "tone": tone(answer.code)}, 200


# The QR decoder where the browser has no BarcodeDetector is ZXing-C++ compiled to WebAssembly
# (static/counter/vendor): compiling it needs 'wasm-unsafe-eval', which allows WebAssembly and
# nothing else (no eval of JavaScript); the policy stays "our own files only" everywhere else.
@csp_update({"script-src": ["'self'", "'wasm-unsafe-eval'"]})
@csp_update({"script-src": ["'self'", "'wasm-unsafe-eval'"]}, REPORT_ONLY=True)
@never_cache
@facility_only
@require_http_methods(["GET", "POST"])
def counter_page(request: HttpRequest) -> HttpResponse:
    """The page; without JavaScript its form posts here and the answer comes back in the page."""
    context: dict[str, Any] = {"officer": request.user, "values": request.POST if request.method == "POST" else {}}
    status = 200
    if request.method == "POST":
        result, status = _run(request)
        context.update(result)
    return render(request, "counter/page.html", context, status=status)


@never_cache
@facility_only
@require_POST
def counter_check(request: HttpRequest) -> HttpResponse:
    """The answer alone (the page's script puts it in place)."""
    result, status = _run(request)
    return render(request, "counter/_result.html", result, status=status)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The counter's service worker, served from its scope so it controls /kiem-tra-the/ (offline page and keys)."""
    path = Path(settings.BASE_DIR) / "static" / "counter" / "sw.js"
    response = HttpResponse(path.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@never_cache
@citizen_only
@require_http_methods(["GET", "POST"])
def notice_setting(request: HttpRequest) -> HttpResponse:
    """The citizen's switch: a notification each time a health facility checks the card."""
    user = cast(User, request.user)
    if request.method == "POST":
        try:
            set_check_notices(user, on=request.POST.get("on") == "1")
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã lưu lựa chọn của bạn."))
        return redirect("counter:notice_setting")
    return render(request, "counter/notice_setting.html", {"on": check_notices_on(user)})
