"""Support tickets of citizens and the notifications shown in the app (domain.md §1.6, §1.7).

A ticket is routed when it is created to the office that serves the person (support.services.
routing_office); staff of that office, and of its parent office, answer it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from places.models import Office
from registry.models import Person


class Ticket(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Đang chờ trả lời")
        ANSWERED = "answered", _("Đã trả lời")
        CLOSED = "closed", _("Đã đóng")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="tickets", db_index=False)
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="tickets", db_index=False, help_text=_("Cơ quan BHXH trả lời.")
    )
    subject = models.CharField(_("tiêu đề"), max_length=150)
    message = models.TextField(_("nội dung"), max_length=4000)
    status = models.CharField(_("trạng thái"), max_length=8, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("trả lời"), blank=True, max_length=4000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("gửi lúc"), default=timezone.now)
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["person", "-created_at"], name="ticket_person"),
            models.Index(fields=["office", "status", "created_at"], name="ticket_office_queue"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "answered", "closed"]), name="ticket_status_known"),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(answer="") | Q(status="closed"), name="ticket_answered_has_answer"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        CARD_EXPIRING = "card_expiring", _("Thẻ BHYT sắp hết hạn")
        MONTH_RECORDED = "month_recorded", _("Đã ghi nhận tháng đóng")
        TICKET_ANSWERED = "ticket_answered", _("Yêu cầu hỗ trợ đã được trả lời")
        NOTICE = "notice", _("Thông báo")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Makes "once per card" (or per any event) a database fact: e.g. "card_expiring:<card id>".
    dedupe_key = models.CharField(max_length=80, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user")]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="notification_dedupe_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["card_expiring", "month_recorded", "ticket_answered", "notice"]),
                name="notification_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return self.text
