from __future__ import annotations

from django.contrib import admin

from support.models import Notification, Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "subject", "person", "office", "status", "created_at", "answered_at")
    list_filter = ("status",)
    list_select_related = ("person", "office")
    raw_id_fields = ("person", "office", "answered_by")
    search_fields = ("=id", "subject", "person__ssn")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "user", "kind", "text", "created_at", "read_at")
    list_filter = ("kind",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)
