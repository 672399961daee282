"""Pages of the declarations: the employer portal (/don-vi/ke-khai/, /don-vi/c12/), the office's
queue and payments (/staff/ke-khai/, /staff/nop-tien/) and the citizen's alert setting. Thin views:
services decide, these show the answer; a refusal keeps what was typed and lists the rows at fault.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import citizen_only, staff_only
from accounts.models import User
from declarations import actions, alerts, c12, c12pdf, payments, services
from declarations.codes import PA_CODES
from declarations.intake import MAX_FILE_BYTES, IntakeError, read_upload
from declarations.models import Debt, Dossier, Payment
from declarations.validation import add_months, month_text
from employers.services import employer_for_user
from vssid.errors import DomainError

FORM_KEYS = ("PhuongAnId", "MaSoBhxh", "HoTen", "NgaySinh", "GioiTinh", "ChucVu", "TienLuong", "TuThang", "DenThang", "GhiChu")


def _login_first(request: HttpRequest) -> HttpResponse | None:
    return None if request.user.is_authenticated else redirect_to_login(request.get_full_path())


def _default_period() -> str:
    return f"{timezone.localdate():%m%Y}"


@never_cache
@require_http_methods(["GET", "POST"])
def employer_dossiers(request: HttpRequest) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    employer = employer_for_user(request.user)
    error: DomainError | None = None
    form = dict.fromkeys(FORM_KEYS, "")
    period_text = request.POST.get("period", _default_period())[:7]
    if request.method == "POST":
        try:
            period = services.parse_period(period_text)
            if request.POST.get("kind") == "file":
                upload = request.FILES.get("file")
                if upload is None:
                    raise IntakeError("invalid_input", _("Chọn tệp D02-LT (.xlsx hoặc .csv)."), fields={"file": [_("Chọn tệp.")]})
                dossier = services.create_from_file(request.user, period, read_upload(upload, upload.size), upload.name or "")
            else:
                form = {k: request.POST.get(k, "")[:500] for k in FORM_KEYS}
                dossier = services.new_form_dossier(request.user, period, dict(form))
            messages.success(
                request,
                _("Đã tạo hồ sơ nháp kỳ %(period)s (%(rows)d dòng). Kiểm tra rồi bấm Gửi.")
                % {"period": dossier.period_display, "rows": dossier.row_count},
            )
            return redirect("declarations:dossier", dossier_id=dossier.pk)
        except DomainError as exc:
            error = exc
    page = Paginator(services.dossiers_for_employer(request.user), 20).get_page(request.GET.get("page"))
    debts = list(Debt.objects.filter(employer=employer).order_by("-period")[:12])
    context = {
        "employer": employer,
        "page": page,
        "error": error,
        "problems": getattr(error, "problems", [])[:200],
        "period": period_text,
        "form": form,
        "codes": list(PA_CODES.items()),
        "max_mb": MAX_FILE_BYTES // (1024 * 1024),
        "debts": debts,
        "today": timezone.localdate(),
    }
    return render(request, "declarations/employer_dossiers.html", context, status=(error.status if error else 200))


@never_cache
@require_http_methods(["GET", "POST"])
def employer_dossier(request: HttpRequest, dossier_id: int) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    dossier = services.get_for_employer(request.user, dossier_id)
    error: DomainError | None = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "submit":
                dossier = services.submit(request.user, dossier_id)
                messages.success(request, _("Đã gửi hồ sơ đến cơ quan BHXH."))
            else:
                services.add_row(request.user, dossier_id, {k: request.POST.get(k, "")[:500] for k in FORM_KEYS})
                messages.success(request, _("Đã thêm một dòng."))
            return redirect("declarations:dossier", dossier_id=dossier_id)
        except DomainError as exc:
            error = exc
    rows = Paginator(dossier.rows.all(), 100).get_page(request.GET.get("page"))
    context = {
        "dossier": dossier,
        "rows": rows,
        "error": error,
        "problems": getattr(error, "problems", [])[:200],
        "codes": list(PA_CODES.items()),
    }
    return render(request, "declarations/employer_dossier.html", context, status=(error.status if error else 200))


@never_cache
@require_GET
def employer_statement(request: HttpRequest, period: str) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    employer = employer_for_user(request.user)
    month = services.parse_period(period)
    statement = c12.build(employer, month)
    context = {
        "statement": statement,
        "period": period,
        "previous": f"{add_months(month, -1):%m%Y}",
        "next": f"{add_months(month, 1):%m%Y}" if add_months(month, 1) <= timezone.localdate().replace(day=1) else "",
        "counts": {"A.1", "B.1", "B.1.1", "B.1.2", "Đ.1"},
    }
    return render(request, "declarations/statement.html", context)


@never_cache
@require_GET
def employer_statement_pdf(request: HttpRequest, period: str) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    employer = employer_for_user(request.user)
    body = c12pdf.render(c12.build(employer, services.parse_period(period)))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="C12_{employer.code}_{period}.pdf"'
    return response


# ---- office ------------------------------------------------------------------------------------


@never_cache
@require_GET
@staff_only
def staff_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Dossier.Status.values and status != Dossier.Status.DRAFT else ""
    page = Paginator(services.staff_queue(request.user, status or None), 50).get_page(request.GET.get("page"))
    overdue = [
        d
        for d in Debt.objects.filter(employer__office_id=cast(User, request.user).office_id, overdue_flagged_at__isnull=False)
        .select_related("employer")
        .order_by("period")[:50]
        if d.unpaid > 0
    ]
    filters = [("", _("Đang chờ"))] + [(s.value, s.label) for s in Dossier.Status if s != Dossier.Status.DRAFT]
    return render(
        request, "declarations/staff_queue.html", {"page": page, "status": status, "filters": filters, "overdue": overdue}
    )


@never_cache
@require_http_methods(["GET", "POST"])
@staff_only
def staff_dossier(request: HttpRequest, dossier_id: int) -> HttpResponse:
    dossier = services.get_for_staff(request.user, dossier_id)
    error: DomainError | None = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "receive":
                actions.receive(request.user, dossier_id, request=request)
                messages.success(request, _("Đã tiếp nhận hồ sơ."))
            elif action == "process":
                done = actions.process(request.user, dossier_id, request=request)
                if done.status == Dossier.Status.PROCESSED:
                    messages.success(request, _("Đã xử lý hồ sơ, số %(number)s.") % {"number": done.number})
                else:
                    messages.success(
                        request,
                        _("Đang xử lý hồ sơ (%(rows)d dòng); trang này cho biết tiến độ và số hồ sơ khi xong.")
                        % {"rows": done.row_count},
                    )
            elif action == "return":
                actions.return_dossier(request.user, dossier_id, request.POST.get("reason", "")[:2000], request=request)
                messages.success(request, _("Đã trả lại hồ sơ cho đơn vị."))
            return redirect("declarations:staff_dossier", dossier_id=dossier_id)
        except DomainError as exc:
            error = exc
            dossier.refresh_from_db()
    status = error.status if error else 200
    if error is None and (refused := services.refused_on_processing(dossier)) is not None:
        error = refused  # shown, but the page itself is fine
    rows = Paginator(dossier.rows.all(), 100).get_page(request.GET.get("page"))
    context = {"dossier": dossier, "rows": rows, "error": error, "problems": getattr(error, "problems", [])[:200]}
    return render(request, "declarations/staff_dossier.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@staff_only
def staff_payments(request: HttpRequest) -> HttpResponse:
    error: DomainError | None = None
    form = {"employer": "", "amount": "", "paid_on": f"{timezone.localdate():%Y-%m-%d}", "reference": ""}
    if request.method == "POST":
        try:
            if request.POST.get("kind") == "statement":
                upload = request.FILES.get("file")
                if upload is None:
                    raise IntakeError("invalid_input", _("Chọn tệp sao kê (.csv)."), fields={"file": [_("Chọn tệp.")]})
                result = payments.import_statement(request.user, read_upload(upload, upload.size))
                messages.success(
                    request,
                    _("Đã ghi nhận %(n)d khoản, bỏ qua %(s)d khoản đã có.") % {"n": result["recorded"], "s": result["skipped"]},
                )
            else:
                form = {k: request.POST.get(k, "")[:40] for k in form}
                amount_text = form["amount"].replace(".", "").replace(",", "").replace(" ", "")
                amount = int(amount_text) if amount_text.lstrip("-").isdigit() and len(amount_text) <= 16 else 0
                try:
                    paid_on = dt.date.fromisoformat(form["paid_on"])
                except ValueError:
                    raise services.DeclarationError(
                        "invalid_input", _("Ngày nộp không hợp lệ."), fields={"paid_on": [_("Ngày nộp không hợp lệ.")]}
                    ) from None
                payment = payments.record_payment(
                    request.user, employer_code=form["employer"], amount=amount, paid_on=paid_on, reference=form["reference"]
                )
                messages.success(
                    request,
                    _("Đã ghi nhận UNC %(ref)s: %(amount)s đ.")
                    % {"ref": payment.reference, "amount": f"{payment.amount:,}".replace(",", ".")},
                )
            return redirect("declarations:staff_payments")
        except DomainError as exc:
            error = exc
    recent = (
        Payment.objects.filter(employer__office_id=cast(User, request.user).office_id)
        .select_related("employer")
        .order_by("-recorded_at")[:30]
    )
    return render(
        request,
        "declarations/staff_payments.html",
        {"error": error, "form": form, "recent": recent},
        status=(error.status if error else 200),
    )


# ---- citizen -----------------------------------------------------------------------------------


@never_cache
@require_POST
@citizen_only
def citizen_alerts(request: HttpRequest) -> HttpResponse:
    person_id = cast(User, request.user).person_id
    assert person_id is not None  # noqa: S101 - citizen_only checked it
    alerts.set_sms_alerts(person_id, request.POST.get("sms") == "1")
    messages.success(request, _("Đã lưu cài đặt nhận tin nhắn khi đơn vị đóng BHXH."))
    return redirect("history:participation")


def month_context(person_id: int) -> dict[str, Any]:
    """For the citizen's history page: the months of the ledger and the SMS choice."""
    statuses = alerts.month_statuses(person_id)
    return {
        "contribution_months": statuses[:24],
        "unpaid_months": [s for s in statuses if not s.paid],
        # The opt-in form shows only with months; without them, no second query.
        "sms_alerts": alerts.sms_alerts(person_id) if statuses else False,
    }


__all__ = ["month_context", "month_text"]
