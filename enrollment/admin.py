from __future__ import annotations

from django.contrib import admin

from enrollment.models import Registration
from vssid.admin import ReadOnlyAdminMixin


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
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
