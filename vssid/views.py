from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from vssid.health import check_database
from vssid.heartbeat import role_health

HOTLINES = [
    ("1900 9068", _("Tổng đài hỗ trợ BHXH Việt Nam (24/7)")),
    ("0243.7223968", _("BHXH TP Hà Nội — Phòng Quản lý thu")),
    ("0243.72236554", _("BHXH TP Hà Nội — Phòng Truyền thông và Phát triển người tham gia")),
]


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"hotlines": HOTLINES})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The whole service: the database, and the background processes that send SMS and e-mail.

    503 when any part is down, so monitoring notices a worker that died while the web pages still
    answer (`/api/v1/health` is the web process alone, for a load balancer).
    """
    ok, detail = check_database()
    body: dict[str, object] = {"database": detail}
    if ok:
        for role in ("worker", "periodic"):
            health = role_health(role)
            body[role] = {"status": "ok" if health.ok else "stale", "last_seen_seconds_ago": health.last_beat_seconds}
            ok = ok and health.ok
    return JsonResponse({"status": "ok" if ok else "error", **body}, status=200 if ok else 503)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"code": "not_found", "message": str(_("Không tìm thấy.")), "fields": {}}, status=404)
    return render(request, "404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        body = {"code": "bad_request", "message": str(_("Yêu cầu không hợp lệ.")), "fields": {}}
        return JsonResponse(body, status=400)
    return render(request, "400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        body = {"code": "server_error", "message": str(_("Hệ thống đang gặp sự cố, vui lòng thử lại sau.")), "fields": {}}
        return JsonResponse(body, status=500)
    return render(request, "500.html", status=500)
