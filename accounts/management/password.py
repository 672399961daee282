"""The password of an account created from the command line (create_staff, create_facility_user).

It comes from an environment variable, or is typed twice on a terminal; without a terminal and
without the variable the command refuses rather than inventing one.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any, Protocol

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import AccountError


class _Writer(Protocol):
    def write(self, msg: str, /) -> object: ...


def command_password(env_name: str, *, interactive: bool, stderr: _Writer) -> str:
    """The password from ``env_name``, else asked for twice on a terminal; CommandError otherwise."""
    password = os.environ.get(env_name, "")
    if password:
        return password
    if not interactive or not sys.stdin.isatty():
        raise CommandError(f"No password: set {env_name}, or run the command on a terminal to type it.")
    while True:
        first = getpass.getpass("Password: ")
        if not first:
            stderr.write("The password may not be empty.")
            continue
        if getpass.getpass("Password (again): ") != first:
            stderr.write("The two passwords differ.")
            continue
        return first


class CreateLoginCommand(BaseCommand):
    """The shape shared by the commands that create a login: a user name, a password, a refusal.

    Subclasses set PASSWORD_ENV, add their own options in `add_login_arguments` and create the
    user in `create` (an AccountError becomes the command's error message).
    """

    PASSWORD_ENV = ""

    def add_login_arguments(self, parser: CommandParser) -> None:
        raise NotImplementedError

    def create(self, username: str, password: str, options: dict[str, Any]) -> str:
        """Create the login; the line to print."""
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        self.add_login_arguments(parser)
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help=f"Never prompt; needs {self.PASSWORD_ENV}."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"].strip()
        if not username:
            raise CommandError("The user name is empty.")
        password = command_password(self.PASSWORD_ENV, interactive=options["interactive"], stderr=self.stderr)
        try:
            line = self.create(username, password, options)
        except AccountError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(line)
