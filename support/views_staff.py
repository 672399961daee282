"""The office's support queue: staff and leads answer the tickets routed to their office.

Anyone else who is logged in gets a 404 (as does a ticket of another office: support.services).
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_only
from accounts.models import User
from accounts.reissue import do_resend_password
from accounts.services import AccountError, new_password
from enrollment.models import Registration
from enrollment.services import get_registration_for_staff
from support import services
from support.forms import AnswerForm
from support.models import Ticket
from vssid.phone import local_phone

PAGE_SIZE = 50
FILTERS = [
    ("", gettext_lazy("Chờ trả lời")),
    ("answered", gettext_lazy("Đã trả lời")),
    ("closed", gettext_lazy("Đã đóng")),
]


@never_cache
@require_GET
@staff_only
def queue(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    status = request.GET.get("status", "")
    status = status if status in dict(FILTERS) else ""
    tickets = services.tickets_for_staff(user, status or Ticket.Status.OPEN)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": FILTERS, "status": status, "office": user.office}
    return render(request, "support/staff_queue.html", context)


@never_cache
@require_GET
@staff_only
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = services.view_ticket_for_staff(cast(User, request.user), pk, request=request)
    return render(request, "support/staff_ticket.html", {"ticket": ticket, "form": AnswerForm()})


@require_POST
@staff_only
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    ticket = services.get_ticket_for_staff(user, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_ticket(ticket, acting_user=user, answer=form.cleaned_data["answer"])
        except services.SupportError as exc:
            form.add_error("answer" if "answer" in exc.fields else None, exc.message)
        else:
            messages.success(request, _("Đã gửi trả lời yêu cầu #%(id)d.") % {"id": ticket.pk})
            return redirect("support_staff:queue")
    return render(request, "support/staff_ticket.html", {"ticket": ticket, "form": form}, status=400)


# ---- "gửi lại mật khẩu": the citizen at the desk or on the phone never got the password SMS ----


@require_POST
@staff_only
def resend_password(request: HttpRequest, reference: str) -> HttpResponse:
    """A new password by SMS for the account of an approved registration of the clerk's office."""
    clerk = cast(User, request.user)
    registration = get_registration_for_staff(clerk, reference)
    if registration.status != Registration.Status.APPROVED:
        messages.error(request, _("Chỉ gửi lại mật khẩu cho hồ sơ đã được duyệt."))
        return redirect("staff:detail", reference=registration.reference)
    try:
        do_resend_password(
            registration.person_id,
            to=registration.phone,
            dedupe_prefix=f"account_password:{registration.pk}",
            password=new_password(),
            acting_user=clerk,
            request=request,
        )
    except AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Đã tạo mật khẩu mới và gửi qua SMS tới số %(phone)s; mật khẩu cũ không còn dùng được.")
            % {"phone": local_phone(registration.phone)},
        )
    return redirect("staff:detail", reference=registration.reference)
