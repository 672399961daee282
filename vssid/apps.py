from __future__ import annotations

from django.apps import AppConfig


class VssidConfig(AppConfig):
    """The core layer: settings, db helpers, text, the background worker and its scheduler."""

    name = "vssid"
    verbose_name = "VssID core"
