from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.demo import is_seeded, seed_demo
from declarations import demo as declarations_demo
from registry.demo.loader import MAX_PEOPLE


class Command(BaseCommand):
    help = (
        "Replace the register with deterministic demo data: reference data, N people with employers, "
        "histories, cards, benefits and visits, the two documented demo people and the demo users."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=2000, help="generated people besides the two fixed ones")
        parser.add_argument("--seed", type=int, default=2021, help="random seed; same seed and date, same data")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="reference date (default: today)")
        parser.add_argument("--workers", type=int, default=None, help="parallel loaders on PostgreSQL")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when demo data is already loaded")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and is_seeded():
            self.stdout.write("demo data already loaded")
            return
        people = options["people"]
        if not 0 <= people <= MAX_PEOPLE:
            raise CommandError(f"--people must be between 0 and {MAX_PEOPLE:,}")
        as_of = options["as_of"] or timezone.localdate()
        declarations_demo.clear()  # its rows hang off the register about to be replaced
        report = seed_demo(
            people=people,
            seed=options["seed"],
            as_of=as_of,
            workers=options["workers"],
            progress=lambda line: self.stdout.write(line) if options["verbosity"] > 1 else None,
        )
        declarations_demo.seed(as_of)
        counts = ", ".join(f"{name} {count:,}" for name, count in report.counts.items())
        self.stdout.write(self.style.SUCCESS(f"seeded in {report.seconds:.1f} s: {counts}"))
        if report.phases:
            self.stdout.write("steps: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.phases.items()))
