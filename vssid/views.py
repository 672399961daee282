from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from vssid.health import check_database

HOTLINES = [
    ("1900 9068", _("Tổng đài hỗ trợ BHXH Việt Nam (24/7)")),
    ("0243.7223968", _("BHXH TP Hà Nội — Phòng Quản lý thu")),
    ("0243.72236554", _("BHXH TP Hà Nội — Phòng Truyền thông và Phát triển người tham gia")),
]


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"hotlines": HOTLINES})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    ok, detail = check_database()
    return JsonResponse({"status": "ok" if ok else "error", "database": detail}, status=200 if ok else 503)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"code": "not_found", "message": str(_("Không tìm thấy.")), "fields": {}}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        body = {"code": "server_error", "message": str(_("Hệ thống đang gặp sự cố, vui lòng thử lại sau.")), "fields": {}}
        return JsonResponse(body, status=500)
    return render(request, "500.html", status=500)
