"""manage.py set_gateway_password USERNAME: the password hospital software sends to /api/token/take.

For a facility login (role facility). The password comes from VSSID_GATEWAY_PASSWORD, or is asked
for twice on a terminal; only argon2 over its upper-case MD5 hex is stored (counter.models).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.management.password import CreateLoginCommand
from accounts.models import User
from counter.gateway import set_gateway_password
from counter.services import CardCheckError


class Command(CreateLoginCommand):
    help = "Set a facility login's gateway password (POST /api/token/take takes its upper-case MD5 hex)."
    PASSWORD_ENV = "VSSID_GATEWAY_PASSWORD"  # noqa: S105 - the name of a variable, not a password

    def add_login_arguments(self, parser: CommandParser) -> None:
        pass  # the user name is the only argument

    def create(self, username: str, password: str, options: dict[str, Any]) -> str:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No login named {username}.")
        try:
            set_gateway_password(user, password)
        except CardCheckError as exc:
            raise CommandError(exc.message) from exc
        return f"Set the gateway password of {username}."
