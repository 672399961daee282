"""`make run`'s processes under one supervisor: runserver, the worker and the periodic enqueuer."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vssid.supervisor import Program, Supervisor


class Command(BaseCommand):
    help = "Serve the app with the worker and the periodic enqueuer, restarting those two when they exit."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="Address and port of the web server.")

    def handle(self, *args: Any, **options: Any) -> None:
        manage = [sys.executable, sys.argv[0]]
        addrport = options["addrport"]
        if ":" not in addrport:
            addrport = f"127.0.0.1:{addrport}"
        programs = [
            Program("worker", [*manage, "run_worker", "--interval", "1", "--no-reload"]),
            Program("periodic", [*manage, "run_periodic"]),
            Program("web", [*manage, "runserver", addrport, "--noreload"], restart=False),
        ]
        raise SystemExit(Supervisor(programs).run())
