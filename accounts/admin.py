from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.forms import AdminLoginForm
from accounts.models import User

# The admin's login counts failures and locks like every other login (accounts.services).
admin.site.login_form = AdminLoginForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "role", "office", "employer", "facility", "is_active", "last_login")
    list_filter = ("role", "is_active", "office")
    search_fields = ("username", "person__ssn", "person__cccd", "facility__code", "officer_name", "officer_cccd")
    raw_id_fields = ("person", "employer", "facility")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("VssID", {"fields": ("role", "person", "office", "employer", "must_change_password")}),
        # A facility login (role facility): its health facility and the officer who checks cards.
        ("Cơ sở KCB", {"fields": ("facility", "officer_name", "officer_cccd")}),
    )
