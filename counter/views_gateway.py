"""The gateway-compatible doors (domain.md §3.9) for hospital software written against the real
card-check gateway: `POST /api/token/take` and `POST /api/egw/KQNhanLichSuKCB2024`.

Same body, same answer as `POST /api/v1/card-check` (one service, counter.services). Refusals
carry the gateway's `maKetQua` beside the project's error shape: 205 for bad parameters (HTTP
422), 401 for a missing, expired or mismatched token or a user name and password that are not the
token's login (HTTP 401), 401 with HTTP 403 for a login that is not a facility's, and 101 (HTTP
503) when the database cannot be reached — hospital software reads maKetQua, not an error page.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from counter import codes, gateway
from counter.services import CardCheckError, check_card
from vssid.clientip import client_ip


def _refusal(exc: CardCheckError) -> JsonResponse:
    body: dict[str, Any] = {
        "maKetQua": exc.result_code,
        "ghiChu": exc.message,
        "code": exc.code,
        "message": exc.message,
        "fields": exc.fields,
    }
    return JsonResponse(body, status=exc.api_status, json_dumps_params={"ensure_ascii": False})


logger = logging.getLogger(__name__)


def _server_error_as_101(view: Callable[[HttpRequest], JsonResponse]) -> Callable[[HttpRequest], JsonResponse]:
    """The database unreachable (down, restarting, out of connections): maKetQua 101 with HTTP 503, not a 500 page."""

    @wraps(view)
    def door(request: HttpRequest) -> JsonResponse:
        try:
            return view(request)
        except (OperationalError, InterfaceError):
            logger.exception("card-check gateway door: database unavailable")
            message = _("Lỗi máy chủ: cơ sở dữ liệu tạm thời không truy cập được, hãy thử lại sau ít phút.")
            body = {"maKetQua": codes.SERVER_ERROR, "ghiChu": message, "code": "server_unavailable", "message": message}
            response = JsonResponse(body, status=503, json_dumps_params={"ensure_ascii": False})
            response["Retry-After"] = "30"
            return response

    return door


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return dict(request.POST.items())
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise CardCheckError("invalid_json", "Nội dung gửi lên không phải JSON hợp lệ.", fields={"_": ["JSON"]}) from None
    if not isinstance(data, dict):
        raise CardCheckError("bad_parameters", "Nội dung gửi lên phải là một đối tượng JSON.", fields={"_": ["JSON"]})
    return data


@csrf_exempt
@never_cache
@require_POST
@_server_error_as_101
def token_take(request: HttpRequest) -> JsonResponse:
    """Form (or JSON) `username`, `password` (upper-case MD5 hex) → `maKetQua`, `APIKey`."""
    try:
        data = _json_body(request)
        token = gateway.take_token(str(data.get("username") or ""), str(data.get("password") or ""), ip=client_ip(request))
    except CardCheckError as exc:
        return _refusal(exc)
    return JsonResponse(
        {
            "maKetQua": "200",
            "APIKey": {
                "access_token": token.access_token,
                "id_token": token.id_token,
                "token_type": "Bearer",
                "expires_in": token.expires_in,
            },
        }
    )


@csrf_exempt
@never_cache
@require_POST
@_server_error_as_101
def check_history(request: HttpRequest) -> JsonResponse:
    """`?token=&id_token=&username=&password=` and the card-check body → the gateway's answer."""
    try:
        user = gateway.user_for_gateway_call(
            request.GET.get("token", ""),
            request.GET.get("id_token", ""),
            request.GET.get("username", ""),
            request.GET.get("password", ""),
            ip=client_ip(request),
        )
        answer = check_card(user, _json_body(request), request=request)
    except CardCheckError as exc:
        return _refusal(exc)
    return JsonResponse(answer.as_gateway(), json_dumps_params={"ensure_ascii": False})
