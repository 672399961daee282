"""FHIR R4 endpoints under /fhir/ (counter.fhir), `application/fhir+json`, for facility logins.

Authentication: the API's bearer token (or the counter page's session) of a facility login;
none answers 401, any other role 403, each as an OperationOutcome.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.services import user_for_access_token
from counter import fhir

CONTENT_TYPE = "application/fhir+json; charset=utf-8"
MAX_BODY = 64 * 1024


def fhir_response(resource: dict[str, Any], status: int = 200) -> HttpResponse:
    body = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body, status=status, content_type=CONTENT_TYPE)


def _outcome(exc: fhir.FhirError) -> HttpResponse:
    return fhir_response(fhir.operation_outcome(exc.code, exc.message), exc.status)


def _user(request: HttpRequest) -> User:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    user: Any = None
    if scheme.lower() == "bearer" and token.strip():
        user = user_for_access_token(token.strip()[:200])
    elif request.method == "GET" and request.user.is_authenticated:
        # The page's session reads only: a POST with a cookie could be forged by another site.
        user = request.user
    if user is None:
        raise fhir.FhirError(401, "login", _("Bạn cần đăng nhập (Bearer token của tài khoản cơ sở khám chữa bệnh)."))
    if not isinstance(user, User) or user.role != User.Role.FACILITY or user.facility_id is None:
        raise fhir.FhirError(403, "forbidden", _("Chức năng này chỉ dành cho cơ sở khám chữa bệnh."))
    if user.must_change_password:
        raise fhir.FhirError(403, "forbidden", _("Bạn cần đổi mật khẩu được cấp trước khi tiếp tục."))
    return user


def facility_fhir(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, _user(request), *args, **kwargs)
        except fhir.FhirError as exc:
            return _outcome(exc)

    return wrapper


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/")


def _params(request: HttpRequest) -> dict[str, str]:
    return {k: str(v)[:200] for k, v in request.GET.items()}


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    return fhir_response(fhir.capability_statement())


@never_cache
@require_GET
@facility_fhir
def patient_read(request: HttpRequest, user: User, pid: str) -> HttpResponse:
    return fhir_response(fhir.read_patient(user, pid))


@never_cache
@require_GET
@facility_fhir
def patient_search(request: HttpRequest, user: User) -> HttpResponse:
    return fhir_response(fhir.bundle(fhir.search_patients(user, _params(request)), _base(request)))


@never_cache
@require_GET
@facility_fhir
def coverage_read(request: HttpRequest, user: User, cid: str) -> HttpResponse:
    return fhir_response(fhir.read_coverage(user, cid))


@never_cache
@require_GET
@facility_fhir
def coverage_search(request: HttpRequest, user: User) -> HttpResponse:
    return fhir_response(fhir.bundle(fhir.search_coverages(user, _params(request)), _base(request)))


@csrf_exempt
@never_cache
@require_POST
@facility_fhir
def eligibility(request: HttpRequest, user: User) -> HttpResponse:
    if len(request.body) > MAX_BODY:
        raise fhir.FhirError(413, "too-costly", _("Nội dung gửi lên quá lớn (tối đa 64 KB)."))
    try:
        resource = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise fhir.FhirError(400, "structure", _("Nội dung gửi lên không phải JSON hợp lệ.")) from None
    return fhir_response(fhir.check_eligibility(user, resource, request=request))
