from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from places.services import load_reference_data


class Command(BaseCommand):
    help = "Load provinces, offices, wards, health facilities and collection points from places/data/."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_reference_data()
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
