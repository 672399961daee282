from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from vssid.health import check_database

HOTLINES = [
    ("1900 9068", "Tổng đài hỗ trợ BHXH Việt Nam (24/7)"),
    ("0243.7223968", "BHXH TP Hà Nội — Phòng Quản lý thu"),
    ("0243.72236554", "BHXH TP Hà Nội — Phòng Truyền thông và Phát triển người tham gia"),
]


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"hotlines": HOTLINES})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    ok, detail = check_database()
    return JsonResponse({"status": "ok" if ok else "error", "database": detail}, status=200 if ok else 503)
