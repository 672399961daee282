"""The office back office: the clerk's queue, one registration, its photos and the three decisions.

Access: anonymous people are sent to the login page; any logged-in user who is not staff or lead
of an office gets a 404, and a registration of another office is a 404 too
(get_registration_for_staff), so the pages leak nothing about what exists elsewhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_only
from accounts.models import User
from accounts.services import new_password
from enrollment.actions import do_approve_registration, do_receive_registration, do_reject_registration
from enrollment.models import Registration
from enrollment.services import (
    EnrollmentError,
    get_registration_for_staff,
    password_sms_status,
    photo_for_staff,
    search_for_staff,
    staff_queue,
    view_for_staff,
)
from vssid.phone import local_phone

PAGE_SIZE = 50
# The queue's filters: open files (both waiting states) by default, or one status.
FILTERS = [
    ("", gettext_lazy("Đang mở")),
    ("submitted", gettext_lazy("Chờ nộp tờ khai")),
    ("received", gettext_lazy("Chờ duyệt")),
    ("approved", gettext_lazy("Đã duyệt")),
    ("rejected", gettext_lazy("Đã từ chối")),
    ("expired", gettext_lazy("Quá hạn")),
]


def _clerk(request: HttpRequest) -> User:
    return cast(User, request.user)  # staff_only has checked it


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


class Row(NamedTuple):
    registration: Registration
    days_left: int | None  # days until the deadline, while the paper form is awaited
    days_late: int | None  # days past it (the nightly expiry has not run yet)


def _row(registration: Registration, today: dt.date) -> Row:
    if registration.status != Registration.Status.SUBMITTED or registration.deadline is None:
        return Row(registration, None, None)
    days = (registration.deadline - today).days
    return Row(registration, max(days, 0), -days if days < 0 else None)


@never_cache
@require_GET
@staff_only
def queue(request: HttpRequest) -> HttpResponse:
    user = _clerk(request)
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    status = status if status in dict(FILTERS) else ""
    today = timezone.localdate()
    if query:
        rows = list(search_for_staff(user, query))
        if len(rows) == 1 and rows[0].reference == query.upper():
            return redirect("staff:detail", reference=rows[0].reference)
        page = None
    else:
        page = Paginator(staff_queue(user, status or None), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    context = {
        "query": query,
        "status": status,
        "filters": FILTERS,
        "page": page,
        "rows": [_row(r, today) for r in rows],
        "office": user.office,
    }
    return render(request, "staff/queue.html", context)


def _panel_context(registration: Registration, **extra: Any) -> dict[str, Any]:
    password_sms = password_sms_status(registration)
    return {
        "registration": registration,
        "row": _row(registration, timezone.localdate()),
        "local_phone": local_phone(registration.phone),
        "password_sms": password_sms,
        **extra,
    }


@never_cache
@require_GET
@staff_only
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    registration = view_for_staff(_clerk(request), reference, request=request)
    return render(request, "staff/detail.html", _panel_context(registration))


@require_GET
@staff_only
def photo(request: HttpRequest, reference: str, which: str) -> HttpResponse:
    content, content_type = photo_for_staff(_clerk(request), reference, which, request=request)
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{reference}-{which}.jpg"'
    return response


def _decide(request: HttpRequest, reference: str, act: Callable[[User], Registration], done: str) -> HttpResponse:
    """Run one decision; htmx gets the updated panel, a plain form post a redirect (or the page with the error)."""
    user = _clerk(request)
    try:
        registration = act(user)
    except EnrollmentError as exc:
        reason = request.POST.get("reason", "")
        if _is_htmx(request):
            registration = get_registration_for_staff(user, reference)
            context = _panel_context(registration, error=exc, reason=reason, focus=True)
            return render(request, "staff/_detail_panel.html", context, status=exc.status)
        registration = view_for_staff(user, reference, request=request)
        return render(request, "staff/detail.html", _panel_context(registration, error=exc, reason=reason), status=exc.status)
    if _is_htmx(request):
        return render(request, "staff/_detail_panel.html", _panel_context(registration, notice=done, focus=True))
    messages.success(request, done)
    return redirect("staff:detail", reference=registration.reference)


@require_POST
@staff_only
def receive(request: HttpRequest, reference: str) -> HttpResponse:
    return _decide(
        request,
        reference,
        lambda user: do_receive_registration(reference, acting_user=user, request=request),
        _("Đã tiếp nhận tờ khai và bản chính CCCD."),
    )


@require_POST
@staff_only
def approve(request: HttpRequest, reference: str) -> HttpResponse:
    return _decide(
        request,
        reference,
        lambda user: do_approve_registration(reference, acting_user=user, password=new_password(), request=request),
        _("Đã duyệt hồ sơ. Tài khoản đã được tạo và mật khẩu đang được gửi qua SMS."),
    )


@require_POST
@staff_only
def reject(request: HttpRequest, reference: str) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _decide(
        request,
        reference,
        lambda user: do_reject_registration(reference, reason, acting_user=user, request=request),
        _("Đã từ chối hồ sơ. Người tham gia được báo lý do qua SMS."),
    )
