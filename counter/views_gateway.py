"""The gateway-compatible doors (domain.md §3.9) for hospital software written against the real
card-check gateway: `POST /api/token/take` and `POST /api/egw/KQNhanLichSuKCB2024`.

Same body, same answer as `POST /api/v1/card-check` (one service, counter.services). Refusals
carry the gateway's `maKetQua` beside the project's error shape: 205 for bad parameters (HTTP
422), 401 for a missing, expired or mismatched token (HTTP 401), 401 with HTTP 403 for a login
that is not a facility's.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from counter import gateway
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
def check_history(request: HttpRequest) -> JsonResponse:
    """`?token=&id_token=&username=&password=` and the card-check body → the gateway's answer."""
    try:
        user = gateway.user_for_gateway_call(
            request.GET.get("token", ""), request.GET.get("id_token", ""), request.GET.get("username", "")
        )
        answer = check_card(user, _json_body(request), request=request)
    except CardCheckError as exc:
        return _refusal(exc)
    return JsonResponse(answer.as_gateway(), json_dumps_params={"ensure_ascii": False})
