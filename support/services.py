"""Support tickets and notifications: the rules, called by the pages, the staff pages and the API.

Routing and access rule for tickets (one rule, here only):
- a ticket is routed when created to the office that serves the person: the BHXH cơ sở of the
  person's ward; without one, the office managing the person's current employer; without one, the
  provincial office of the person's province;
- staff (or a lead) see and answer the tickets routed to their own office and to the offices
  directly under it (so BHXH TP Hà Nội, 001, sees the tickets of its BHXH cơ sở); any other
  ticket is a 404, exactly like one that does not exist;
- a citizen sees only the tickets of their own person.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from messaging.services import queue_sms
from places.models import Office
from registry.models import HealthCard, ParticipationPeriod, Person
from support.models import Notification, Ticket
from vssid.errors import DomainError

MAX_OPEN_TICKETS = 5
EXPIRY_NOTICE_DAYS = 30
CARD_PATH = "/ca-nhan/the-bhyt/"  # card:card (design contract)
NOTIFICATIONS_PATH = "/thong-bao/"


class SupportError(DomainError):
    pass


# ---- routing and access ------------------------------------------------------------------


def routing_office(person: Person) -> Office:
    """The office that answers this person's tickets (see the module docstring)."""
    if person.ward_id:
        ward_office: Office | None = Office.objects.current().filter(wards__code=person.ward_id).first()
        if ward_office is not None:
            return ward_office
    period = (
        ParticipationPeriod.objects.filter(person=person, to_month__isnull=True, employer__isnull=False)
        .select_related("employer__office")
        .order_by("-from_month")
        .first()
    )
    if period is not None and period.employer is not None and period.employer.office.valid_to is None:
        return period.employer.office
    office: Office | None = (
        Office.objects.current()
        .filter(province_id=person.province_id, kind__in=[Office.Kind.PROVINCIAL, Office.Kind.REGIONAL])
        .order_by("code")
        .first()
    )
    if office is None:
        raise SupportError("no_office", _("Chưa xác định được cơ quan BHXH tiếp nhận yêu cầu."), status=409)
    return office


def _is_staff(user: User) -> bool:
    return user.is_authenticated and user.role in (User.Role.STAFF, User.Role.LEAD) and user.office_id is not None


def tickets_for_staff(user: User, status: str | None = None) -> QuerySet[Ticket]:
    """The office's tickets, open ones oldest first, then the others newest first."""
    if not _is_staff(user):
        return Ticket.objects.none()
    tickets = Ticket.objects.filter(Q(office_id=user.office_id) | Q(office__parent_id=user.office_id)).select_related(
        "person", "office"
    )
    if status:
        tickets = tickets.filter(status=status)
        return tickets.order_by("created_at") if status == Ticket.Status.OPEN else tickets.order_by("-created_at")
    return tickets.filter(status=Ticket.Status.OPEN).order_by("created_at")


def get_ticket_for_staff(user: User, pk: int) -> Ticket:
    """The access function of tickets for staff: 404 outside their office (and its sub-offices)."""
    if not _is_staff(user):
        raise Http404
    ticket = (
        Ticket.objects.filter(Q(office_id=user.office_id) | Q(office__parent_id=user.office_id), pk=pk)
        .select_related("person", "office", "answered_by")
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def view_ticket_for_staff(user: User, pk: int, *, request: object = None) -> Ticket:
    """A ticket for its office's staff; reading someone's message is audited."""
    ticket = get_ticket_for_staff(user, pk)
    record(
        "support_ticket_viewed",
        actor=user,
        object_type="ticket",
        object_id=ticket.pk,
        person=ticket.person_id,
        request=request,  # type: ignore[arg-type]
    )
    return ticket


def _citizen_person_id(user: User) -> int:
    if not user.is_authenticated or user.role != User.Role.CITIZEN or user.person_id is None:
        raise Http404
    return user.person_id


def tickets_for_citizen(user: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(person_id=_citizen_person_id(user)).select_related("office").order_by("-created_at")


def get_ticket_for_citizen(user: User, pk: int) -> Ticket:
    ticket = tickets_for_citizen(user).filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


# ---- changes -------------------------------------------------------------------------------


@transaction.atomic
def create_ticket(user: User, *, subject: str, message: str) -> Ticket:
    person_id = _citizen_person_id(user)
    subject, message = subject.strip(), message.strip()
    fields: dict[str, list[str]] = {}
    if not subject:
        fields["subject"] = [_("Nhập tiêu đề.")]
    elif len(subject) > 150:
        fields["subject"] = [_("Tiêu đề tối đa 150 ký tự.")]
    if not message:
        fields["message"] = [_("Nhập nội dung yêu cầu.")]
    elif len(message) > 4000:
        fields["message"] = [_("Nội dung tối đa 4000 ký tự.")]
    if fields:
        raise SupportError("invalid_input", _("Vui lòng kiểm tra lại yêu cầu."), fields=fields)
    person = Person.objects.select_for_update().get(pk=person_id)
    if Ticket.objects.filter(person_id=person_id, status=Ticket.Status.OPEN).count() >= MAX_OPEN_TICKETS:
        raise SupportError(
            "too_many_open_tickets",
            _("Bạn đang có %(count)d yêu cầu chờ trả lời. Vui lòng chờ trả lời trước khi gửi thêm.")
            % {"count": MAX_OPEN_TICKETS},
            status=409,
        )
    ticket = Ticket.objects.create(person=person, office=routing_office(person), subject=subject, message=message)
    record("support_ticket_created", actor=user, object_type="ticket", object_id=ticket.pk, person=person)
    return ticket


def notify(user: User | int, kind: str, text: str, *, link: str = "", dedupe_key: str | None = None) -> Notification:
    """One notification for a user; with a dedupe_key already used, the existing one and nothing new."""
    user_id = user if isinstance(user, int) else user.pk
    fields = {"user_id": user_id, "kind": kind, "text": text[:300], "link": link}
    if dedupe_key is None:
        return Notification.objects.create(**fields)
    note, _created = Notification.objects.get_or_create(dedupe_key=dedupe_key, defaults=fields)
    return note


def _notify_answered(account: User, ticket: Ticket) -> None:
    notify(
        account,
        Notification.Kind.TICKET_ANSWERED,
        _("Yêu cầu hỗ trợ #%(id)d “%(subject)s” đã được trả lời.") % {"id": ticket.pk, "subject": ticket.subject},
        link=f"/ho-tro/yeu-cau/{ticket.pk}/",
        dedupe_key=f"ticket_answered:{ticket.pk}",
    )


@transaction.atomic
def answer_ticket(ticket: Ticket, *, acting_user: User, answer: str) -> Ticket:
    """Staff answer: the ticket becomes answered, the citizen gets a notification and a notice SMS."""
    answer = answer.strip()
    if not answer:
        raise SupportError("invalid_input", _("Nhập nội dung trả lời."), fields={"answer": [_("Nhập nội dung trả lời.")]})
    if len(answer) > 4000:
        raise SupportError("invalid_input", _("Trả lời tối đa 4000 ký tự."), fields={"answer": [_("Trả lời tối đa 4000 ký tự.")]})
    # Conditional update: two clerks answering at once, only one answer wins.
    now = timezone.now()
    updated = Ticket.objects.filter(pk=ticket.pk, status=Ticket.Status.OPEN).update(
        status=Ticket.Status.ANSWERED, answer=answer, answered_by=acting_user, answered_at=now
    )
    if not updated:
        raise SupportError("already_answered", _("Yêu cầu này đã được trả lời."), status=409)
    ticket.refresh_from_db()
    record("support_ticket_answered", actor=acting_user, object_type="ticket", object_id=ticket.pk, person=ticket.person_id)
    account = User.objects.filter(person_id=ticket.person_id, role=User.Role.CITIZEN).only("id").first()
    if account is not None:
        with translation.override(settings.LANGUAGE_CODE):  # stored text: in the source language
            _notify_answered(account, ticket)
    phone = ticket.person.phone
    if phone:
        queue_sms(
            to=phone,
            kind="notice",
            body=f"BHXH: Yeu cau ho tro so {ticket.pk} cua ban da duoc tra loi. Xem trong ung dung VssID, muc Thong bao.",
            dedupe_key=f"ticket_answered_sms:{ticket.pk}",
        )
    return ticket


# ---- notifications ----------------------------------------------------------------------


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def mark_read(user: User, pk: int | None = None) -> int:
    """Mark one (pk) or all of the user's notifications read; another user's id changes nothing."""
    rows = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if pk is not None:
        if not Notification.objects.filter(user_id=user.pk, pk=pk).exists():
            raise Http404
        rows = rows.filter(pk=pk)
    return rows.update(read_at=timezone.now())


def notify_expiring_cards(today: dt.date | None = None) -> int:
    """A card_expiring notification once per active card in its last 30 days, for people with an account."""
    today = today or timezone.localdate()
    cards = (
        HealthCard.objects.filter(
            status=HealthCard.Status.ACTIVE,
            valid_to__gte=today,
            valid_to__lte=today + dt.timedelta(days=EXPIRY_NOTICE_DAYS),
            person__account__role=User.Role.CITIZEN,
        )
        .values_list("pk", "number", "valid_to", "person__account__id")
        .order_by("pk")
    )
    notes = [
        Notification(
            user_id=user_id,
            kind=Notification.Kind.CARD_EXPIRING,
            text=_("Thẻ BHYT %(number)s hết hạn ngày %(date)s. Hãy gia hạn để không bị gián đoạn quyền lợi.")
            % {"number": number, "date": valid_to.strftime("%d/%m/%Y") if valid_to else ""},
            link=CARD_PATH,
            dedupe_key=f"card_expiring:{pk}",
        )
        for pk, number, valid_to, user_id in cards
    ]
    before = Notification.objects.filter(kind=Notification.Kind.CARD_EXPIRING).count()
    Notification.objects.bulk_create(notes, ignore_conflicts=True, batch_size=1000)
    return Notification.objects.filter(kind=Notification.Kind.CARD_EXPIRING).count() - before
