from __future__ import annotations

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest

from vssid.middleware import touch_staff_session


class VssidConfig(AppConfig):
    """The core layer: settings, db helpers, text, the background worker and its scheduler."""

    name = "vssid"
    verbose_name = "VssID core"

    def ready(self) -> None:
        # Every login with a session (the login page, the admin's) sets a staff session's idle
        # expiry as the session is created, so the first page after login writes nothing more.
        user_logged_in.connect(_on_login, dispatch_uid="vssid.staff_session_expiry")


def _on_login(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        touch_staff_session(request, user, force=True)
