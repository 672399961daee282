from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.models import User


class IdentifierBackend(ModelBackend):
    """Citizens log in with their BHXH code (their username) or their 12-digit CCCD number.

    Since 01/08/2025 the CCCD replaces the BHXH code as the person's identifier (domain.md §3.1),
    so both must work; staff and employer users keep plain usernames.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:  # type: ignore[override]
        if username and re.fullmatch(r"\d{12}", username.strip()):
            match = User.objects.filter(person__cccd=username.strip()).values_list("username", flat=True).first()
            if match:
                username = match
        return super().authenticate(request, username=username, password=password, **kwargs)  # type: ignore[return-value]
