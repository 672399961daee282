"""The JSON API at /api/v1: routers parse input and call domain services, nothing else."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import BaseModel

from api.errors import ApiError
from vssid.errors import DomainError

api = NinjaAPI(
    title="VssID API",
    version="1",
    description="Bảo hiểm xã hội số — JSON API for the citizen app, office staff, employers and health facilities.",
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def on_domain_refusal(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """Every refusal of a service, in one shape (design.md §6); routers never catch them."""
    return api.create_response(request, {"code": exc.code, "message": exc.message, "fields": exc.fields}, status=exc.api_status)


@api.exception_handler(SuspiciousOperation)
def on_refused_request(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Raised by Django while reading the body: over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields
    # or files. Without this the client got Django's HTML 400 page.
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        message = _("Nội dung gửi lên quá lớn (tối đa %(kb)s KB).") % {"kb": limit}
        return api.create_response(request, {"code": "payload_too_large", "message": message, "fields": {}}, status=413)
    body = {"code": "bad_request", "message": _("Yêu cầu không hợp lệ."), "fields": {}}
    return api.create_response(request, body, status=400)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    body = {"code": "not_found", "message": _("Không tìm thấy."), "fields": {}}
    return api.create_response(request, body, status=404)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    body = {"code": "forbidden", "message": _("Bạn không có quyền thực hiện thao tác này."), "fields": {}}
    return api.create_response(request, body, status=403)


def _field_message(error: dict[str, object]) -> str:
    # pydantic speaks English; the common cases get a sentence in the request's language.
    kind = str(error.get("type", ""))
    if kind == "missing":
        return _("Trường này là bắt buộc.")
    if kind.startswith("date"):
        return _("Ngày theo dạng YYYY-MM-DD.")
    if kind.startswith("int"):
        return _("Cần một số nguyên.")
    ctx: Any = error.get("ctx") or {}
    if kind in ("less_than_equal", "greater_than_equal"):
        bound = ctx.get("le", ctx.get("ge"))
        if kind == "less_than_equal":
            return _("Tối đa là %(bound)s.") % {"bound": bound}
        return _("Tối thiểu là %(bound)s.") % {"bound": bound}
    if kind == "string_too_long":
        return _("Tối đa %(count)s ký tự.") % {"count": ctx.get("max_length")}
    return str(error.get("msg", ""))


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", []) if part not in ("body", "query", "path", "form", "file", "payload")]
        fields.setdefault(".".join(loc) or "_", []).append(_field_message(error))
    body = {"code": "invalid_input", "message": _("Dữ liệu gửi lên không hợp lệ."), "fields": fields}
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"code": "not_authenticated", "message": _("Bạn cần đăng nhập."), "fields": {}}
    return api.create_response(request, body, status=401)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {400: "invalid_json", 404: "not_found", 405: "method_not_allowed", 429: "too_many_requests"}
    message = str(exc)
    if exc.status_code == 400:
        # ninja's only 400: a body that is not JSON ("Cannot parse request body", in English).
        message = _("Nội dung gửi lên không phải JSON hợp lệ.")
    body = {"code": codes.get(exc.status_code, "error"), "message": message, "fields": {}}
    return api.create_response(request, body, status=exc.status_code)


def _nul_fields(value: object, path: tuple[str, ...]) -> Iterator[str]:
    """The dotted names (as in `fields` of a 422) of the strings in `value` that hold a NUL."""
    if isinstance(value, str):
        if "\x00" in value:
            yield ".".join(path) or "_"
    elif isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            yield from _nul_fields(getattr(value, name), (*path, field.alias or name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_fields(item, (*path, str(key)))
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _nul_fields(item, (*path, str(index)))


def reject_nul_characters(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse any text input holding a NUL character with 422 `invalid_input`.

    PostgreSQL cannot store or even compare text with NUL, so such a value reaching a query is a
    500; no field of this API has a use for it (Django's form fields refuse it the same way).
    Runs on the validated parameters, after the guards: a missing token still answers 401.
    """

    @functools.wraps(view)
    def checked(request: HttpRequest, **values: Any) -> Any:
        fields: dict[str, list[str]] = {}
        for name, value in values.items():
            # A schema's fields are sent flat (query, form, JSON body); a plain parameter by its name.
            for field in _nul_fields(value, () if isinstance(value, BaseModel) else (name,)):
                fields.setdefault(field, []).append(_("Không được chứa ký tự NUL."))
        if fields:
            raise ApiError(422, "invalid_input", _("Dữ liệu gửi lên không hợp lệ."), fields)
        return view(request, **values)

    return checked


api.add_decorator(reject_nul_characters)


# Django tries URL patterns in order, so the most requested answers come first: after the health
# check (a few paths), the card (each launch of the app), the hospital counter's check, the
# history; then the rest.
api.add_router("/", "api.routers.system.router")
api.add_router("/", "api.routers.card.router")
api.add_router("/", "api.routers.card_check.router")
api.add_router("/", "api.routers.history.router")
api.add_router("/", "api.routers.registrations.router")
api.add_router("/", "api.routers.auth.router")
api.add_router("/", "api.routers.me.router")
api.add_router("/", "api.routers.staff.router")
api.add_router("/", "api.routers.lookup.router")
api.add_router("/", "api.routers.support.router")
api.add_router("/", "api.routers.employer.router")
api.add_router("/", "api.routers.campaign.router")
api.add_router("/", "api.routers.calculators.router")
api.add_router("/", "api.routers.declarations.employer_router")
api.add_router("/", "api.routers.declarations.staff_router")
api.add_router("/", "api.routers.declarations.citizen_router")
