"""New passwords and reset codes for SMS whose delivery became uncertain (messaging.delivery),
and the clerk's "gửi lại mật khẩu" (do_resend_password).

When the outbox cannot know whether an SMS with a password or a code went out, it never sends it
again; it calls these (registered in AccountsConfig.ready) to make the old secret useless and
queue a new one. Each runs inside the outbox's transaction, which also settles the old message.
"""

from __future__ import annotations

import hmac
import logging

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import OneTimeCode, User
from accounts.services import AccountError, NewPassword, _code_hash, end_sessions, generate_password, issue_code
from audit.services import record, record_change
from messaging.delivery import UncertainSecret
from messaging.models import Message, SmsKind
from messaging.models import Status as MessageStatus
from messaging.services import SMS_MAX_LENGTH, queue_sms, sms_length

logger = logging.getLogger(__name__)


def user_of(secret_of: str) -> User | None:
    """The account of a secret_of "user:<id>", locked while its password changes."""
    prefix, _, pk = secret_of.partition(":")
    if prefix != "user" or not pk.isdigit():
        return None
    return User.objects.select_for_update().filter(pk=int(pk)).first()


def code_in_use(purpose: str, subject: str, code: str) -> bool:
    """Whether `code` is still the subject's live code: the latest, unused (expired or not).

    An expired code counts: a worker found dead after STUCK_AFTER holds a code about as old as
    its 5 minutes, and the person is still waiting for one that works.
    """
    latest = OneTimeCode.objects.filter(purpose=purpose, subject=subject).order_by("-created_at").first()
    return (
        latest is not None
        and latest.used_at is None
        # _code_hash is this app's own keyed hash of a code; the code itself is never stored.
        and hmac.compare_digest(latest.code_hash, _code_hash(purpose, subject, code))
    )


def reissue_password(uncertain: UncertainSecret) -> Message | None:
    """A new generated password replaces one that may not have arrived; the first login still changes it."""
    user = user_of(uncertain.secret_of)
    # A password its owner has changed, or one replaced already, needs nothing.
    if user is None or not user.is_active or not user.check_password(uncertain.secret):
        return None
    password = generate_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    body = (
        f"VssID: Mat khau gui truoc do khong con dung duoc. Ten dang nhap: {user.username}. "
        f"Mat khau moi: {password}. Hay doi mat khau khi dang nhap lan dau."
    )
    if sms_length(body) > SMS_MAX_LENGTH:  # a long HR login name; the earlier SMS carried it
        body = f"VssID: Mat khau gui truoc do khong con dung duoc. Mat khau moi: {password}. Hay doi mat khau khi dang nhap."
    message = queue_sms(
        to=uncertain.to,
        kind=SmsKind.ACCOUNT_PASSWORD,
        body=body,
        secret=password,
        secret_of=uncertain.secret_of,
        dedupe_key=uncertain.dedupe_key,
    )
    # Shown to the citizen in "who used my data": a new password came, and why.
    record(
        "account.password_reissue",
        actor=None,
        object_type="account",
        object_id=user.pk,
        person=user.person_id,
        message=message.pk,
    )
    return message


def reissue_code(purpose: str, uncertain: UncertainSecret, body: str) -> Message | None:
    """A new code for the same subject, which ends the uncertain one; `body` holds "{code}"."""
    if not code_in_use(purpose, uncertain.secret_of, uncertain.secret):
        return None  # used, or replaced by a code the person asked for since
    try:
        code = issue_code(purpose, uncertain.secret_of)
    except AccountError:
        # Rate limited: the old code is still the latest, but the person has asked for five in an
        # hour already; a new request of theirs after the hour gets one.
        logger.warning("No new %s code for an uncertain SMS: %s", purpose, uncertain.secret_of)
        return None
    return queue_sms(
        to=uncertain.to,
        kind=uncertain.kind,
        body=body.replace("{code}", code),
        secret=code,
        secret_of=uncertain.secret_of,
        dedupe_key=uncertain.dedupe_key,
    )


def reissue_reset_code(uncertain: UncertainSecret) -> Message | None:
    return reissue_code(
        OneTimeCode.Purpose.PASSWORD_RESET,
        uncertain,
        "VssID: Ma OTP gui truoc do khong con dung duoc. Ma OTP dat lai mat khau moi la {code}. "
        "Hieu luc 5 phut. Khong cung cap ma nay cho bat ky ai.",
    )


# ---- a clerk resends the password SMS (the citizen never got it, lost it, or deleted it) ----------

PASSWORD_SMS_IN_FLIGHT = (MessageStatus.PENDING, MessageStatus.SENDING)


@transaction.atomic(durable=True)
def do_resend_password(
    person_id: int,
    *,
    to: str,
    dedupe_prefix: str,
    password: NewPassword,
    acting_user: User,
    request: HttpRequest | None = None,
) -> Message:
    """A new generated password for a citizen who has not logged in with the first one, by SMS.

    The old password stops working at once (and any session with it). Refused while an earlier
    password SMS is still waiting to go out — two passwords on their way would leave the citizen
    with the one that no longer works — and once the citizen has chosen their own password (then
    "Quên mật khẩu" is theirs to use). `password` is made before the transaction (Argon2 is slow).
    The SMS's dedupe key is `<dedupe_prefix>:resend-<n>`, counted under the account's lock.
    """
    user = User.objects.select_for_update().filter(person_id=person_id, role=User.Role.CITIZEN).first()
    if user is None:
        raise AccountError("no_account", _("Người tham gia này chưa có tài khoản."), status=409)
    if not user.must_change_password:
        raise AccountError(
            "password_chosen",
            _("Người tham gia đã tự đặt mật khẩu sau lần đăng nhập đầu: hãy hướng dẫn dùng chức năng Quên mật khẩu."),
            status=409,
        )
    in_flight = Message.objects.filter(
        kind=SmsKind.ACCOUNT_PASSWORD, secret_of=f"user:{user.pk}", status__in=PASSWORD_SMS_IN_FLIGHT
    ).exists()
    if in_flight:
        raise AccountError(
            "password_sms_pending",
            _("SMS mật khẩu trước đó vẫn đang chờ gửi: hãy đợi kết quả gửi rồi mới gửi lại."),
            status=409,
        )
    resends = Message.objects.filter(dedupe_key__startswith=f"{dedupe_prefix}:resend-").count()
    user.password = password.hashed
    user.save(update_fields=["password"])
    end_sessions(user)
    message = queue_sms(
        to=to,
        kind=SmsKind.ACCOUNT_PASSWORD,
        body=f"VssID: Mat khau moi cua tai khoan {user.username} la {password.plain}. "
        "Mat khau gui truoc do khong con dung duoc. Hay doi mat khau khi dang nhap lan dau.",
        secret=password.plain,
        secret_of=f"user:{user.pk}",
        dedupe_key=f"{dedupe_prefix}:resend-{resends + 1}",
    )
    record_change(
        "account.password_resend",
        acting_user=acting_user,
        object_type="account",
        object_id=user.pk,
        person=person_id,
        request=request,
        message=message.pk,
    )
    return message
