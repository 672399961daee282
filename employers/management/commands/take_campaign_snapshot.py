"""Record today's campaign figures now (the periodic task employers.tasks.take_snapshot does it daily).

This is the only "back-fill" there is: it fills today's row when the periodic task did not run.
Past days are never written, because the register does not say who had an account on a past day;
the trend shows only the days actually recorded.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from employers.campaign import take_snapshot


class Command(BaseCommand):
    help = "Record today's adoption figures of every office and employer (CampaignSnapshot)."

    def handle(self, *args: Any, **options: Any) -> None:
        day = timezone.localdate()
        rows = take_snapshot(day)
        self.stdout.write(f"{day.isoformat()}: {rows} rows")
