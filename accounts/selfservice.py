"""The citizen's own account pages: devices (sessions and API tokens) and "who viewed my data".

Plain functions called by accounts.views; each takes the logged-in user and only ever touches
that user's rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import ApiToken, User
from audit.models import AuditEvent
from vssid.masking import mask_username

# Plain Vietnamese for the audit actions a citizen may see; unknown actions fall back to a
# generic sentence rather than leaking the internal code.
# Marked for the catalogue here, translated when shown (action_label).
ACTION_LABELS = {
    "registration.view": gettext_noop("Xem hồ sơ đăng ký giao dịch điện tử"),
    "registration.photo.view": gettext_noop("Xem ảnh giấy tờ tùy thân trong hồ sơ đăng ký"),
    "registration.receive": gettext_noop("Tiếp nhận hồ sơ đăng ký"),
    "registration.approve": gettext_noop("Duyệt hồ sơ đăng ký"),
    "registration.reject": gettext_noop("Từ chối hồ sơ đăng ký"),
    "registration.expire": gettext_noop("Hồ sơ đăng ký hết hạn"),
    "registration.submit": gettext_noop("Nộp hồ sơ đăng ký"),
    "registration.confirm": gettext_noop("Xác nhận hồ sơ đăng ký"),
    "account.create": gettext_noop("Tạo tài khoản"),
    "account.password_reissue": gettext_noop("Gửi lại mật khẩu mới (tin nhắn trước có thể chưa đến)"),
    "history.flag_viewed": gettext_noop("Xem phản ánh về quá trình tham gia"),
    "history.flag_answered": gettext_noop("Trả lời phản ánh về quá trình tham gia"),
    "history.flag_created": gettext_noop("Tạo phản ánh về quá trình tham gia"),
    "card.check": gettext_noop("Kiểm tra thẻ BHYT khi khám chữa bệnh"),
    "person.view": gettext_noop("Xem thông tin cá nhân"),
    "employers.flag.viewed": gettext_noop("Đơn vị xem phản ánh của bạn"),
    "employers.flag.noted": gettext_noop("Đơn vị ghi chú vào phản ánh của bạn"),
    "employers.invitation.sent": gettext_noop("Đơn vị gửi lời mời cài VssID"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return _(label) if label else _("Truy cập dữ liệu của bạn")


@dataclass(frozen=True)
class Viewer:
    at: dt.datetime
    who: str
    what: str


def viewer_label(event: AuditEvent) -> str:
    actor: User | None = event.actor
    if actor is None:
        if event.actor_label in ("", "system"):
            return _("Hệ thống BHXH (tự động)")
        return _("Người dùng %(label)s") % {"label": mask_username(event.actor_label)}
    masked = mask_username(actor.get_username())
    if actor.role in (User.Role.STAFF, User.Role.LEAD) and actor.office is not None:
        return _("Cán bộ %(office)s (%(user)s)") % {"office": actor.office.name, "user": masked}
    if actor.role == User.Role.EMPLOYER and actor.employer is not None:
        return _("Đơn vị %(employer)s (%(user)s)") % {"employer": actor.employer.name, "user": masked}
    if actor.role == User.Role.FACILITY and actor.facility is not None:
        # A card check at a counter: the citizen knows the hospital, not its logins.
        return actor.facility.name
    return _("%(role)s (%(user)s)") % {"role": actor.get_role_display(), "user": masked}


def viewers_of(user: User) -> QuerySet[AuditEvent]:
    """Audit rows about the citizen's person made by anyone but the citizen, newest first."""
    if user.role != User.Role.CITIZEN or user.person_id is None:
        raise Http404
    return (
        AuditEvent.objects.filter(person_id=user.person_id)
        .exclude(actor=user)
        .select_related("actor", "actor__office", "actor__employer", "actor__facility")
        .only(
            "at",
            "action",
            "actor_label",
            "actor__username",
            "actor__role",
            "actor__office__name",
            "actor__employer__name",
            "actor__facility__name",
        )
        .order_by("-at", "-pk")
    )


def as_viewer(event: AuditEvent) -> Viewer:
    return Viewer(at=event.at, who=viewer_label(event), what=action_label(event.action))


def live_tokens(user: User) -> QuerySet[ApiToken]:
    now = timezone.now()
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, refresh_expires_at__gt=now).order_by(
        F("last_used_at").desc(nulls_last=True), "-created_at"
    )


def revoke_own_token(user: User, token_id: int) -> None:
    """End one device of the API; a token of someone else (or already ended) is a 404."""
    updated = ApiToken.objects.filter(Q(pk=token_id) & Q(user=user) & Q(revoked_at__isnull=True)).update(
        revoked_at=timezone.now()
    )
    if updated != 1:
        raise Http404
