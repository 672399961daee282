"""Citizen pages of "Quá trình tham gia", "Thông tin hưởng", "Sổ khám chữa bệnh" and the flags.

Access: anonymous people go to the login page; a logged-in user who is not a citizen with a person
gets a 404, so nothing leaks about what exists. The office's pages that answer the flags are
corrections.views (routed in urls_history, under the same "history" namespace).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import citizen_only
from accounts.models import User
from corrections.actions import check_flag_missing_month, check_flag_period
from corrections.services import MAX_OPEN_FLAGS, CorrectionError, flags_of_person
from declarations.views import month_context
from registry import history
from registry.calculators import active_card, explain_visits
from registry.history import HistoryError
from registry.models import BenefitPayment, PeriodFlag, Scheme
from registry.statement import statement_for_person
from vssid.errors import DomainError


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _person_id(request: HttpRequest) -> int:
    person_id = _user(request).person_id
    assert person_id is not None  # noqa: S101 - citizen_only checked it
    return person_id


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 4 else None


SCHEME_TABS = [(s.value, s.label) for s in history.SCHEME_ORDER]


@dataclass(frozen=True)
class Gap:
    """Months with no participation between two periods: where a missing month hides."""

    first: dt.date
    last: dt.date
    is_gap = True

    @property
    def first_display(self) -> str:
        return f"{self.first.month:02d}/{self.first.year}"

    @property
    def last_display(self) -> str:
        return f"{self.last.month:02d}/{self.last.year}"

    @property
    def first_value(self) -> str:
        return f"{self.first.year}-{self.first.month:02d}"


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _month(day: dt.date | None) -> dt.date | None:
    return day.replace(day=1) if day else None


def with_gaps(rows: Sequence[Any]) -> list[Any]:
    """The periods in order (oldest first, as listed), with a Gap wherever months are missing
    between one period's end and the next one's start."""
    items: list[Any] = []
    covered_to: dt.date | None = None  # the last month covered so far; None once a period is ongoing
    started = False
    for row in rows:
        start = row.from_month.replace(day=1)
        if started and covered_to is not None and start > _add_months(covered_to, 1):
            items.append(Gap(_add_months(covered_to, 1), _add_months(start, -1)))
        items.append(row)
        if not started:
            covered_to, started = _month(row.to_month), True
        elif covered_to is not None:
            covered_to = None if row.to_month is None else max(covered_to, row.to_month.replace(day=1))
    return items


@never_cache
@require_GET
@citizen_only
def participation(request: HttpRequest) -> HttpResponse:
    error: HistoryError | None = None
    try:
        scheme = history.parse_scheme(request.GET.get("scheme"))
    except HistoryError:
        scheme = Scheme.BHXH.value
    from_year, to_year = _int_or_none(request.GET.get("from_year")), _int_or_none(request.GET.get("to_year"))
    try:
        result = history.participation_history(_person_id(request), scheme=scheme, from_year=from_year, to_year=to_year)
    except HistoryError as exc:
        error = exc
        result = history.participation_history(_person_id(request), scheme=scheme)
    context = {
        "history": result,
        "items": with_gaps(result.rows),
        "tabs": SCHEME_TABS,
        "scheme": scheme,
        "error": error,
        "kinds": PeriodFlag.Kind,
    }
    context.update(month_context(_person_id(request)))  # paid, unpaid and late months from the declarations
    return render(request, "history/participation.html", context, status=400 if error else 200)


@never_cache
@require_GET
@citizen_only
def statement(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(statement_for_person(_person_id(request)), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="C14-TS.pdf"'
    return response


BENEFIT_TABS = [(t.value, t.label) for t in BenefitPayment.Tab]


@never_cache
@require_GET
@citizen_only
def benefits(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab") or BenefitPayment.Tab.MOT_LAN.value
    if tab not in BenefitPayment.Tab.values:
        tab = BenefitPayment.Tab.MOT_LAN.value
    rows = history.benefits(_person_id(request), tab=tab)
    return render(request, "history/benefits.html", {"rows": rows, "tabs": BENEFIT_TABS, "tab": tab})


@never_cache
@require_GET
@citizen_only
def visits(request: HttpRequest) -> HttpResponse:
    year = _int_or_none(request.GET.get("year"))
    rows, years = history.medical_visits(_person_id(request))
    if year is None and years:
        year = years[0]
    shown = [v for v in rows if timezone.localtime(v.admitted_at).year == year]
    # Why each visit cost what it did (the card rules of its date); the whole year counts for the yearly cap.
    rules_by_visit = explain_visits(shown, active_card(_person_id(request)))
    for visit in shown:
        visit.card_rule = rules_by_visit.get(visit.pk)  # type: ignore[attr-defined]
    return render(request, "history/visits.html", {"rows": shown, "years": years, "year": year})


@never_cache
@require_http_methods(["GET", "POST"])
@citizen_only
def flags(request: HttpRequest) -> HttpResponse:
    """The person's flags with status and answer, and the "tháng bị thiếu" form."""
    person_id = _person_id(request)
    error: DomainError | None = None
    if request.method == "POST":
        try:
            check_flag_missing_month(
                person_id,
                scheme=request.POST.get("scheme", ""),
                month=request.POST.get("month", ""),
                message=request.POST.get("message", ""),
                acting_user=_user(request),
            )
        except (HistoryError, CorrectionError) as exc:  # the history refuses the scheme, corrections the rest
            error = exc
        else:
            messages.success(request, _("Đã gửi phản ánh. Cơ quan BHXH sẽ trả lời tại đây và báo bạn qua SMS."))
            return redirect("history:flags")
    context = {
        "flags": flags_of_person(person_id),
        "tabs": SCHEME_TABS,
        "error": error,
        # A gap's "báo thiếu" link names the first missing month ("2019-01"), ready in the form.
        "values": request.POST
        if request.method == "POST"
        else {"scheme": request.GET.get("scheme", "bhxh"), "month": request.GET.get("month", "")[:7]},
        "max_open": MAX_OPEN_FLAGS,
    }
    return render(request, "history/flags.html", context, status=(error.status if error else 200))


@never_cache
@require_http_methods(["GET", "POST"])
@citizen_only
def flag(request: HttpRequest, period_id: int) -> HttpResponse:
    """Report a problem on one row of the history (404 for a row that is not the person's)."""
    person_id = _person_id(request)
    period = history.get_period_for_person(person_id, period_id)
    error: CorrectionError | None = None
    if request.method == "POST":
        try:
            check_flag_period(
                person_id,
                period_id,
                month=request.POST.get("month") or None,
                message=request.POST.get("message", ""),
                acting_user=_user(request),
            )
        except CorrectionError as exc:
            error = exc
        else:
            messages.success(request, _("Đã gửi phản ánh. Cơ quan BHXH sẽ trả lời tại đây và báo bạn qua SMS."))
            return redirect("history:flags")
    context = {
        "period": period,
        "error": error,
        "values": request.POST if request.method == "POST" else {},
        "from_value": f"{period.from_month:%Y-%m}",
        "to_value": f"{(period.to_month or history.current_month()):%Y-%m}",
    }
    return render(request, "history/flag.html", context, status=(error.status if error else 200))
