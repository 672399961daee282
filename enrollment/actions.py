"""The office's decisions on a registration, and its expiry: one function per state change.

As zulip's `zerver/actions/`: each `do_*` is one durable transaction (never nested inside
another, so it has committed when it returns) holding the locked row, its audit row and the
outbox messages it causes (style.md §2 rule 3, §7). The row is locked while it changes, so two
clerks acting at once cannot approve twice or send two passwords. Slow work stays outside: the
caller hashes the new password (accounts.services.new_password) before do_approve_registration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import NewPassword
from audit.services import record_change
from enrollment.models import Registration
from enrollment.services import EnrollmentError, get_registration_for_staff
from messaging.services import queue_email, queue_sms
from vssid.text import nfc, to_ascii_sms

EXPIRY_BATCH = 200
Status = Registration.Status


def _lock(
    acting_user: User, reference: str, *, allowed: Collection[str], refusal: Callable[[str], EnrollmentError]
) -> Registration:
    """The clerk's registration (404 for any other), locked for the change; `refusal` of its status unless allowed."""
    registration = get_registration_for_staff(acting_user, reference, for_update=True)
    if registration.status not in allowed:
        raise refusal(registration.status)
    return registration


def _save(
    registration: Registration,
    action: str,
    *,
    acting_user: User | None,
    request: HttpRequest | None,
    changes: dict[str, Any],
    **detail: Any,
) -> None:
    """Write `changes` to the locked registration, with the audit row of the change."""
    for name, value in changes.items():
        setattr(registration, name, value)
    registration.save(update_fields=list(changes))
    record_change(
        action,
        acting_user=acting_user,
        object_type="registration",
        object_id=registration.reference,
        person=registration.person_id,
        request=request,
        **detail,
    )


def _notify(registration: Registration, *, sms: str, subject: str, email: str, reason: str, kind: str) -> None:
    room = 160 - len(sms.replace("{reason}", ""))
    # The template puts its own full stop after the reason: "...so.. Lien he" otherwise.
    short = to_ascii_sms(reason).rstrip(" .")
    if len(short) > room:
        short = short[: max(room - 3, 0)].rstrip() + "..."
    queue_sms(to=registration.phone, kind="notice", body=sms.replace("{reason}", short))
    if registration.email:
        queue_email(to=registration.email, subject=subject, body=email, kind=kind)


def _not_receivable(status: str) -> EnrollmentError:
    if status == Status.RECEIVED:
        return EnrollmentError("already_received", _("Hồ sơ đã được tiếp nhận trước đó."), status=409)
    return EnrollmentError("not_submitted", _("Hồ sơ không ở trạng thái chờ nộp tờ khai."), status=409)


@transaction.atomic(durable=True)
def do_receive_registration(reference: str, *, acting_user: User, request: HttpRequest | None = None) -> Registration:
    """The signed Form 01 and the original ID were checked at the desk."""
    registration = _lock(acting_user, reference, allowed=[Status.SUBMITTED], refusal=_not_receivable)
    if registration.deadline and registration.deadline < timezone.localdate():
        raise EnrollmentError("expired", _("Hồ sơ đã quá hạn 10 ngày; người tham gia cần đăng ký lại."), status=409)
    _save(
        registration,
        "registration.receive",
        acting_user=acting_user,
        request=request,
        changes={"status": Status.RECEIVED, "received_at": timezone.now(), "received_by": acting_user},
    )
    return registration


def _not_approvable(status: str) -> EnrollmentError:
    if status == Status.APPROVED:
        return EnrollmentError("already_approved", _("Hồ sơ đã được duyệt trước đó."), status=409)
    if status == Status.SUBMITTED:
        return EnrollmentError(
            "not_received", _("Chưa tiếp nhận tờ khai giấy và bản chính CCCD: hãy tiếp nhận trước khi duyệt."), status=409
        )
    return EnrollmentError("not_received", _("Hồ sơ không ở trạng thái chờ duyệt."), status=409)


@transaction.atomic(durable=True)
def do_approve_registration(
    reference: str, *, acting_user: User, password: NewPassword, request: HttpRequest | None = None
) -> Registration:
    """Create the account and text its password, exactly once.

    `password` is made by accounts.services.new_password before this is called: Argon2 takes a
    noticeable time by design, and holding the write lock meanwhile (on SQLite, the whole
    database's) would stall every other writer.
    """
    registration = _lock(acting_user, reference, allowed=[Status.RECEIVED], refusal=_not_approvable)
    if User.objects.filter(person_id=registration.person_id).exists():
        raise EnrollmentError("account_exists", _("Người tham gia này đã có tài khoản."), status=409)
    account = User.objects.create(
        username=registration.ssn,
        role=User.Role.CITIZEN,
        person_id=registration.person_id,
        password=password.hashed,
        must_change_password=True,
        email=registration.email,
    )
    queue_sms(
        to=registration.phone,
        kind="account_password",
        body=f"VssID: Ho so {registration.reference} da duoc duyet. Ten dang nhap: {registration.ssn}. "
        f"Mat khau: {password.plain}. Hay doi mat khau khi dang nhap lan dau.",
        secret=password.plain,
        secret_of=f"user:{account.pk}",
        dedupe_key=f"account_password:{registration.pk}",
    )
    _save(
        registration,
        "registration.approve",
        acting_user=acting_user,
        request=request,
        changes={"status": Status.APPROVED, "decided_at": timezone.now(), "decided_by": acting_user},
    )
    record_change(
        "account.create",
        acting_user=acting_user,
        object_type="account",
        object_id=account.pk,
        person=registration.person_id,
        request=request,
    )
    return registration


def _already_decided(_status: str) -> EnrollmentError:
    return EnrollmentError("already_decided", _("Hồ sơ đã được xử lý."), status=409)


@transaction.atomic(durable=True)
def do_reject_registration(reference: str, reason: str, *, acting_user: User, request: HttpRequest | None = None) -> Registration:
    """Reject with a reason, which the person gets by SMS (and e-mail, if given)."""
    reason = nfc(reason)
    if not reason:
        raise EnrollmentError("reason_required", _("Nhập lý do từ chối."), fields={"reason": [_("Nhập lý do từ chối.")]})
    registration = _lock(acting_user, reference, allowed=[Status.SUBMITTED, Status.RECEIVED], refusal=_already_decided)
    _save(
        registration,
        "registration.reject",
        acting_user=acting_user,
        request=request,
        changes={"status": Status.REJECTED, "reject_reason": reason, "decided_at": timezone.now(), "decided_by": acting_user},
        reason=reason,
    )
    _notify(
        registration,
        sms=f"VssID: Ho so {registration.reference} bi tu choi. Ly do: {{reason}}. Lien he 1900 9068.",
        subject=_("Hồ sơ %(reference)s bị từ chối") % {"reference": registration.reference},
        email=_(
            "Hồ sơ đăng ký giao dịch điện tử %(reference)s bị từ chối.\n\nLý do: %(reason)s\n\n"
            "Bạn có thể đăng ký lại sau khi bổ sung. Hỗ trợ: 1900 9068."
        )
        % {"reference": registration.reference, "reason": reason},
        reason=reason,
        kind="registration_rejected",
    )
    return registration


@transaction.atomic(durable=True)
def do_expire_registrations(today: dt.date) -> int:
    """Up to EXPIRY_BATCH registrations still waiting for their paper form after `today`'s deadline become
    `expired`, and each person is told; the number expired. Rows a clerk holds locked are left to the next run."""
    batch = list(
        Registration.objects.select_for_update(skip_locked=True)
        .filter(status=Status.SUBMITTED, deadline__lt=today)
        .order_by("deadline")[:EXPIRY_BATCH]
    )
    for registration in batch:
        _save(registration, "registration.expire", acting_user=None, request=None, changes={"status": Status.EXPIRED})
        _notify(
            registration,
            sms=f"VssID: Ho so {registration.reference} da qua han nop to khai (10 ngay). "
            "Vui long dang ky lai hoac goi 1900 9068.{reason}",
            subject=_("Hồ sơ %(reference)s đã quá hạn") % {"reference": registration.reference},
            email=_("Hồ sơ %(reference)s đã quá hạn 10 ngày mà chưa nộp tờ khai. Vui lòng đăng ký lại.")
            % {"reference": registration.reference},
            reason="",
            kind="registration_expired",
        )
    return len(batch)


def expire_overdue(today: dt.date | None = None) -> int:
    """Every registration past its 10 days becomes `expired`, one transaction per batch; the number expired."""
    today = today or timezone.localdate()
    count = 0
    while True:
        expired = do_expire_registrations(today)
        count += expired
        if expired < EXPIRY_BATCH:
            return count
