"""Citizen self-service over the register: participation history, benefits, medical visits, flags.

The web pages, the statement PDF and the JSON API all call these functions. Everything a citizen
reaches is filtered by their own person id here, so a changed id in a URL is a 404 (Http404).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record
from messaging.services import queue_sms
from registry import rules
from registry.models import (
    BenefitPayment,
    MedicalVisit,
    ParticipationPeriod,
    PeriodFlag,
    Person,
    Scheme,
)
from vssid.clientip import client_ip
from vssid.errors import DomainError
from vssid.text import nfc, to_ascii_sms

MAX_OPEN_FLAGS = 10
MESSAGE_MAX_LENGTH = 1000
ANSWER_MAX_LENGTH = 2000
FALLBACK_OFFICE = "001"  # the city office answers what no district office manages
SCHEME_ORDER = (Scheme.BHXH, Scheme.BHTN, Scheme.BHYT, Scheme.BHTNLD)
MIN_YEAR, MAX_YEAR = 1960, 2100


class HistoryError(DomainError):
    pass


# ---- months ------------------------------------------------------------------------------------


def current_month(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()).replace(day=1)


def union_months(spans: Iterable[tuple[dt.date, dt.date | None]], today: dt.date | None = None) -> int:
    """Months covered by at least one span (first months, inclusive); open spans run to this month.

    Overlapping spans count once; months after the current one are not counted.
    """
    last = rules.month_index(current_month(today))
    intervals = sorted((rules.month_index(start), min(rules.month_index(end) if end else last, last)) for start, end in spans)
    total, reach = 0, -1
    for start, end in intervals:
        start = max(start, reach + 1)
        if end >= start:
            total += end - start + 1
            reach = end
    return total


def format_years_months(months: int) -> str:
    years, rest = rules.years_months(months)
    return _("%(years)d năm %(months)d tháng") % {"years": years, "months": rest}


def format_vnd(amount: int) -> str:
    """12800000 → "12.800.000 đ" (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".") + " đ"


def format_month(day: dt.date | None) -> str:
    return f"{day.month:02d}/{day.year}" if day else ""


# ---- participation history ---------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    id: int
    scheme: str
    from_month: dt.date
    to_month: dt.date | None  # None: ongoing
    employer_code: str
    employer_name: str
    position: str
    salary_basis: int
    currency: str
    voluntary: bool
    late_months: int
    months: int  # months of this row up to the current month

    @property
    def from_display(self) -> str:
        return format_month(self.from_month)

    @property
    def to_display(self) -> str:
        return format_month(self.to_month)

    @property
    def salary_display(self) -> str:
        return format_vnd(self.salary_basis) if self.currency == "VND" else f"{self.salary_basis:,} {self.currency}"


@dataclass(frozen=True)
class SchemeHistory:
    scheme: str
    rows: list[PeriodRow]  # the rows of the year filter, oldest first
    total_months: int  # whole history of the scheme, overlaps once
    late_months: int
    counts: dict[str, int] = field(default_factory=dict)  # rows per scheme, for the tabs
    from_year: int | None = None
    to_year: int | None = None

    @property
    def total_display(self) -> str:
        return format_years_months(self.total_months)

    @property
    def late_display(self) -> str:
        return format_years_months(self.late_months)


def parse_scheme(value: str | None) -> str:
    if not value:
        return Scheme.BHXH.value
    if value not in Scheme.values:
        raise HistoryError(
            "invalid_scheme", _("Loại bảo hiểm không hợp lệ."), fields={"scheme": [_("Chọn BHXH, BHTN, BHYT hoặc BHTNLĐ-BNN.")]}
        )
    return value


def check_years(from_year: int | None, to_year: int | None) -> None:
    fields: dict[str, list[str]] = {}
    for name, year in (("from_year", from_year), ("to_year", to_year)):
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            fields[name] = [_("Năm từ %(lo)d đến %(hi)d.") % {"lo": MIN_YEAR, "hi": MAX_YEAR}]
    if not fields and from_year is not None and to_year is not None and from_year > to_year:
        fields["to_year"] = [_("Năm kết thúc phải từ năm bắt đầu trở đi.")]
    if fields:
        raise HistoryError("invalid_years", _("Khoảng năm không hợp lệ."), fields=fields)


def _row(period: ParticipationPeriod, today: dt.date | None) -> PeriodRow:
    employer = period.employer
    return PeriodRow(
        id=period.pk,
        scheme=period.scheme,
        from_month=period.from_month,
        to_month=period.to_month,
        employer_code=employer.code if employer else "",
        employer_name=employer.name if employer else "",
        position=period.position,
        salary_basis=period.salary_basis,
        currency=period.currency,
        voluntary=period.voluntary,
        late_months=period.late_months,
        months=max(0, union_months([(period.from_month, period.to_month)], today)),
    )


def _periods(person_id: int) -> list[ParticipationPeriod]:
    """Every period of the person with its employer: one query."""
    return list(
        ParticipationPeriod.objects.filter(person_id=person_id)
        .select_related("employer")
        .only(
            "id",
            "scheme",
            "from_month",
            "to_month",
            "position",
            "salary_basis",
            "currency",
            "voluntary",
            "late_months",
            "employer__code",
            "employer__name",
            "employer__office_id",
        )
        .order_by("scheme", "from_month", "id")
    )


def participation_history(
    person_id: int,
    *,
    scheme: str,
    from_year: int | None = None,
    to_year: int | None = None,
    today: dt.date | None = None,
) -> SchemeHistory:
    """One tab of "Quá trình tham gia"; the totals cover the whole scheme, the rows the years asked."""
    check_years(from_year, to_year)
    periods = _periods(person_id)
    counts = {s.value: 0 for s in SCHEME_ORDER}
    for period in periods:
        counts[period.scheme] = counts.get(period.scheme, 0) + 1
    mine = [p for p in periods if p.scheme == scheme]
    lo = dt.date(from_year, 1, 1) if from_year else None
    hi = dt.date(to_year, 12, 1) if to_year else None
    now = current_month(today)
    shown = [p for p in mine if (hi is None or p.from_month <= hi) and (lo is None or (p.to_month or now) >= lo)]
    return SchemeHistory(
        scheme=scheme,
        rows=[_row(p, today) for p in shown],
        total_months=union_months(((p.from_month, p.to_month) for p in mine), today),
        late_months=sum(p.late_months for p in mine),
        counts=counts,
        from_year=from_year,
        to_year=to_year,
    )


def full_history(person_id: int, today: dt.date | None = None) -> list[SchemeHistory]:
    """All four schemes from one query (for the C14-TS statement)."""
    periods = _periods(person_id)
    out = []
    for scheme in SCHEME_ORDER:
        mine = [p for p in periods if p.scheme == scheme]
        out.append(
            SchemeHistory(
                scheme=scheme.value,
                rows=[_row(p, today) for p in mine],
                total_months=union_months(((p.from_month, p.to_month) for p in mine), today),
                late_months=sum(p.late_months for p in mine),
            )
        )
    return out


def get_period_for_person(person_id: int, period_id: int) -> ParticipationPeriod:
    """A period of that person, or 404: another person's id leaks nothing."""
    period = ParticipationPeriod.objects.filter(person_id=person_id, pk=period_id).select_related("employer").first()
    if period is None:
        raise Http404
    return period


# ---- benefits and visits -----------------------------------------------------------------------


def benefits(person_id: int, *, tab: str | None = None) -> list[BenefitPayment]:
    qs = BenefitPayment.objects.filter(person_id=person_id).select_related("employer").order_by("-decision_date", "-id")
    if tab:
        if tab not in BenefitPayment.Tab.values:
            raise HistoryError("invalid_tab", _("Loại chế độ không hợp lệ."), fields={"tab": [_("Chọn một loại chế độ.")]})
        qs = qs.filter(tab=tab)
    return list(qs)


def medical_visits(person_id: int, *, year: int | None = None) -> tuple[list[MedicalVisit], list[int]]:
    """The visits of a year (all without one), newest first, and the years that have visits."""
    visits = list(MedicalVisit.objects.filter(person_id=person_id).select_related("facility").order_by("-admitted_at", "-id"))
    years = sorted({timezone.localtime(v.admitted_at).year for v in visits}, reverse=True)
    if year is not None:
        visits = [v for v in visits if timezone.localtime(v.admitted_at).year == year]
    return visits, years


# ---- flags (phản ánh) --------------------------------------------------------------------------


def _clean_message(message: str, limit: int, name: str) -> str:
    text = nfc(message or "")
    if "\x00" in text:
        # PostgreSQL cannot store a NUL; the web forms post here without a Django form to refuse it.
        raise HistoryError(
            "message_invalid", _("Nội dung chứa ký tự không hợp lệ."), fields={name: [_("Không được chứa ký tự NUL.")]}
        )
    if not text:
        raise HistoryError("message_required", _("Hãy mô tả vấn đề."), fields={name: [_("Trường này là bắt buộc.")]})
    if len(text) > limit:
        raise HistoryError(
            "message_too_long",
            _("Nội dung quá dài."),
            fields={name: [_("Tối đa %(n)d ký tự.") % {"n": limit}]},
        )
    return text


def _office_for(person: Person, employer_office_id: str | None) -> str:
    if employer_office_id:
        return employer_office_id
    if person.ward_id is not None and person.ward is not None and person.ward.office_id:
        return str(person.ward.office_id)
    return FALLBACK_OFFICE


def _create_flag(
    person_id: int,
    *,
    scheme: str,
    month: dt.date,
    kind: str,
    message: str,
    period: ParticipationPeriod | None,
    employer_code: str | None,
    employer_office_id: str | None,
    actor: User | None,
) -> PeriodFlag:
    text = _clean_message(message, MESSAGE_MAX_LENGTH, "message")
    with transaction.atomic():
        # The person row is the lock that keeps two concurrent reports from passing the limit.
        person = Person.objects.select_for_update(of=("self",)).select_related("ward").get(pk=person_id)
        if PeriodFlag.objects.filter(person_id=person_id, status=PeriodFlag.Status.OPEN).count() >= MAX_OPEN_FLAGS:
            raise HistoryError(
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
            message=text,
            employer_id=employer_code,
            office_id=_office_for(person, employer_office_id),
        )
        record(
            "history.flag_created",
            actor=actor,
            object_type="period_flag",
            object_id=flag.pk,
            person=person_id,
            kind=kind,
            month=month.isoformat(),
        )
    return flag


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
        raise HistoryError(
            "invalid_month",
            _("Tháng không hợp lệ."),
            fields={"month": [_("Nhập tháng theo dạng MM/YYYY hoặc YYYY-MM, ví dụ 03/2024.")]},
        ) from None


def flag_period(
    person_id: int, period_id: int, *, message: str, month: str | dt.date | None = None, actor: User | None = None
) -> PeriodFlag:
    """Report a wrong row (or one wrong month of it); 404 when the period is not the person's."""
    period = get_period_for_person(person_id, period_id)
    day = parse_month(month) if month else period.from_month
    last = period.to_month or current_month()
    if not period.from_month <= day <= max(last, period.from_month):
        raise HistoryError(
            "month_outside_period",
            _("Tháng này không thuộc dòng đã chọn."),
            fields={
                "month": [
                    _("Chọn một tháng từ %(a)s đến %(b)s.") % {"a": format_month(period.from_month), "b": format_month(last)}
                ]
            },
        )
    employer = period.employer
    return _create_flag(
        person_id,
        scheme=period.scheme,
        month=day,
        kind=PeriodFlag.Kind.WRONG,
        message=message,
        period=period,
        employer_code=employer.code if employer else None,
        employer_office_id=str(employer.office_id) if employer else None,
        actor=actor,
    )


def flag_missing_month(
    person_id: int, *, scheme: str, month: str | dt.date, message: str, actor: User | None = None
) -> PeriodFlag:
    """Report a month that should be in the history; it goes to the office of the employer of the
    nearest earlier period of that scheme (the likely one), else the person's ward office."""
    scheme = parse_scheme(scheme)
    day = parse_month(month)
    if day > current_month() or day.year < MIN_YEAR:
        raise HistoryError("invalid_month", _("Tháng không hợp lệ."), fields={"month": [_("Chọn một tháng đã qua.")]})
    nearest = (
        ParticipationPeriod.objects.filter(person_id=person_id, scheme=scheme, from_month__lte=day, employer__isnull=False)
        .select_related("employer")
        .order_by("-from_month")
        .first()
    )
    employer = nearest.employer if nearest else None
    return _create_flag(
        person_id,
        scheme=scheme,
        month=day,
        kind=PeriodFlag.Kind.MISSING,
        message=message,
        period=None,
        employer_code=employer.code if employer else None,
        employer_office_id=str(employer.office_id) if employer else None,
        actor=actor,
    )


def flags_of_person(person_id: int) -> list[PeriodFlag]:
    return list(PeriodFlag.objects.filter(person_id=person_id).select_related("employer").order_by("-created_at", "-id"))


def open_flag_count(person_id: int) -> int:
    return PeriodFlag.objects.filter(person_id=person_id, status=PeriodFlag.Status.OPEN).count()


# ---- flags: the office side --------------------------------------------------------------------


def _staff_office(user: User) -> str:
    if user.role not in (User.Role.STAFF, User.Role.LEAD) or not user.office_id:
        raise Http404
    return str(user.office_id)


def flags_for_staff(
    user: User, *, status: str | None = None, request: HttpRequest | None = None, limit: int = 100
) -> list[PeriodFlag]:
    """The flags of the clerk's office, open first; the read of each person's report is audited."""
    office = _staff_office(user)
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
    office = _staff_office(user)
    flag = (
        PeriodFlag.objects.filter(pk=flag_id, office_id=office)
        .select_related("person", "employer", "period", "answered_by", "employer_note_by")
        .first()
    )
    if flag is None:
        raise Http404
    record(
        "history.flag_viewed",
        actor=user,
        object_type="period_flag",
        object_id=flag.pk,
        person=flag.person_id,
        request=request,
    )
    return flag


def answer_sms(flag: PeriodFlag) -> str:
    body = to_ascii_sms(
        f"BHXH: Phan anh ve thang {format_month(flag.month)} ({flag.get_scheme_display()}) da duoc tra loi. "
        "Xem tai VssID, muc Qua trinh tham gia > Phan anh."
    )
    return body[:160]


@transaction.atomic
def answer_flag(
    flag: PeriodFlag, *, answer: str, acting_user: User, close: bool = False, request: HttpRequest | None = None
) -> PeriodFlag:
    """The office's answer: status answered (or closed), audited, and a notice SMS to the person."""
    if str(flag.office_id) != _staff_office(acting_user):
        raise Http404
    text = _clean_message(answer, ANSWER_MAX_LENGTH, "answer")
    # Claimed with a conditional update: two clerks answering at once send one SMS.
    now = timezone.now()
    new_status = PeriodFlag.Status.CLOSED if close else PeriodFlag.Status.ANSWERED
    claimed = PeriodFlag.objects.filter(pk=flag.pk, status=PeriodFlag.Status.OPEN).update(
        status=new_status, answer=text, answered_by=acting_user, answered_at=now
    )
    if claimed != 1:
        raise HistoryError("already_answered", _("Phản ánh này đã được trả lời."), status=409)
    flag.status, flag.answer, flag.answered_by, flag.answered_at = new_status, text, acting_user, now
    record(
        "history.flag_answered",
        actor=acting_user,
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
