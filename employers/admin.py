from django.contrib import admin

from employers.models import CampaignSnapshot, Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["sent_at", "employer", "person", "sent_by"]
    raw_id_fields = ["person", "employer", "sent_by", "message"]
    date_hierarchy = "sent_at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # invitations are sent through the portal, which checks the 7-day rule

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(CampaignSnapshot)
class CampaignSnapshotAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["day", "office", "employer", "insured", "accounts", "in_progress"]
    list_filter = ["day"]
    raw_id_fields = ["office", "employer"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
