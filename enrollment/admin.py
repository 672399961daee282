from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from enrollment.models import Registration


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: registrations change only through the office procedure, which audits each step.

    The identity photos are not shown here; they are viewed in the back office, where every view
    is recorded.
    """

    list_display = ("reference", "full_name", "ssn", "office", "status", "deadline", "submitted_at")
    list_filter = ("status", "office")
    search_fields = ("reference", "ssn", "cccd", "search_name")
    list_select_related = ("office",)
    exclude = ("id_front", "id_back", "portrait")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
