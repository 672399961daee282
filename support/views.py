"""Help centre, citizens' tickets and notifications. Views parse, call support.services, render.

Tickets and notifications need a citizen login; any other logged-in user gets a 404 for tickets.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from support import services
from support.faq import FAQ, HOTLINES
from support.forms import TicketForm

PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # behind login_required


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "support/index.html", {"faq": FAQ, "hotlines": HOTLINES})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tickets(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    own = services.tickets_for_citizen(user)  # 404 for non-citizens
    status = 200
    if request.method == "POST":
        form = TicketForm(request.POST)
        if form.is_valid():
            try:
                ticket = services.create_ticket(user, **form.cleaned_data)
            except services.SupportError as exc:
                for name, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
                if not exc.fields:
                    form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Đã gửi yêu cầu #%(id)d. Cán bộ BHXH sẽ trả lời sớm.") % {"id": ticket.pk})
                return redirect("support:ticket", pk=ticket.pk)
        else:
            status = 400
    else:
        form = TicketForm()
    page = Paginator(own, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "support/tickets.html", {"form": form, "page": page}, status=status)


@never_cache
@login_required
@require_GET
def ticket(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "support/ticket.html", {"ticket": services.get_ticket_for_citizen(_user(request), pk)})


@never_cache
@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = Paginator(services.notifications_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "support/notifications.html", {"page": page, "unread": services.unread_count(user)})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    services.mark_read(_user(request), pk)
    if request.headers.get("HX-Request") == "true" and pk is not None:
        return HttpResponse(_("Đã đọc"))
    return redirect("support:notifications")
