"""manage.py create_staff USERNAME --office CODE (design.md §7), in the manner of createsuperuser.

The password comes from VSSID_STAFF_PASSWORD, or is asked for twice on a terminal
(accounts.management.password). The clerk must change it at first login.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts.management.password import CreateLoginCommand
from accounts.models import User
from accounts.onboarding import create_staff_user


class Command(CreateLoginCommand):
    help = "Create an office staff login (role staff, or lead with --lead); it must change its password at first login."
    PASSWORD_ENV = "VSSID_STAFF_PASSWORD"  # noqa: S105 - the name of a variable, not a password

    def add_login_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--office", required=True, help="Office code, e.g. 00106")
        parser.add_argument("--lead", action="store_true", help="An office lead (campaign dashboard, HR invitations)")

    def create(self, username: str, password: str, options: dict[str, Any]) -> str:
        role = User.Role.LEAD if options["lead"] else User.Role.STAFF
        user = create_staff_user(username, office_code=options["office"].strip(), password=password, role=role)
        return f"Created {user.role} {user.username} of office {user.office_id}; the password must be changed at first login."
