"""manage.py create_facility_user USERNAME --facility CODE --officer-name "…" --officer-cccd … (issue 13).

A health facility's card-check login, with the checking officer the gateway names in each check.
The password comes from VSSID_FACILITY_PASSWORD, or is asked for twice on a terminal
(accounts.management.password); it must be changed at first login.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.management.password import command_password
from accounts.onboarding import create_facility_user
from accounts.services import AccountError

PASSWORD_ENV = "VSSID_FACILITY_PASSWORD"  # noqa: S105 - the name of a variable, not a password


class Command(BaseCommand):
    help = "Create a health facility's card-check login (role facility); it must change its password at first login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--facility", required=True, help="KCB facility code, e.g. 01929")
        parser.add_argument("--officer-name", required=True, help="Full name of the officer who checks cards")
        parser.add_argument("--officer-cccd", required=True, help="The officer's 12-digit CCCD")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help=f"Never prompt; needs {PASSWORD_ENV}."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"].strip()
        if not username:
            raise CommandError("The user name is empty.")
        password = command_password(PASSWORD_ENV, interactive=options["interactive"], stderr=self.stderr)
        try:
            user = create_facility_user(
                username,
                facility_code=options["facility"].strip(),
                officer_name=options["officer_name"],
                officer_cccd=options["officer_cccd"],
                password=password,
            )
        except AccountError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Created facility login {user.username} of {user.facility_id} (officer {user.officer_name}); "
            "the password must be changed at first login."
        )
