"""State changes of the flags: one function per change, each its own transaction with its audit row.

`check_*` validates the input, then calls the `do_*` that changes the state; the actor is keyword-only.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record_change
from corrections.services import (
    ANSWER_MAX_LENGTH,
    MAX_OPEN_FLAGS,
    MESSAGE_MAX_LENGTH,
    CorrectionError,
    answer_sms,
    clean_message,
    office_for,
    parse_month,
    staff_office,
)
from messaging.services import queue_sms
from registry.history import MIN_YEAR, current_month, format_month, get_period_for_person, parse_scheme
from registry.models import ParticipationPeriod, PeriodFlag, Person

# ---- the citizen reports -----------------------------------------------------------------------


def check_flag_period(
    person_id: int, period_id: int, *, message: str, month: str | dt.date | None = None, acting_user: User | None
) -> PeriodFlag:
    """Report a wrong row (or one wrong month of it); 404 when the period is not the person's."""
    period = get_period_for_person(person_id, period_id)
    day = parse_month(month) if month else period.from_month
    last = period.to_month or current_month()
    if not period.from_month <= day <= max(last, period.from_month):
        raise CorrectionError(
            "month_outside_period",
            _("Tháng này không thuộc dòng đã chọn."),
            fields={
                "month": [
                    _("Chọn một tháng từ %(a)s đến %(b)s.") % {"a": format_month(period.from_month), "b": format_month(last)}
                ]
            },
        )
    text = clean_message(message, MESSAGE_MAX_LENGTH, "message")
    employer = period.employer
    return do_create_flag(
        person_id,
        scheme=period.scheme,
        month=day,
        kind=PeriodFlag.Kind.WRONG,
        message=text,
        period=period,
        employer_code=employer.code if employer else None,
        employer_office_id=str(employer.office_id) if employer else None,
        acting_user=acting_user,
    )


def check_flag_missing_month(
    person_id: int, *, scheme: str, month: str | dt.date, message: str, acting_user: User | None
) -> PeriodFlag:
    """Report a month that should be in the history; it goes to the office of the employer of the
    nearest earlier period of that scheme (the likely one), else the person's ward office."""
    scheme = parse_scheme(scheme)
    day = parse_month(month)
    if day > current_month() or day.year < MIN_YEAR:
        raise CorrectionError("invalid_month", _("Tháng không hợp lệ."), fields={"month": [_("Chọn một tháng đã qua.")]})
    nearest = (
        ParticipationPeriod.objects.filter(person_id=person_id, scheme=scheme, from_month__lte=day, employer__isnull=False)
        .select_related("employer")
        .order_by("-from_month")
        .first()
    )
    text = clean_message(message, MESSAGE_MAX_LENGTH, "message")
    employer = nearest.employer if nearest else None
    return do_create_flag(
        person_id,
        scheme=scheme,
        month=day,
        kind=PeriodFlag.Kind.MISSING,
        message=text,
        period=None,
        employer_code=employer.code if employer else None,
        employer_office_id=str(employer.office_id) if employer else None,
        acting_user=acting_user,
    )


@transaction.atomic(durable=True)
def do_create_flag(
    person_id: int,
    *,
    scheme: str,
    month: dt.date,
    kind: str,
    message: str,
    period: ParticipationPeriod | None,
    employer_code: str | None,
    employer_office_id: str | None,
    acting_user: User | None,
) -> PeriodFlag:
    """Open a flag for the office that answers it, unless the person already has MAX_OPEN_FLAGS open."""
    # The person row is the lock that keeps two concurrent reports from passing the limit.
    person = Person.objects.select_for_update(of=("self",)).select_related("ward").get(pk=person_id)
    if PeriodFlag.objects.filter(person_id=person_id, status=PeriodFlag.Status.OPEN).count() >= MAX_OPEN_FLAGS:
        raise CorrectionError(
            "too_many_open_flags",
            _("Bạn đang có %(n)d phản ánh chưa được trả lời. Hãy chờ cơ quan BHXH trả lời trước khi gửi thêm.")
            % {"n": MAX_OPEN_FLAGS},
            status=409,
        )
    flag = PeriodFlag.objects.create(
        person=person,
        period=period,
        scheme=scheme,
        month=month,
        kind=kind,
        message=message,
        employer_id=employer_code,
        office_id=office_for(person, employer_office_id),
    )
    record_change(
        "history.flag_created",
        acting_user=acting_user,
        object_type="period_flag",
        object_id=flag.pk,
        person=person_id,
        kind=kind,
        month=month.isoformat(),
    )
    return flag


# ---- the office answers ------------------------------------------------------------------------


def check_answer_flag(
    flag: PeriodFlag, *, answer: str, acting_user: User, close: bool = False, request: HttpRequest | None = None
) -> PeriodFlag:
    """The office's answer to a flag of its own (another office's is a 404)."""
    if str(flag.office_id) != staff_office(acting_user):
        raise Http404
    text = clean_message(answer, ANSWER_MAX_LENGTH, "answer")
    return do_answer_flag(flag, answer=text, acting_user=acting_user, close=close, request=request)


@transaction.atomic(durable=True)
def do_answer_flag(
    flag: PeriodFlag, *, answer: str, acting_user: User, close: bool = False, request: HttpRequest | None = None
) -> PeriodFlag:
    """Status answered (or closed), audited, and a notice SMS to the person."""
    # Claimed with a conditional update: two clerks answering at once send one SMS.
    now = timezone.now()
    new_status = PeriodFlag.Status.CLOSED if close else PeriodFlag.Status.ANSWERED
    claimed = PeriodFlag.objects.filter(pk=flag.pk, status=PeriodFlag.Status.OPEN).update(
        status=new_status, answer=answer, answered_by=acting_user, answered_at=now
    )
    if claimed != 1:
        raise CorrectionError("already_answered", _("Phản ánh này đã được trả lời."), status=409)
    flag.status, flag.answer, flag.answered_by, flag.answered_at = new_status, answer, acting_user, now
    record_change(
        "history.flag_answered",
        acting_user=acting_user,
        object_type="period_flag",
        object_id=flag.pk,
        person=flag.person_id,
        request=request,
        status=new_status,
    )
    phone = Person.objects.filter(pk=flag.person_id).values_list("phone", flat=True).first()
    if phone:
        queue_sms(to=phone, kind="notice", body=answer_sms(flag), dedupe_key=f"period-flag-answered:{flag.pk}")
    return flag
