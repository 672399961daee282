"""Bearer authentication and role guards of the JSON API.

Tokens are the opaque ones of accounts.services (stored hashed, revocable, one active device per
citizen). A guard answers 401 `not_authenticated` when the token is missing or dead, 403 when the
user has the wrong role, and 403 `password_change_required` while the user (any role) still has
to replace a password someone else issued: the SMS password of a citizen, the first password of
staff or of an invited HR clerk. Only POST /auth/password and /auth/logout stay open
(`bearer_auth`, built with allow_password_change_pending=True).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from accounts.models import User
from accounts.services import user_for_access_token
from api.errors import ApiError


def bearer_token(request: HttpRequest) -> str:
    """The raw token of the Authorization header ("" without one)."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def password_change_required(user: User) -> ApiError:
    if user.role == User.Role.CITIZEN:
        message = _("Bạn cần đổi mật khẩu được gửi qua SMS trước khi tiếp tục.")
    else:
        message = _("Bạn cần đổi mật khẩu được cấp trước khi tiếp tục.")
    return ApiError(403, "password_change_required", message)


class BearerAuth(HttpBearer):
    """Any live token of the admitted roles; request.auth and request.user become its user.

    Subclasses narrow the roles in check(); the forced password change is enforced here, after the
    role check, so a guard defined elsewhere (the employer router's) cannot forget it.
    """

    def __init__(self, *, allow_password_change_pending: bool = False) -> None:
        super().__init__()
        self.allow_password_change_pending = allow_password_change_pending

    def __call__(self, request: HttpRequest) -> Any:
        """As HttpBearer's, reading the one header from META.

        ninja's reads request.headers, which first builds a mapping of every header the client
        sent; this runs on every authenticated call of the API.
        """
        value = request.META.get("HTTP_AUTHORIZATION")
        if not value:
            return None
        parts = value.split(" ")
        if parts[0].lower() != self.openapi_scheme:
            return None  # (ninja logs the header under DEBUG: a credential, kept out of logs here)
        return self.authenticate(request, " ".join(parts[1:]))

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = self.lookup(request, token.strip()) if token.strip() else None
        if user is None:
            return None  # ninja answers AuthenticationError: 401 not_authenticated
        request.user = user
        self.check(user)
        if user.must_change_password and not self.allow_password_change_pending:
            raise password_change_required(user)
        return user

    def lookup(self, request: HttpRequest, token: str) -> User | None:
        """The user of a live token (a guard may read more in the same query)."""
        return user_for_access_token(token)

    def check(self, user: User) -> None:
        """Refuse (raise ApiError) a user this guard does not admit."""


class CitizenAuth(BearerAuth):
    def check(self, user: User) -> None:
        if user.role != User.Role.CITIZEN or user.person_id is None:
            raise ApiError(403, "forbidden", _("Chức năng này chỉ dành cho người tham gia BHXH."))


class StaffAuth(BearerAuth):
    def check(self, user: User) -> None:
        if user.role not in (User.Role.STAFF, User.Role.LEAD) or user.office_id is None:
            raise ApiError(403, "forbidden", _("Chức năng này chỉ dành cho cán bộ cơ quan BHXH."))


# For /auth/password and /auth/logout only: the way out of a forced change must stay open.
bearer_auth = BearerAuth(allow_password_change_pending=True)
citizen_auth = CitizenAuth()
staff_auth = StaffAuth()


def auth_user(request: HttpRequest) -> User:
    """The user a guard admitted (typed for the routers)."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)  # noqa: S101 - only called behind a guard
    return user
