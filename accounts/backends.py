from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.models import User
from accounts.services import AccountError, authenticate_login
from vssid.clientip import client_ip


class IdentifierBackend(ModelBackend):
    """Citizens log in with their BHXH code (their username) or their 12-digit CCCD number.

    Since 01/08/2025 the CCCD replaces the BHXH code as the person's identifier (domain.md §3.1),
    so both must work; staff and employer users keep plain usernames.

    Every authenticate() call goes through accounts.services.authenticate_login, so it counts
    failures and refuses a locked account or address like the login page and the API do: no door
    (the Django admin, a future view) can be used to guess passwords around the lockout.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:  # type: ignore[override]
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = authenticate_login(username, password, ip=client_ip(request))
        except AccountError as exc:
            if exc.code == "locked_out":
                raise PermissionDenied(exc.message) from exc  # authenticate() stops: no other backend is tried
            return None
        return user if self.user_can_authenticate(user) else None
