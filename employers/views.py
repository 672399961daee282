"""Pages of the employer portal (/don-vi/) and the campaign dashboard (/chien-dich/): thin views.

The portal's pages answer anonymous people with the login page and every other kind of user with
a 404 (employer_for_user), so nothing says the portal exists.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from employers import campaign, exports
from employers.services import (
    FLAG_STATUSES,
    NOTE_MAX_LENGTH,
    STATUSES,
    EmployerPortalError,
    add_flag_note,
    audit_flag_list,
    audit_worker_list,
    campaign_office_for_user,
    employer_flags,
    employer_for_user,
    get_employer_flag,
    invite_workers,
    open_flag_count,
    recent_invitations,
    ssns_without_account,
    status_counts,
    status_label,
    worker_status,
    workers,
)

PAGE_SIZE = 50


def _login_first(request: HttpRequest) -> HttpResponse | None:
    return None if request.user.is_authenticated else redirect_to_login(request.get_full_path())


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@never_cache
@require_GET
def worker_list(request: HttpRequest) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    employer = employer_for_user(request.user)
    status = request.GET.get("status", "")
    status = status if status in STATUSES else ""
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(workers(employer, status=status, query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"person": p, "status": worker_status(p), "label": status_label(worker_status(p))} for p in page.object_list]
    audit_worker_list(request.user, employer, request=request, kind="list", count=len(rows))  # type: ignore[arg-type]
    context = {
        "employer": employer,
        "page": page,
        "rows": rows,
        "status": status,
        "query": query,
        "statuses": [(s, status_label(s)) for s in STATUSES],
        "counts": status_counts(employer),
        "invitations": list(recent_invitations(employer)),
    }
    if _is_htmx(request):
        return render(request, "employers/_worker_rows.html", context)
    context["open_flags"] = open_flag_count(employer)
    return render(request, "employers/workers.html", context)


@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    employer = employer_for_user(request.user)
    ssns = ssns_without_account(employer) if request.POST.get("all_without_account") else request.POST.getlist("ssn")
    if not ssns:
        messages.error(request, _("Chọn ít nhất một người lao động chưa có tài khoản."))
        return redirect("employers:workers")
    result = invite_workers(request.user, employer, ssns, request=request)  # type: ignore[arg-type]
    if result.invited:
        messages.success(request, _("Đã gửi tin nhắn mời tới %(n)d người.") % {"n": len(result.invited)})
    for _code, message in result.refused.values():
        messages.error(request, message)
    return redirect("employers:workers")


@require_GET
def workers_csv(request: HttpRequest) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    employer = employer_for_user(request.user)
    people = list(workers(employer, status=request.GET.get("status", ""), query=request.GET.get("q", "")))
    audit_worker_list(request.user, employer, request=request, kind="csv", count=len(people))  # type: ignore[arg-type]
    response = HttpResponse(exports.workers_csv(people), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="nguoi-lao-dong-{employer.code}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def instruction_sheet(request: HttpRequest) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    employer = employer_for_user(request.user)
    response = HttpResponse(exports.instruction_sheet_pdf(employer), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="huong-dan-vssid.pdf"'
    return response


@never_cache
@require_GET
def campaign_dashboard(request: HttpRequest) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    office = campaign_office_for_user(request.user)
    dashboard = campaign.campaign_dashboard(office)
    chart = exports.trend_svg(dashboard.trend, title=_("Tỷ lệ người tham gia có tài khoản VssID theo tuần"))
    context = {
        "dashboard": dashboard,
        "office": office,
        "chart": mark_safe(chart),  # noqa: S308 - built by exports.trend_svg, every text escaped
        "is_lead": isinstance(request.user, User) and request.user.role == User.Role.LEAD,
    }
    return render(request, "employers/campaign.html", context)


@require_GET
def campaign_csv(request: HttpRequest) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    office = campaign_office_for_user(request.user)
    group_by = request.GET.get("group_by", "employer")
    if group_by not in campaign.GROUPS:
        group_by = "employer"
    total, rows = campaign.adoption_by(office, group_by)  # type: ignore[arg-type]
    response = HttpResponse(exports.adoption_csv(group_by, total, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chien-dich-{office.code}-{group_by}.csv"'
    return response


# ---- flags of wrong or missing months ------------------------------------------------------------

FLAG_FILTERS = [
    ("", gettext_lazy("Tất cả")),
    ("open", gettext_lazy("Đang xử lý")),
    ("answered", gettext_lazy("Đã trả lời")),
    ("closed", gettext_lazy("Đã đóng")),
]


def _flag_status(value: str | None) -> str:
    return value if value in FLAG_STATUSES else ""


def _flag_list_url(status: str, page: str, flag_id: int) -> str:
    """Back to the list the form was sent from; only known values go into the address."""
    query = {k: v for k, v in (("status", _flag_status(status)), ("page", page if page.isdigit() else "")) if v}
    return reverse("employers:flags") + (f"?{urlencode(query)}" if query else "") + f"#flag-{flag_id}"


@never_cache
@require_GET
def flag_list(request: HttpRequest) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    employer = employer_for_user(request.user)
    status = _flag_status(request.GET.get("status"))
    page = Paginator(employer_flags(employer, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    flags = list(page.object_list)
    audit_flag_list(request.user, employer, flags, request=request)  # type: ignore[arg-type]
    context = {
        "employer": employer,
        "page": page,
        "flags": flags,
        "status": status,
        "filters": FLAG_FILTERS,
        "note_max": NOTE_MAX_LENGTH,
    }
    if _is_htmx(request):
        return render(request, "employers/_flag_rows.html", context)
    context["open_flags"] = open_flag_count(employer)
    return render(request, "employers/flags.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def flag_detail(request: HttpRequest, flag_id: int) -> HttpResponse:
    """One flag and the note form; htmx gets the updated card, a plain post a redirect or the page with the error."""
    if (login := _login_first(request)) is not None:
        return login
    employer = employer_for_user(request.user)
    user: User = request.user  # type: ignore[assignment]
    error: EmployerPortalError | None = None
    if request.method == "POST":
        try:
            flag = add_flag_note(user, employer, flag_id, request.POST.get("note", ""), request=request)
        except EmployerPortalError as exc:
            error = exc
        else:
            notice = _("Đã lưu ghi chú. Cơ quan BHXH và người lao động sẽ thấy ghi chú này.")
            if _is_htmx(request):
                return render(request, "employers/_flag_card.html", {"f": flag, "notice": notice, "note_max": NOTE_MAX_LENGTH})
            messages.success(request, notice)
            return redirect(_flag_list_url(request.POST.get("status", ""), request.POST.get("page", ""), flag.pk))
    flag = get_employer_flag(user, employer, flag_id, request=request)
    context = {
        "employer": employer,
        "f": flag,
        "error": error,
        "note_value": request.POST.get("note", "") if error else "",
        "note_max": NOTE_MAX_LENGTH,
    }
    template = "employers/_flag_card.html" if _is_htmx(request) else "employers/flag.html"
    return render(request, template, context, status=error.status if error else 200)
