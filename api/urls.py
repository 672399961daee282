"""The JSON API at /api/v1: routers parse input and call domain services, nothing else."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from accounts.services import AccountError
from api.errors import ApiError
from enrollment.services import EnrollmentError

api = NinjaAPI(
    title="VssID API",
    version="1",
    description="Bảo hiểm xã hội số — JSON API for the citizen app, office staff, employers and health facilities.",
    urls_namespace="api",
)


@api.exception_handler(ApiError)
def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return api.create_response(request, {"code": exc.code, "message": exc.message, "fields": exc.fields}, status=exc.status)


@api.exception_handler(EnrollmentError)
@api.exception_handler(AccountError)
def on_domain_error(request: HttpRequest, exc: EnrollmentError | AccountError) -> HttpResponse:
    return api.create_response(request, {"code": exc.code, "message": exc.message, "fields": exc.fields}, status=exc.status)


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
    codes = {404: "not_found", 405: "method_not_allowed", 429: "too_many_requests"}
    body = {"code": codes.get(exc.status_code, "error"), "message": str(exc), "fields": {}}
    return api.create_response(request, body, status=exc.status_code)


api.add_router("/", "api.routers.system.router")
api.add_router("/", "api.routers.registrations.router")
api.add_router("/", "api.routers.auth.router")
api.add_router("/", "api.routers.me.router")
api.add_router("/", "api.routers.staff.router")
api.add_router("/", "api.routers.card.router")
api.add_router("/", "api.routers.history.router")
api.add_router("/", "api.routers.lookup.router")
api.add_router("/", "api.routers.support.router")
api.add_router("/", "api.routers.employer.router")
api.add_router("/", "api.routers.campaign.router")
