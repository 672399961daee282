"""The outbox: every SMS and e-mail we send, written in the transaction of the change that causes it.

A row is the promise to send; the worker keeps it (retries with backoff) until the gateway takes it.
Passwords and OTPs live here only until delivery: they are scrubbed from the row when it is done.
A password or OTP is handed to the gateway at most once: when we cannot know whether the gateway
took it, the row ends "uncertain" and the app that issued the secret issues a new one
(messaging.delivery, "Uncertain delivery").
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vssid.phone import PHONE_E164_REGEX

SCRUBBED = "******"
SECRET_MAX_LENGTH = 32  # a password is 10 characters, an OTP 6 (design.md §4)


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "E-mail"


class SmsKind(models.TextChoices):
    """The SMS kinds of the SMS file contract (design.md §4); other programs read them."""

    REGISTRATION_OTP = "registration_otp", _("Mã OTP đăng ký")
    ACCOUNT_PASSWORD = "account_password", _("Mật khẩu tài khoản")
    PASSWORD_RESET_OTP = "password_reset_otp", _("Mã OTP đặt lại mật khẩu")
    LOGIN_OTP = "login_otp", _("Mã OTP đăng nhập")
    INVITATION = "invitation", _("Lời mời cài VssID")
    NOTICE = "notice", _("Thông báo")


class Status(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi không được")
    # A password or OTP that may or may not have reached the gateway: never sent again, replaced.
    UNCERTAIN = "uncertain", _("Không rõ đã gửi chưa")


DONE = (Status.SENT, Status.FAILED, Status.UNCERTAIN)


class Message(models.Model):
    channel = models.CharField(_("kênh"), max_length=5, choices=Channel.choices)
    # Free-form for e-mail ("registration_form"); one of SmsKind for SMS (checked below).
    kind = models.CharField(_("loại"), max_length=40)
    to = models.CharField(_("người nhận"), max_length=254, help_text=_("Số điện thoại E.164 (+84…) hoặc địa chỉ e-mail."))
    subject = models.CharField(_("tiêu đề"), max_length=200, blank=True)
    body = models.TextField(_("nội dung"))
    # The password or OTP inside body, kept apart so delivery can blank it out of body afterwards.
    secret = models.CharField(max_length=SECRET_MAX_LENGTH, blank=True)
    # What the secret unlocks, in the words of the app that issued it ("user:42",
    # "registration:DK7F3K9Q2M"): how that app finds it again to issue a new one.
    secret_of = models.CharField(max_length=80, blank=True)
    attachment = models.BinaryField(null=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    next_attempt_at = models.DateTimeField(_("lần thử tiếp theo"), default=timezone.now)
    # Set by the claim, committed before the gateway is called: the record of the hand-off.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    # Exception class and a short text, never the body or the recipient.
    last_error = models.CharField(_("lỗi gần nhất"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    # e.g. "account_password:<registration id>": a second queue call with the key sends nothing.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # The uncertain message this one replaces, with a new secret; one-to-one: one new secret each.
    reissue_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reissue", verbose_name=_("thay cho tin")
    )

    class Meta:
        verbose_name = _("tin nhắn gửi đi")
        verbose_name_plural = _("tin nhắn gửi đi")
        indexes = [
            # The worker's scan: pending rows whose time has come; and stuck "sending" rows.
            models.Index(fields=["status", "next_attempt_at"], name="message_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="message_channel_valid"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="message_status_valid"),
            models.CheckConstraint(condition=~Q(channel=Channel.SMS) | Q(kind__in=SmsKind.values), name="message_sms_kind"),
            models.CheckConstraint(condition=~Q(channel=Channel.SMS) | Q(to__regex=PHONE_E164_REGEX), name="message_sms_to_e164"),
            # The design's promise, held by the database: no password or OTP rests here once done.
            models.CheckConstraint(
                condition=~Q(status__in=DONE) | (Q(secret="") & Q(attachment__isnull=True)),
                name="message_done_is_scrubbed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} #{self.pk}"

    @property
    def is_done(self) -> bool:
        return self.status in DONE
