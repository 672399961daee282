"""Heartbeats of the background processes, and what /healthz makes of them.

The worker and the periodic enqueuer each write one row now and then from inside their loop, so
a process that is alive but stuck (or dead, or never started) shows as stale. Writes are rare
(HEARTBEAT_EVERY) and tiny: on the embedded SQLite database every write takes the single write
lock, and a busy web process must not wait on heartbeats.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from dataclasses import dataclass

from django.db import DatabaseError
from django.utils import timezone

from vssid.models import Heartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = 10.0  # seconds between two writes of one process
# A worker polls every second or runs a task; a task may take a while (an SMS gateway times out
# after 10 s), so only a silence far longer than that means it has stopped.
STALE_AFTER = dt.timedelta(seconds=90)
# Processes not heard of for a day are gone for good (a restarted worker has a new id).
FORGET_AFTER = dt.timedelta(days=1)


def process_name(role: str, ident: str | None = None) -> str:
    return f"{role}:{ident or f'{socket.gethostname()}:{os.getpid()}'}"[:100]


class Beater:
    """Called from a loop at every turn; writes at most every HEARTBEAT_EVERY seconds."""

    def __init__(self, role: str, ident: str | None = None) -> None:
        self.role = role
        self.process = process_name(role, ident)
        self.started_at = timezone.now()
        self._last = float("-inf")

    def beat(self, *, force: bool = False) -> bool:
        now = time.monotonic()
        if not force and now - self._last < HEARTBEAT_EVERY:
            return False
        try:
            Heartbeat.objects.update_or_create(
                process=self.process,
                defaults={"role": self.role, "beat_at": timezone.now(), "started_at": self.started_at},
            )
        except DatabaseError:
            # A locked or unreachable database: the next turn tries again. Never let the
            # heartbeat itself stop the loop it reports on.
            logger.warning("Could not record the %s heartbeat; will retry", self.role, exc_info=True)
            return False
        self._last = now
        return True


@dataclass(frozen=True)
class RoleHealth:
    role: str
    ok: bool
    last_beat_seconds: int | None  # None: never heard of


def role_health(role: str) -> RoleHealth:
    now = timezone.now()
    latest = Heartbeat.objects.filter(role=role).order_by("-beat_at").values_list("beat_at", flat=True).first()
    if latest is None:
        return RoleHealth(role, False, None)
    age = max(0, int((now - latest).total_seconds()))
    return RoleHealth(role, now - latest <= STALE_AFTER, age)


def forget_old_heartbeats() -> int:
    deleted, _ = Heartbeat.objects.filter(beat_at__lt=timezone.now() - FORGET_AFTER).delete()
    return deleted
