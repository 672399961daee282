from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from messaging.models import Message
from vssid.admin import ReadOnlyAdminMixin


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the outbox is written by services and the worker, never by hand.

    A pending message may still hold a password or OTP in its body, so the body is shown only once
    the message is done (sent, failed or uncertain), when the secret has been scrubbed out of it.
    """

    list_display = ("created_at", "channel", "kind", "status", "attempts", "next_attempt_at", "last_error")
    list_filter = ("status", "channel", "kind")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    show_full_result_count = False
    fields = (
        "channel",
        "kind",
        "to",
        "subject",
        "delivered_body",
        "attachment_name",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "created_at",
        "dedupe_key",
        "secret_of",
        "reissue_of",
    )
    readonly_fields = fields

    @admin.display(description=_("nội dung"))
    def delivered_body(self, obj: Message) -> str:
        if not obj.is_done:
            return str(_("(hiển thị sau khi gửi xong: nội dung có thể chứa mật khẩu hoặc mã OTP)"))
        return obj.body

    def get_queryset(self, request: HttpRequest) -> Any:
        # Neither is ever shown; the attachment may be a PDF full of personal data.
        return super().get_queryset(request).defer("attachment", "secret")
