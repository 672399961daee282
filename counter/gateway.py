"""The gateway-compatible log-in (`POST /api/token/take`) for hospital software that already talks
to the real card-check gateway (domain.md §3.9).

That software sends `username` and `password` = the upper-case MD5 hex of the password, and then
passes `token`, `id_token`, `username` and `password` in the query string of each check. The
access token is an ordinary API token of accounts.services (stored hashed, revocable, expiring);
the id_token is a keyed digest binding it to the login, so a token copied without its id_token,
or presented under another user name, is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Final

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import issue_tokens, user_for_access_token
from counter import codes
from counter.models import GatewayCredential
from counter.services import CardCheckError, limited
from vssid import ratelimit
from vssid.ratelimit import Rate

MD5_HEX: Final = re.compile(r"[0-9A-F]{32}")
# Failed gateway log-ins, per user name and per client address: a password is tried at most a
# few times before the door closes for a while (like the web log-in's lockout).
FAILURE_RATES: Final = (
    Rate("gateway_login_user_failures", 10, dt.timedelta(minutes=15)),
    Rate("gateway_login_ip_failures", 50, dt.timedelta(minutes=15)),
)
_DUMMY_HASH: Final = make_password("not-a-real-gateway-password")


def gateway_md5(password: str) -> str:
    """What hospital software sends for a password: its MD5, upper-case hex (not a protection, a format)."""
    return hashlib.md5(password.encode(), usedforsecurity=False).hexdigest().upper()


def set_gateway_password(user: User, password: str) -> None:
    """Store argon2 over the MD5 hex the gateway takes (models.GatewayCredential); facility logins only."""
    if user.role != User.Role.FACILITY:
        raise CardCheckError("not_facility_user", _("Chỉ tài khoản cơ sở khám chữa bệnh mới có mật khẩu cổng tiếp nhận."))
    GatewayCredential.objects.update_or_create(
        user=user, defaults={"password": make_password(gateway_md5(password)), "updated_at": timezone.now()}
    )


@dataclass(frozen=True)
class GatewayToken:
    access_token: str
    id_token: str
    expires_in: int


def id_token_for(access_token: str) -> str:
    return salted_hmac("counter.gateway.id_token", access_token, algorithm="sha256").hexdigest()


def _auth_error(message: str) -> CardCheckError:
    return CardCheckError("authentication_failed", message, result_code=codes.AUTHENTICATION, status=401)


def take_token(username: str, password_md5: str, *, ip: str | None) -> GatewayToken:
    """A token pair for a facility login whose gateway password matches; 401 (maKetQua 401) otherwise."""
    username = (username or "").strip()[:150]
    password_md5 = (password_md5 or "").strip()
    if not username or not password_md5:
        raise CardCheckError(
            "bad_parameters",
            _("Thiếu tên đăng nhập hoặc mật khẩu."),
            fields={k: [_("Trường này là bắt buộc.")] for k, v in (("username", username), ("password", password_md5)) if not v},
        )
    if not MD5_HEX.fullmatch(password_md5):
        raise CardCheckError(
            "bad_parameters",
            _("Mật khẩu gửi lên là mã MD5 của mật khẩu, 32 ký tự hexa viết hoa."),
            fields={"password": [_("Cần 32 ký tự 0-9, A-F.")]},
        )
    budgets = [(FAILURE_RATES[0], username.casefold()), (FAILURE_RATES[1], ip or "-")]
    try:
        for rate, subject in budgets:
            ratelimit.check(rate, subject)
    except ratelimit.RateLimited as exc:
        raise limited(exc) from None
    credential = (
        GatewayCredential.objects.select_related("user")
        .filter(user__username=username, user__role=User.Role.FACILITY, user__is_active=True)
        .first()
    )
    # Hash even when there is no such login, so the answer's time does not tell which names exist.
    valid = check_password(password_md5, credential.password if credential else _DUMMY_HASH)
    if credential is None or not valid:
        for rate, subject in budgets:
            ratelimit.hit_to_lock(rate, subject)
        raise _auth_error(_("Tên đăng nhập hoặc mật khẩu không đúng."))
    ratelimit.reset(FAILURE_RATES[0], username.casefold())
    with transaction.atomic():
        pair = issue_tokens(credential.user, device="gateway")
    return GatewayToken(pair.access_token, id_token_for(pair.access_token), pair.expires_in)


def user_for_gateway_call(token: str, id_token: str, username: str, password_md5: str, *, ip: str | None = None) -> User:
    """The login of a check call's query string; 401 (maKetQua 401) when any part does not hold, 403 for a non-facility login.

    The real gateway takes `username` and `password` again on every call, and so do we: a token
    alone, copied from a log, does not check cards once the password was changed.
    """
    token, id_token, username = (token or "").strip(), (id_token or "").strip(), (username or "").strip()
    if not token or len(token) > 200:
        raise _auth_error(_("Thiếu token hoặc token không hợp lệ: hãy lấy token mới tại /api/token/take."))
    user = user_for_access_token(token)
    if user is None:
        raise _auth_error(_("Token đã hết hạn hoặc không hợp lệ: hãy lấy token mới tại /api/token/take."))
    if not hmac.compare_digest(id_token.encode(), id_token_for(token).encode()) or username != user.get_username():
        raise _auth_error(_("token, id_token và username không khớp nhau."))
    if user.role != User.Role.FACILITY:
        raise CardCheckError(
            "forbidden", _("Chức năng này chỉ dành cho cơ sở khám chữa bệnh."), result_code=codes.AUTHENTICATION, status=403
        )
    _recheck_password(user, (password_md5 or "").strip(), ip=ip)
    return user


# Passwords already verified against a stored hash, by a keyed digest of the MD5 sent (never the MD5
# itself): argon2 on every call would cost more than the check. The stored hash is part of the key,
# so a changed password is verified afresh; only successes are kept, so every wrong password pays
# the hash and counts against the log-in's failure budgets.
_VERIFIED: dict[tuple[int, str, str], bool] = {}
_VERIFIED_MAX: Final = 4096


def _recheck_password(user: User, password_md5: str, *, ip: str | None) -> None:
    wrong = _auth_error(_("username và password không khớp với tài khoản của token."))
    if not MD5_HEX.fullmatch(password_md5):
        raise wrong
    stored = GatewayCredential.objects.filter(user=user).values_list("password", flat=True).first()
    if stored is None:
        raise wrong
    key = (user.pk, stored, salted_hmac("counter.gateway.verified", password_md5, algorithm="sha256").hexdigest())
    if key in _VERIFIED:
        return
    budgets = [(FAILURE_RATES[0], user.get_username().casefold()), (FAILURE_RATES[1], ip or "-")]
    try:
        for rate, subject in budgets:
            ratelimit.check(rate, subject)
    except ratelimit.RateLimited as exc:
        raise limited(exc) from None
    if not check_password(password_md5, stored):
        for rate, subject in budgets:
            ratelimit.hit_to_lock(rate, subject)
        raise wrong
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = True
