"""manage.py create_staff USERNAME --office CODE (design.md §7), in the manner of createsuperuser.

The password comes from VSSID_STAFF_PASSWORD, or is asked for twice on a terminal
(accounts.management.password). The clerk must change it at first login.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.management.password import command_password
from accounts.models import User
from accounts.onboarding import create_staff_user
from accounts.services import AccountError

PASSWORD_ENV = "VSSID_STAFF_PASSWORD"  # noqa: S105 - the name of a variable, not a password


class Command(BaseCommand):
    help = "Create an office staff login (role staff, or lead with --lead); it must change its password at first login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--office", required=True, help="Office code, e.g. 00106")
        parser.add_argument("--lead", action="store_true", help="An office lead (campaign dashboard, HR invitations)")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help=f"Never prompt; needs {PASSWORD_ENV}."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"].strip()
        if not username:
            raise CommandError("The user name is empty.")
        password = command_password(PASSWORD_ENV, interactive=options["interactive"], stderr=self.stderr)
        role = User.Role.LEAD if options["lead"] else User.Role.STAFF
        try:
            user = create_staff_user(username, office_code=options["office"].strip(), password=password, role=role)
        except AccountError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Created {user.role} {user.username} of office {user.office_id}; the password must be changed at first login."
        )
