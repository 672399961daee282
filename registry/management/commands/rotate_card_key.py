"""manage.py rotate_card_key: add a card QR signing key that takes over after a lead time (registry.cardkeys)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.cardkeys import KeyRingError, rotate


class Command(BaseCommand):
    help = (
        "Add a new card QR signing key to the key ring. It is published at once and signs after "
        "CARD_KEY_LEAD_SECONDS (a day), or at once with --now; the key it replaces stays published "
        "until the last card valid on that day has expired."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now", action="store_true", help="Sign with the new key at once (cached JWK sets will not know it for a day)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            added = rotate(lead=dt.timedelta(0) if options["now"] else None)
        except KeyRingError as exc:
            raise CommandError(str(exc)) from exc
        when = added.active_from.isoformat(timespec="seconds") if added.active_from else "now"
        self.stdout.write(f"Added card key {added.key.kid}; it signs from {when}.")
