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
