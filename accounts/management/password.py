"""The password of an account created from the command line (create_staff, create_facility_user).

It comes from an environment variable, or is typed twice on a terminal; without a terminal and
without the variable the command refuses rather than inventing one.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Protocol

from django.core.management.base import CommandError


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
