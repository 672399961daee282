"""The office's pages of the flags: the list of its office's flags and the answer form.

A logged-in user who is not staff of the flag's office gets a 404, so nothing leaks about what
exists. They are routed in citizen/urls_history.py, under the "history" namespace of the
citizen's pages whose rows the flags are about.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import staff_only
from accounts.models import User
from corrections.actions import check_answer_flag
from corrections.services import CorrectionError, flags_for_staff, get_flag_for_staff
from registry.models import PeriodFlag


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


STAFF_FILTERS = [
    ("open", gettext_lazy("Đang xử lý")),
    ("answered", gettext_lazy("Đã trả lời")),
    ("closed", gettext_lazy("Đã đóng")),
    ("", gettext_lazy("Tất cả")),
]


@never_cache
@require_GET
@staff_only
def staff_flags(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in PeriodFlag.Status.values:
        status = ""
    rows = flags_for_staff(_user(request), status=status or None, request=request)
    return render(request, "history/staff_flags.html", {"rows": rows, "status": status, "filters": STAFF_FILTERS})


@never_cache
@require_http_methods(["GET", "POST"])
@staff_only
def staff_flag_answer(request: HttpRequest, flag_id: int) -> HttpResponse:
    clerk = _user(request)
    item = get_flag_for_staff(clerk, flag_id, request=request)
    error: CorrectionError | None = None
    if request.method == "POST":
        try:
            check_answer_flag(
                item,
                answer=request.POST.get("answer", ""),
                acting_user=clerk,
                close=request.POST.get("close") == "1",
                request=request,
            )
        except CorrectionError as exc:
            error = exc
        else:
            messages.success(request, _("Đã gửi trả lời và thông báo cho người tham gia qua SMS."))
            return redirect("history:staff_flags")
    context = {"flag": item, "error": error, "values": request.POST if request.method == "POST" else {}}
    return render(request, "history/staff_flag_answer.html", context, status=(error.status if error else 200))
