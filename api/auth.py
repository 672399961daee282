"""Bearer authentication and role guards of the JSON API.

Tokens are the opaque ones of accounts.services (stored hashed, revocable, one active device per
citizen). A guard answers 401 `not_authenticated` when the token is missing or dead, 403 when the
user has the wrong role, and 403 `password_change_required` while a citizen still has to replace
the password sent by SMS (only POST /auth/password and /auth/logout use `BearerAuth` and stay open).
"""

from __future__ import annotations

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


class BearerAuth(HttpBearer):
    """Any live token, whatever the role; request.auth and request.user become its user."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = self.lookup(request, token.strip()) if token.strip() else None
        if user is None:
            return None  # ninja answers AuthenticationError: 401 not_authenticated
        request.user = user
        self.check(user)
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
        if user.must_change_password:
            raise ApiError(
                403,
                "password_change_required",
                _("Bạn cần đổi mật khẩu được gửi qua SMS trước khi tiếp tục."),
            )


class StaffAuth(BearerAuth):
    def check(self, user: User) -> None:
        if user.role not in (User.Role.STAFF, User.Role.LEAD) or user.office_id is None:
            raise ApiError(403, "forbidden", _("Chức năng này chỉ dành cho cán bộ cơ quan BHXH."))


bearer_auth = BearerAuth()
citizen_auth = CitizenAuth()
staff_auth = StaffAuth()


def auth_user(request: HttpRequest) -> User:
    """The user a guard admitted (typed for the routers)."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)  # noqa: S101 - only called behind a guard
    return user
