"""Rules and queries of the flags (phản ánh): a citizen's report of a wrong or missing month.

The state changes are in corrections.actions; here are the checks they share and the reads of the
citizen's, the office's and the API's pages. A citizen reaches only their own flags (filtered by
their person id), a clerk only the flags of their office (anything else is a 404).
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record
from registry.history import format_month
from registry.models import PeriodFlag, Person
from vssid.clientip import client_ip
from vssid.errors import DomainError
from vssid.text import nfc, to_ascii_sms

MAX_OPEN_FLAGS = 10
MESSAGE_MAX_LENGTH = 1000
ANSWER_MAX_LENGTH = 2000
FALLBACK_OFFICE = "001"  # the city office answers what no district office manages


class CorrectionError(DomainError):
    pass


# ---- checks ------------------------------------------------------------------------------------


def clean_message(message: str, limit: int, name: str) -> str:
    text = nfc(message or "")
    if "\x00" in text:
        # PostgreSQL cannot store a NUL; the web forms post here without a Django form to refuse it.
        raise CorrectionError(
            "message_invalid", _("Nội dung chứa ký tự không hợp lệ."), fields={name: [_("Không được chứa ký tự NUL.")]}
        )
    if not text:
        raise CorrectionError("message_required", _("Hãy mô tả vấn đề."), fields={name: [_("Trường này là bắt buộc.")]})
    if len(text) > limit:
        raise CorrectionError(
            "message_too_long",
            _("Nội dung quá dài."),
            fields={name: [_("Tối đa %(n)d ký tự.") % {"n": limit}]},
        )
    return text


def parse_month(value: str | dt.date | None) -> dt.date:
    """ "2024-03" (an <input type=month>), "03/2024" or a date → first day of that month."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = (value or "").strip()
    try:
        if "/" in text:
            month, year = text.split("/")
            return dt.date(int(year), int(month), 1)
        year, month = text.split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except ValueError:
        raise CorrectionError(
            "invalid_month",
            _("Tháng không hợp lệ."),
            fields={"month": [_("Nhập tháng theo dạng MM/YYYY hoặc YYYY-MM, ví dụ 03/2024.")]},
        ) from None


def office_for(person: Person, employer_office_id: str | None) -> str:
    """The office that answers: the employer's, else the one of the person's ward, else the city's."""
    if employer_office_id:
        return employer_office_id
    if person.ward_id is not None and person.ward is not None and person.ward.office_id:
        return str(person.ward.office_id)
    return FALLBACK_OFFICE


def staff_office(user: User) -> str:
    """The office of a clerk or lead; anyone else gets a 404."""
    if user.role not in (User.Role.STAFF, User.Role.LEAD) or not user.office_id:
        raise Http404
    return str(user.office_id)


def answer_sms(flag: PeriodFlag) -> str:
    body = to_ascii_sms(
        f"BHXH: Phan anh ve thang {format_month(flag.month)} ({flag.get_scheme_display()}) da duoc tra loi. "
        "Xem tai VssID, muc Qua trinh tham gia > Phan anh."
    )
    return body[:160]


# ---- the citizen's side ------------------------------------------------------------------------


def flags_of_person(person_id: int) -> list[PeriodFlag]:
    return list(PeriodFlag.objects.filter(person_id=person_id).select_related("employer").order_by("-created_at", "-id"))


def open_flag_count(person_id: int) -> int:
    return PeriodFlag.objects.filter(person_id=person_id, status=PeriodFlag.Status.OPEN).count()


# ---- the office side ---------------------------------------------------------------------------


def flags_for_staff(
    user: User, *, status: str | None = None, request: HttpRequest | None = None, limit: int = 100
) -> list[PeriodFlag]:
    """The flags of the clerk's office, open first; the read of each person's report is audited."""
    office = staff_office(user)
    qs = PeriodFlag.objects.filter(office_id=office).select_related("person", "employer")
    if status:
        qs = qs.filter(status=status)
    flags = list(qs.order_by("status", "-created_at", "-id")[:limit])
    if flags:
        ip = client_ip(request)
        AuditEvent.objects.bulk_create(
            AuditEvent(
                actor=user,
                actor_label=user.get_username(),
                action="history.flag_listed",
                object_type="period_flag",
                object_id=str(flag.pk),
                person_id=flag.person_id,
                ip=ip,
                detail={},
            )
            for flag in flags
        )
    return flags


def get_flag_for_staff(user: User, flag_id: int, *, request: HttpRequest | None = None) -> PeriodFlag:
    """A flag of the clerk's own office, or 404; the read is audited."""
    office = staff_office(user)
    flag = (
        PeriodFlag.objects.filter(pk=flag_id, office_id=office)
        .select_related("person", "employer", "period", "answered_by", "employer_note_by")
        .first()
    )
    if flag is None:
        raise Http404
    return audited_read("history.flag_viewed", flag, user=user, request=request)


def audited_read(action: str, flag: PeriodFlag, *, user: User, request: HttpRequest | None) -> PeriodFlag:
    """Record that `user` read a flag (the citizen sees it in "who used my data"), and return it."""
    record(action, actor=user, object_type="period_flag", object_id=flag.pk, person=flag.person_id, request=request)
    return flag
