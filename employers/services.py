"""Rules of the employer portal: whose workers a clerk sees, their VssID status, invitations, and
the flags of wrong or missing months about the employer's declarations.

A worker of an employer is a person with an ongoing (to_month empty) compulsory BHXH period at that
employer. An HR clerk (accounts.User role employer) reaches only the workers of their employer;
anything else answers 404 or a per-code refusal that does not say whether the code exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record, record_change
from corrections.services import audited_read
from employers.models import INVITATION_INTERVAL, Invitation
from enrollment.models import LIVE_STATUSES, Registration
from messaging.models import SmsKind
from messaging.services import SMS_MAX_LENGTH, queue_sms, sms_length
from places.models import Office
from registry.models import Employer, ParticipationPeriod, PeriodFlag, Person, Scheme
from vssid.errors import DomainError
from vssid.text import fold, nfc, to_ascii_sms

Status = Literal["account", "in_progress", "none"]
STATUSES: tuple[Status, ...] = ("account", "in_progress", "none")
MAX_INVITATIONS = 500  # one request; "all without an account" of a very large employer goes in batches


class EmployerPortalError(DomainError):
    api_input_status = 422  # the employer API has always answered bad input with 422


# ---- access ------------------------------------------------------------------------------------


def employer_for_user(user: User | object) -> Employer:
    """The employer of an HR clerk; anyone else gets a 404."""
    if not isinstance(user, User) or not user.is_authenticated or user.role != User.Role.EMPLOYER or not user.employer_id:
        raise Http404
    return Employer.objects.select_related("office").get(code=user.employer_id)


def campaign_office_for_user(user: User | object) -> Office:
    """The office whose campaign a user may follow: leads and staff see their own office's; others 404.

    Staff see it too: the dashboard holds aggregates only, and the clerks of a "BHXH cơ sở" are the
    ones who call the lagging employers.
    """
    if not isinstance(user, User) or not user.is_authenticated:
        raise Http404
    if user.role not in (User.Role.LEAD, User.Role.STAFF) or not user.office_id:
        raise Http404
    return Office.objects.get(code=user.office_id)


# ---- workers -----------------------------------------------------------------------------------


def worker_periods(employer_code: str) -> QuerySet[ParticipationPeriod]:
    return ParticipationPeriod.objects.filter(
        employer_id=employer_code, to_month__isnull=True, scheme=Scheme.BHXH, voluntary=False
    )


def workers(employer: Employer, *, status: str = "", query: str = "", has_account: bool | None = None) -> QuerySet[Person]:
    """The employer's workers with has_account, the live registration's status and deadline, the last invitation."""
    live = Registration.objects.filter(person_id=OuterRef("pk"), status__in=LIVE_STATUSES)
    qs = (
        Person.objects.filter(pk__in=worker_periods(employer.code).values("person_id"))
        .annotate(
            has_account=Exists(User.objects.filter(person_id=OuterRef("pk"), role=User.Role.CITIZEN)),
            registration_status=Subquery(live.values("status")[:1]),
            registration_deadline=Subquery(live.values("deadline")[:1]),
            last_invited_at=Subquery(
                Invitation.objects.filter(person_id=OuterRef("pk")).order_by("-sent_at").values("sent_at")[:1]
            ),
        )
        .only("id", "ssn", "full_name", "birth_year", "birth_month", "birth_day", "phone")
        .order_by("search_name", "id")
    )
    if has_account is not None:
        qs = qs.filter(has_account=has_account)
    if status == "account":
        qs = qs.filter(has_account=True)
    elif status == "in_progress":
        qs = qs.filter(has_account=False, registration_status__isnull=False)
    elif status == "none":
        qs = qs.filter(has_account=False, registration_status__isnull=True)
    query = query.strip()
    if query:
        if query.isdigit():
            qs = qs.filter(Q(ssn__startswith=query) | Q(cccd=query))
        else:
            qs = qs.filter(search_name__contains=fold(query))
    return qs


def worker_status(person: Person) -> Status:
    if getattr(person, "has_account", False):
        return "account"
    if getattr(person, "registration_status", None):
        return "in_progress"
    return "none"


def status_label(status: Status) -> str:
    return {
        "account": _("Đã có tài khoản"),
        "in_progress": _("Đang đăng ký"),
        "none": _("Chưa đăng ký"),
    }[status]


def status_counts(employer: Employer) -> dict[str, int]:
    """How many workers are in each status (one aggregate query)."""
    qs = workers(employer).order_by()
    figures = qs.aggregate(
        total=Count("pk"),
        account=Count("pk", filter=Q(has_account=True)),
        in_progress=Count("pk", filter=Q(has_account=False, registration_status__isnull=False)),
    )
    figures["none"] = figures["total"] - figures["account"] - figures["in_progress"]
    return figures


def audit_worker_list(user: User, employer: Employer, *, request: HttpRequest | None, kind: str, count: int) -> None:
    """An HR clerk read personal data of the workers (names, codes): one audit row per list or export."""
    record(
        f"employers.workers.{kind}",
        actor=user,
        object_type="employer",
        object_id=employer.code,
        request=request,
        count=count,
    )


# ---- invitations -------------------------------------------------------------------------------


@dataclass
class InvitationResult:
    invited: list[Invitation] = field(default_factory=list)
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)  # ssn -> (code, message)


def registration_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("enrollment:register")


def invitation_body(employer: Employer) -> str:
    """One plain-ASCII SMS: who asks, the registration link, the two steps of the letter."""
    link = registration_url()
    name = to_ascii_sms(employer.name)
    for text in (
        f"{name} de nghi ban dang ky tai khoan VssID tai {link} , nop to khai 01 tai co quan BHXH"
        " trong 10 ngay, roi cai app VssID.",
        f"{name[:40]}: dang ky VssID tai {link} , nop to khai 01 trong 10 ngay, cai app VssID.",
        f"BHXH: dang ky VssID tai {link} , nop to khai 01 trong 10 ngay.",
    ):
        if sms_length(text) <= SMS_MAX_LENGTH:
            return text
    raise ValueError("SITE_URL is too long for an invitation SMS.")


def _next_allowed(sent_at: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(sent_at + INVITATION_INTERVAL), "d/m/Y H:i")


def invite_workers(user: User, employer: Employer, ssns: list[str], *, request: HttpRequest | None = None) -> InvitationResult:
    """Text the registration link to the listed workers without an account: at most one per worker per 7 days.

    The people are locked (SELECT … FOR UPDATE, in id order) before the 7-day check, so two clicks
    or two clerks cannot send twice. A code that is not a worker of this employer is refused with
    the same message whether or not it exists elsewhere.
    """
    wanted = list(dict.fromkeys(s.strip() for s in ssns if s.strip()))
    if not wanted:
        raise EmployerPortalError(
            "no_workers_selected", _("Chọn ít nhất một người lao động."), fields={"ssns": [_("Chọn ít nhất một người lao động.")]}
        )
    if len(wanted) > MAX_INVITATIONS:
        raise EmployerPortalError("too_many", _("Mỗi lần mời tối đa %(n)d người.") % {"n": MAX_INVITATIONS})
    result = InvitationResult()
    body = invitation_body(employer)
    now = timezone.now()
    with transaction.atomic():
        people = list(
            Person.objects.select_for_update(of=("self",))
            .filter(ssn__in=wanted, pk__in=worker_periods(employer.code).values("person_id"))
            .order_by("pk")
        )
        by_ssn = {p.ssn: p for p in people}
        ids = [p.pk for p in people]
        with_account = set(User.objects.filter(person_id__in=ids, role=User.Role.CITIZEN).values_list("person_id", flat=True))
        live = set(Registration.objects.filter(person_id__in=ids, status__in=LIVE_STATUSES).values_list("person_id", flat=True))
        recent: dict[int, dt.datetime] = {}
        for person_id, sent_at in Invitation.objects.filter(person_id__in=ids, sent_at__gt=now - INVITATION_INTERVAL).values_list(
            "person_id", "sent_at"
        ):
            recent[person_id] = max(sent_at, recent.get(person_id, sent_at))
        for ssn in wanted:
            person = by_ssn.get(ssn)
            if person is None:
                result.refused[ssn] = (
                    "not_a_worker",
                    _("Mã số BHXH %(ssn)s không phải người lao động đang tham gia BHXH tại đơn vị.") % {"ssn": ssn},
                )
            elif person.pk in with_account:
                result.refused[ssn] = ("has_account", _("%(name)s đã có tài khoản VssID.") % {"name": person.full_name})
            elif person.pk in live:
                result.refused[ssn] = (
                    "registration_in_progress",
                    _("%(name)s đang đăng ký, chưa cần mời.") % {"name": person.full_name},
                )
            elif person.pk in recent:
                result.refused[ssn] = (
                    "invited_recently",
                    _("%(name)s đã được mời lúc %(sent)s; mỗi người chỉ được mời một lần trong 7 ngày (mời lại sau %(next)s).")
                    % {
                        "name": person.full_name,
                        "sent": formats.date_format(timezone.localtime(recent[person.pk]), "d/m/Y H:i"),
                        "next": _next_allowed(recent[person.pk]),
                    },
                )
            elif not person.phone:
                result.refused[ssn] = (
                    "no_phone",
                    _("Chưa có số điện thoại của %(name)s trong hồ sơ BHXH.") % {"name": person.full_name},
                )
            else:
                message = queue_sms(to=person.phone, kind=SmsKind.INVITATION, body=body)
                invitation = Invitation.objects.create(
                    person=person, employer=employer, sent_by=user, sent_at=now, message=message
                )
                record(
                    "employers.invitation.sent",
                    actor=user,
                    object_type="invitation",
                    object_id=invitation.pk,
                    person=person,
                    request=request,
                    employer=employer.code,
                )
                result.invited.append(invitation)
    return result


def ssns_without_account(employer: Employer) -> list[str]:
    """Every worker who has no account and no live registration ("all without an account")."""
    return list(workers(employer, status="none").values_list("ssn", flat=True)[:MAX_INVITATIONS])


def recent_invitations(employer: Employer, limit: int = 20) -> QuerySet[Invitation]:
    return Invitation.objects.filter(employer=employer).select_related("person", "sent_by").order_by("-sent_at")[:limit]


# ---- flags of wrong or missing months ------------------------------------------------------------

NOTE_MAX_LENGTH = 500
FLAG_STATUSES: tuple[str, ...] = tuple(PeriodFlag.Status.values)
# Open flags first (they are the ones waiting for the employer's correction), then answered, closed.
_STATUS_RANK = Case(
    When(status=PeriodFlag.Status.OPEN, then=Value(0)),
    When(status=PeriodFlag.Status.ANSWERED, then=Value(1)),
    default=Value(2),
)


def employer_flags(employer: Employer, *, status: str = "") -> QuerySet[PeriodFlag]:
    """The flags about months at this employer (PeriodFlag.employer), open first, newest first.

    Filtering on the flag's own employer, not on the person's current job, keeps a flag about a
    month at another employer out of sight even when the person works here now.
    """
    qs = (
        PeriodFlag.objects.filter(employer_id=employer.code)
        .select_related("person", "employer_note_by")
        .only(
            "id",
            "scheme",
            "month",
            "kind",
            "message",
            "status",
            "answer",
            "answered_at",
            "created_at",
            "employer_id",
            "employer_note",
            "employer_note_at",
            "person__id",
            "person__ssn",
            "person__full_name",
            "employer_note_by__id",
            "employer_note_by__username",
        )
        .order_by(_STATUS_RANK, "-created_at", "-id")
    )
    if status in FLAG_STATUSES:
        qs = qs.filter(status=status)
    return qs


def open_flag_count(employer: Employer) -> int:
    return PeriodFlag.objects.filter(employer_id=employer.code, status=PeriodFlag.Status.OPEN).count()


def audit_flag_list(user: User, employer: Employer, flags: list[PeriodFlag], *, request: HttpRequest | None) -> None:
    """The clerk read the workers' reports: one audit row per page, naming the flags shown."""
    record(
        "employers.flags.list",
        actor=user,
        object_type="employer",
        object_id=employer.code,
        request=request,
        count=len(flags),
        flags=[f.pk for f in flags],
    )


def _valid_id(flag_id: int) -> bool:
    # An id past the bigint range is a 404 like any unknown id, not a database error.
    return 0 < flag_id < 2**63


def get_employer_flag(user: User, employer: Employer, flag_id: int, *, request: HttpRequest | None = None) -> PeriodFlag:
    """One flag about a month at the clerk's employer, or 404 (whether or not the id exists); audited."""
    flag = employer_flags(employer).filter(pk=flag_id).first() if _valid_id(flag_id) else None
    if flag is None:
        raise Http404
    return audited_read("employers.flag.viewed", flag, user=user, request=request)


def _clean_note(text: str) -> str:
    text = nfc(text or "")
    if "\x00" in text:
        # PostgreSQL cannot store a NUL; refused here rather than failing in the database.
        raise EmployerPortalError(
            "note_invalid", _("Ghi chú chứa ký tự không hợp lệ."), fields={"note": [_("Không được chứa ký tự NUL.")]}
        )
    if not text:
        raise EmployerPortalError(
            "note_required", _("Hãy nhập ghi chú của đơn vị."), fields={"note": [_("Trường này là bắt buộc.")]}
        )
    if len(text) > NOTE_MAX_LENGTH:
        raise EmployerPortalError(
            "note_too_long",
            _("Ghi chú quá dài."),
            fields={"note": [_("Tối đa %(n)d ký tự.") % {"n": NOTE_MAX_LENGTH}]},
        )
    return text


def add_flag_note(user: User, employer: Employer, flag_id: int, note: str, *, request: HttpRequest | None = None) -> PeriodFlag:
    """Record the employer's note on a flag about one of its months; the latest note replaces the last.

    The note does not change the status: the office still answers and closes. A closed flag takes
    no more notes (409); another employer's flag, or an unknown id, is a 404.
    """
    if not _valid_id(flag_id):
        raise Http404
    return do_add_flag_note(employer, flag_id, _clean_note(note), acting_user=user, request=request)


@transaction.atomic(durable=True)
def do_add_flag_note(
    employer: Employer, flag_id: int, note: str, *, acting_user: User, request: HttpRequest | None = None
) -> PeriodFlag:
    # A conditional update, so a note cannot land on a flag the office closed meanwhile.
    updated = (
        PeriodFlag.objects.filter(pk=flag_id, employer_id=employer.code)
        .exclude(status=PeriodFlag.Status.CLOSED)
        .update(employer_note=note, employer_note_by=acting_user, employer_note_at=timezone.now())
    )
    if updated != 1:
        if PeriodFlag.objects.filter(pk=flag_id, employer_id=employer.code).exists():
            raise EmployerPortalError(
                "flag_closed", _("Phản ánh này đã được cơ quan BHXH đóng, không thể thêm ghi chú."), status=409
            )
        raise Http404
    flag = employer_flags(employer).get(pk=flag_id)
    record_change(
        "employers.flag.noted",
        acting_user=acting_user,
        object_type="period_flag",
        object_id=flag.pk,
        person=flag.person_id,
        request=request,
        employer=employer.code,
    )
    return flag
