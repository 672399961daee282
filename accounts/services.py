"""Passwords, one-time codes, lockout and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, OneTimeCode, User
from messaging.services import queue_sms
from vssid.db.hot import fetch_one_for_read, instance_from_row
from vssid.errors import DomainError
from vssid.phone import InvalidPhone, normalize_phone
from vssid.ratelimit import Rate, RateLimited, check, hit_to_lock, reset

OTP_TTL = dt.timedelta(minutes=5)
OTP_MAX_ATTEMPTS = 5
OTP_MAX_PER_HOUR = 5
USER_MAX_FAILURES, IP_MAX_FAILURES = 5, 30
# Input bounds shared by the web forms and the API schemas: longer input is refused as invalid
# before it reaches a query or a password hasher (a megabyte "password" costs seconds of Argon2).
USERNAME_MAX_LENGTH = 150  # User.username
PASSWORD_MAX_LENGTH = 128
PHONE_MAX_LENGTH = 20  # "+84 912 345 678" with spaces
OTP_MAX_LENGTH = 20  # codes are 6 digits; a little slack so a pasted code with spaces is "wrong", not "invalid"
TOKEN_MAX_LENGTH = 200  # refresh tokens are 64 characters
LOCKOUT = dt.timedelta(minutes=15)
ACCESS_TTL = dt.timedelta(hours=1)
REFRESH_TTL = dt.timedelta(days=30)
# No 0/O, 1/l/I: the password is read off an SMS and typed by hand.
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105 - an alphabet


class AccountError(DomainError):
    pass


# ---- passwords -------------------------------------------------------------------------


def generate_password(length: int = 10) -> str:
    while True:
        candidate = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in candidate) and any(c.isupper() for c in candidate) and any(c.islower() for c in candidate):
            return candidate


@dataclass(frozen=True)
class NewPassword:
    plain: str  # for the SMS that carries it
    hashed: str


def new_password() -> NewPassword:
    """A generated password and its hash. Slow by design (Argon2): make it before the transaction that stores it."""
    plain = generate_password()
    return NewPassword(plain, make_password(plain))


def check_new_password(user: User, new_password: str) -> None:
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise AccountError("weak_password", " ".join(exc.messages), fields={"new_password": list(exc.messages)}) from exc


def change_password(user: User, *, old_password: str, new_password: str, keep_session: str = "", keep_token: str = "") -> None:
    """Replace the password; every other web session and API login of the user ends (any role).

    keep_session / keep_token name the web session or the access token doing the change, which
    stays logged in.
    """
    if not user.check_password(old_password):
        raise AccountError("wrong_password", _("Mật khẩu hiện tại không đúng."), fields={"old_password": [_("Không đúng.")]})
    if old_password == new_password:
        raise AccountError("same_password", _("Mật khẩu mới phải khác mật khẩu hiện tại."))
    check_new_password(user, new_password)
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        end_sessions(user, keep_session=keep_session, keep_token=keep_token)
        tell_password_changed(user)


def tell_password_changed(user: User) -> None:
    """An SMS to the phone on file: a password changed by someone else is noticed at once."""
    phone = user.person.phone if user.person_id and user.person else ""
    if not phone:
        return  # staff, HR and leads have no phone on file
    when = timezone.localtime().strftime("%H:%M %d/%m/%Y")
    queue_sms(
        to=phone,
        kind="notice",
        body=f"VssID: Mat khau tai khoan {user.username} vua duoc doi luc {when}. "
        "Neu khong phai ban doi, hay goi ngay tong dai 1900 9068.",
    )


# ---- one-time codes --------------------------------------------------------------------


def _code_hash(purpose: str, subject: str, code: str) -> str:
    message = f"{purpose}:{subject}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def issue_code(purpose: str, subject: str, *, new_subject: bool = False) -> str:
    """A fresh 6-digit code; earlier unused codes for the same subject stop working.

    `new_subject`: the caller has just created the subject (a registration's new reference), so
    it has no earlier codes to count or end; the two statements that would find none are skipped.
    """
    now = timezone.now()
    if not new_subject:
        recent = OneTimeCode.objects.filter(purpose=purpose, subject=subject, created_at__gte=now - dt.timedelta(hours=1))
        if recent.count() >= OTP_MAX_PER_HOUR:
            raise AccountError("otp_rate_limited", _("Bạn đã yêu cầu quá nhiều mã. Vui lòng thử lại sau một giờ."), status=429)
        OneTimeCode.objects.filter(purpose=purpose, subject=subject, used_at__isnull=True).update(used_at=now)
    code, row = new_code(purpose, subject, now=now)
    row.save(force_insert=True)
    return code


def new_code(purpose: str, subject: str, *, now: dt.datetime | None = None) -> tuple[str, OneTimeCode]:
    """A fresh 6-digit code and its row, unsaved: for a caller that has just created the subject
    and inserts the row in the statement of that change (issue_code's `new_subject` case)."""
    now = now or timezone.now()
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = OneTimeCode(
        purpose=purpose, subject=subject, code_hash=_code_hash(purpose, subject, code), created_at=now, expires_at=now + OTP_TTL
    )
    return code, row


def consume_code(purpose: str, subject: str, code: str) -> AccountError | None:
    """Use up the subject's latest code, or return (not raise) why it cannot be used.

    Returning lets the caller commit the attempt counter before raising: an exception inside the
    caller's transaction would roll the count back and allow unlimited guesses.
    """
    latest = OneTimeCode.objects.select_for_update().filter(purpose=purpose, subject=subject).order_by("-created_at").first()
    if latest is None:
        return AccountError("otp_invalid", _("Mã OTP không đúng."), fields={"otp": [_("Không đúng.")]})
    if latest.used_at is not None:
        return AccountError("otp_used", _("Mã OTP này đã được dùng. Hãy yêu cầu mã mới."))
    if latest.attempts >= OTP_MAX_ATTEMPTS:
        return AccountError("otp_too_many_attempts", _("Nhập sai quá nhiều lần. Hãy yêu cầu mã mới."), status=429)
    if latest.expires_at < timezone.now():
        return AccountError("otp_expired", _("Mã OTP đã hết hạn. Hãy yêu cầu mã mới."))
    if not hmac.compare_digest(latest.code_hash, _code_hash(purpose, subject, (code or "").strip())):
        latest.attempts += 1
        latest.save(update_fields=["attempts"])
        left = OTP_MAX_ATTEMPTS - latest.attempts
        if left <= 0:
            return AccountError("otp_too_many_attempts", _("Nhập sai quá nhiều lần. Hãy yêu cầu mã mới."), status=429)
        return AccountError(
            "otp_invalid",
            _("Mã OTP không đúng. Còn %(left)d lần thử.") % {"left": left},
            fields={"otp": [_("Không đúng.")]},
        )
    latest.used_at = timezone.now()
    latest.save(update_fields=["used_at"])
    return None


# ---- lockout ---------------------------------------------------------------------------


def _account_key(identifier: str, user: User | None) -> str:
    """The per-account counter: the resolved account, so the BHXH code, the CCCD and the user name
    of one person share it; an identifier that resolves to nobody counts under its own normalised,
    hashed text (bounded length, whatever was typed)."""
    if user is not None:
        return f"account:{user.pk}"
    normalised = unicodedata.normalize("NFKC", identifier).strip().casefold()
    return "login:" + hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()


# 5 failures lock an account, 30 an address, for 15 minutes from the failure that locks it.
ACCOUNT_FAILURES = Rate("login_failures_account", USER_MAX_FAILURES, LOCKOUT)
ADDRESS_FAILURES = Rate("login_failures_address", IP_MAX_FAILURES, LOCKOUT)


def _lockout_budgets(account_key: str, ip: str | None) -> list[tuple[Rate, str]]:
    budgets = [(ACCOUNT_FAILURES, account_key)]
    if ip:
        budgets.append((ADDRESS_FAILURES, ip))
    return budgets


def check_not_locked(account_key: str, ip: str | None) -> None:
    now = timezone.now()
    try:
        for rate, subject in _lockout_budgets(account_key, ip):
            check(rate, subject, now=now)
    except RateLimited as exc:
        minutes = max(1, int(exc.retry_after.total_seconds() // 60) + 1)
        raise AccountError(
            "locked_out",
            _("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.") % {"minutes": minutes},
            status=429,
        ) from None


def record_failure(account_key: str, ip: str | None) -> None:
    now = timezone.now()
    with transaction.atomic():
        for rate, subject in _lockout_budgets(account_key, ip):
            hit_to_lock(rate, subject, now=now)


def record_success(user: User) -> None:
    reset(ACCOUNT_FAILURES, _account_key("", user))


# ---- sessions and tokens ---------------------------------------------------------------


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


def end_sessions(user: User, *, keep_session: str = "", keep_token: str = "") -> None:
    """After a password change or reset, for every role: end the API tokens and web sessions but the
    one doing the change (its web session, or the login its access token belongs to).

    Django also ties each web session to the password hash, so a staff member's other browsers
    are logged out by the change itself; the citizen's one tracked session is deleted outright.
    """
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if keep_token:
        family = ApiToken.objects.filter(access_hash=_digest(keep_token)).values_list("family", flat=True).first()
        if family is not None:
            tokens = tokens.exclude(family=family)
    tokens.update(revoked_at=timezone.now())
    if user.session_key and user.session_key != keep_session:
        Session.objects.filter(session_key=user.session_key).delete()
        user.session_key = ""
        user.save(update_fields=["session_key"])


ENDED_ELSEWHERE = "ended_elsewhere"
"""Set in a web session that a login on another device ended: its login page says why."""


def end_other_sessions(user: User, *, keep_session: str = "") -> None:
    """One device at a time for citizens: a new login ends the older session, web or API.

    The older web session is emptied rather than deleted, keeping only ENDED_ELSEWHERE: the
    person on the old phone is then told they were logged in elsewhere, not just sent to log in.
    """
    if user.role != User.Role.CITIZEN:
        return
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if user.session_key and user.session_key != keep_session:
        Session.objects.filter(session_key=user.session_key).update(session_data=Session.objects.encode({ENDED_ELSEWHERE: True}))
    if user.session_key != keep_session:
        user.session_key = keep_session
        user.save(update_fields=["session_key"])


def _new_pair(user: User, family: uuid.UUID, device: str) -> TokenPair:
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    now = timezone.now()
    ApiToken.objects.create(
        user=user,
        family=family,
        access_hash=_digest(access),
        refresh_hash=_digest(refresh),
        access_expires_at=now + ACCESS_TTL,
        refresh_expires_at=now + REFRESH_TTL,
        device=device[:200],
    )
    return TokenPair(access, refresh, int(ACCESS_TTL.total_seconds()))


@transaction.atomic
def issue_tokens(user: User, *, device: str = "") -> TokenPair:
    end_other_sessions(user)
    return _new_pair(user, uuid.uuid4(), device)


# Every API request authenticates, so this is the hottest query of the API: one join on the
# unique digest index, written once and prepared (vssid.db.hot) instead of being built by the
# ORM's compiler on each request, which cost several times the query itself.
_USER_FIELDS = list(User._meta.concrete_fields)
USER_COLUMN_COUNT = len(_USER_FIELDS)


def access_token_sql(columns: str = "", joins: str = "") -> str:
    """SELECT the user (alias u) of a live access token, then `columns` from the caller's `joins`.

    Parameters: access_token_params(raw). An endpoint that always needs a little more of the
    user's data (the card) reads it in the same round trip, with the same token rules.
    """
    selected = ", ".join(f'u."{field.column}"' for field in _USER_FIELDS) + (f", {columns}" if columns else "")
    return (
        f"SELECT {selected} FROM {User._meta.db_table} u JOIN {ApiToken._meta.db_table} t ON t.user_id = u.id {joins}"  # noqa: S608 - names from models
        " WHERE t.access_hash = %s AND t.revoked_at IS NULL AND t.access_expires_at > %s AND u.is_active"
    )


def access_token_params(raw: str) -> list[object]:
    return [_digest(raw), connection.ops.adapt_datetimefield_value(timezone.now())]


def user_from_row(row: tuple[object, ...]) -> User:
    """The User of the first USER_COLUMN_COUNT columns of an access_token_sql row."""
    return instance_from_row(User, _USER_FIELDS, row[:USER_COLUMN_COUNT])


_USER_FOR_ACCESS_SQL = access_token_sql()


def user_for_access_token(raw: str) -> User | None:
    """The active user of a live access token, or None (unknown, revoked, expired, user disabled)."""
    row = fetch_one_for_read(_USER_FOR_ACCESS_SQL, access_token_params(raw))
    return None if row is None else user_from_row(row)


def rotate_tokens(raw_refresh: str, *, device: str = "") -> TokenPair:
    invalid = AccountError("invalid_refresh_token", _("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại."), status=401)
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("user").filter(refresh_hash=_digest(raw_refresh)).first()
        if token is None or token.refresh_expires_at <= timezone.now() or not token.user.is_active:
            raise invalid
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            return _new_pair(token.user, token.family, device or token.device)
        # A rotated refresh token came back: someone kept a copy. End every token of that login
        # (committed before the refusal is raised).
        ApiToken.objects.filter(family=token.family, revoked_at__isnull=True).update(revoked_at=timezone.now())
    raise invalid


def revoke_access_token(raw: str) -> None:
    ApiToken.objects.filter(access_hash=_digest(raw), revoked_at__isnull=True).update(revoked_at=timezone.now())


# ---- login and password reset ----------------------------------------------------------


def resolve_login(identifier: str) -> User | None:
    """A login by username, BHXH code or CCCD (the CCCD replaces the BHXH code since 08/2025)."""
    identifier = (identifier or "").strip()
    # No account has such a name; PostgreSQL cannot even compare text holding NUL (a 500).
    if not identifier or len(identifier) > USERNAME_MAX_LENGTH or "\x00" in identifier:
        return None
    if len(identifier) == 12 and identifier.isdigit():
        return User.objects.filter(person__cccd=identifier).select_related("person").first()
    return User.objects.filter(username=identifier).select_related("person").first()


def authenticate_login(identifier: str, password: str, *, ip: str | None) -> User:
    """Check a password under the lockout rules: 5 failures lock an account, 30 an address, for 15 minutes.

    The account's counter is keyed on the account itself (see _account_key), so guesses through
    the BHXH code and through the CCCD of one person add up.
    """
    typed = (identifier or "").strip()
    user = resolve_login(typed)
    account_key = _account_key(typed, user)
    check_not_locked(account_key, ip)
    if user is None or len(password or "") > PASSWORD_MAX_LENGTH or "\x00" in (password or ""):
        User().set_password("x" * 10)  # spend the same time as a real check: no hint that the login exists
        ok = False
    else:
        ok = user.check_password(password) and user.is_active
    if not ok:
        record_failure(account_key, ip)
        raise AccountError("invalid_credentials", _("Tên đăng nhập hoặc mật khẩu không đúng."), status=401)
    assert user is not None  # noqa: S101 - ok implies a user
    record_success(user)
    return user


def _reset_subject(user: User) -> str:
    return f"user:{user.pk}"


def request_password_reset(identifier: str, phone: str) -> None:
    """Text a reset code when the login and the phone on file match; otherwise do nothing, silently.

    The caller answers the same way in both cases, so the form cannot tell whether an account exists.
    """
    try:
        e164 = normalize_phone(phone)
    except InvalidPhone:
        return
    user = resolve_login(identifier)
    if user is None or user.person is None or not user.is_active or user.person.phone != e164:
        return
    with transaction.atomic():
        try:
            code = issue_code(OneTimeCode.Purpose.PASSWORD_RESET, _reset_subject(user))
        except AccountError:
            return  # rate limited: still the same answer
        queue_sms(
            to=e164,
            kind="password_reset_otp",
            body=f"VssID: Ma OTP dat lai mat khau la {code}. Hieu luc 5 phut. Khong cung cap ma nay cho bat ky ai.",
            secret=code,
            secret_of=_reset_subject(user),
        )


def confirm_password_reset(identifier: str, otp: str, new_password: str) -> User:
    # The code is checked before the new password: otherwise "weak password" would answer only
    # for names that exist, and anyone could learn which logins there are. The hash is computed
    # first for every request, so the time taken does not tell either.
    hashed = make_password(new_password)
    user = resolve_login(identifier)
    invalid = AccountError("otp_invalid", _("Mã OTP không đúng."), fields={"otp": [_("Không đúng.")]})
    if user is None:
        raise invalid
    weak: AccountError | None = None
    with transaction.atomic():
        problem = consume_code(OneTimeCode.Purpose.PASSWORD_RESET, _reset_subject(user), otp)
        if problem is None:
            try:
                check_new_password(user, new_password)
            except AccountError as exc:
                # The right code with a weak password: the code stays usable for a better one.
                weak = exc
                transaction.set_rollback(True)
            else:
                user.password = hashed
                user.must_change_password = False
                user.save(update_fields=["password", "must_change_password"])
                end_sessions(user)
                record_success(user)
                tell_password_changed(user)
    if problem is not None:
        raise problem
    if weak is not None:
        raise weak
    return user
