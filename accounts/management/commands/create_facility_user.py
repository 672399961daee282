"""manage.py create_facility_user USERNAME --facility CODE --officer-name "…" --officer-cccd … (issue 13).

A health facility's card-check login, with the checking officer the gateway names in each check.
The password comes from VSSID_FACILITY_PASSWORD, or is asked for twice on a terminal
(accounts.management.password); it must be changed at first login.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts.management.password import CreateLoginCommand
from accounts.onboarding import create_facility_user


class Command(CreateLoginCommand):
    help = "Create a health facility's card-check login (role facility); it must change its password at first login."
    PASSWORD_ENV = "VSSID_FACILITY_PASSWORD"  # noqa: S105 - the name of a variable, not a password

    def add_login_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--facility", required=True, help="KCB facility code, e.g. 01929")
        parser.add_argument("--officer-name", required=True, help="Full name of the officer who checks cards")
        parser.add_argument("--officer-cccd", required=True, help="The officer's 12-digit CCCD")

    def create(self, username: str, password: str, options: dict[str, Any]) -> str:
        user = create_facility_user(
            username,
            facility_code=options["facility"].strip(),
            officer_name=options["officer_name"],
            officer_cccd=options["officer_cccd"],
            password=password,
        )
        return (
            f"Created facility login {user.username} of {user.facility_id} (officer {user.officer_name}); "
            "the password must be changed at first login."
        )
