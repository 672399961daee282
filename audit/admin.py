from __future__ import annotations

from django.contrib import admin

from audit.models import AuditEvent
from vssid.admin import ReadOnlyAdminMixin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_id")
    date_hierarchy = "at"
    show_full_result_count = False
