from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.forms import AdminLoginForm
from accounts.models import User

# The admin's login counts failures and locks like every other login (accounts.services).
admin.site.login_form = AdminLoginForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "role", "office", "employer", "is_active", "last_login")
    list_filter = ("role", "is_active", "office")
    search_fields = ("username", "person__ssn", "person__cccd")
    raw_id_fields = ("person", "employer")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("VssID", {"fields": ("role", "person", "office", "employer", "must_change_password")}),
    )
