"""Tables of the core layer."""

from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """The last time a background process did its loop: /healthz tells a stalled worker from a live one.

    One row per process role and id (`worker:<id>`, `periodic:<host>:<pid>`), written at most every
    HEARTBEAT_EVERY seconds, so the embedded SQLite database sees a tiny write now and then.
    """

    process = models.CharField(max_length=100, primary_key=True)
    role = models.CharField(max_length=20)
    beat_at = models.DateTimeField()
    started_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["role", "beat_at"], name="heartbeat_role_idx")]


class RateCounter(models.Model):
    """Events counted per key in a fixed window, for vssid.ratelimit; in the database so every process agrees.

    One row per rate and subject ("registration_otp_phone_hour:<digest>"): the subject is stored as
    a keyed digest, so the table holds no phone numbers, ID numbers or addresses. A row whose
    window is over is reused by the next event and deleted by purge_expired_counters().
    """

    # Unique through a constraint, not unique=True: on PostgreSQL that adds a varchar_pattern_ops
    # copy of the index for LIKE searches, which only cost each new counter one more insertion.
    key = models.CharField(max_length=120)
    count = models.PositiveIntegerField(default=0)
    window_ends_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["window_ends_at"], name="ratecounter_window_idx")]
        constraints = [models.UniqueConstraint(fields=["key"], name="ratecounter_key_unique")]

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
