"""Admin pieces shared by the apps (Django imports this module at start; it registers nothing)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """Rows the admin shows but never writes: they come from services that check and audit.

    Audit events, outbox messages, registrations, and the register's history rows are written
    only by the code that owns their rules; a superuser reads them here, never edits them.
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
