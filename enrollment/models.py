"""Registration for electronic transactions (design.md §5): the procedure of the source letter."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils import timezone

from places.models import Office, Province, Ward
from registry.models import Person, Sex
from vssid.text import fold

LIVE_STATUSES = ("awaiting_confirmation", "submitted", "received")


def private_storage() -> Storage:
    # MEDIA_ROOT is never routed; files leave only through permission-checked, audited views.
    return storages["default"]


class Registration(models.Model):
    class Status(models.TextChoices):
        AWAITING_CONFIRMATION = "awaiting_confirmation", "Chờ xác nhận OTP"
        SUBMITTED = "submitted", "Chờ nộp tờ khai"
        RECEIVED = "received", "Đã tiếp nhận hồ sơ"
        APPROVED = "approved", "Đã duyệt"
        REJECTED = "rejected", "Từ chối"
        EXPIRED = "expired", "Quá hạn"

    # Unique through a constraint (Meta), not unique=True: on PostgreSQL that would add a second,
    # varchar_pattern_ops index for LIKE searches, which nothing makes on a reference.
    reference = models.CharField(max_length=10)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.AWAITING_CONFIRMATION)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="registrations")
    # No index of its own: registration_queue (Meta) begins with it.
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="registrations", db_index=False)

    # What the person declared, kept as declared (the register may change later).
    full_name = models.CharField(max_length=100)
    search_name = models.CharField(max_length=100, editable=False, default="")
    ssn = models.CharField(max_length=10)
    cccd = models.CharField(max_length=12)
    date_of_birth = models.DateField()
    sex = models.PositiveSmallIntegerField(choices=Sex.choices)
    phone = models.CharField(max_length=12)
    email = models.EmailField(blank=True)
    # Indexed in Meta (for PROTECT's check when a place is deleted) with a plain B-tree: db_index
    # would add a varchar_pattern_ops copy of each for LIKE searches, which nothing makes on a code.
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", db_index=False)
    ward = models.ForeignKey(Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    street = models.CharField(max_length=255)
    language = models.CharField(max_length=2, default="vi")

    id_front = models.FileField(storage=private_storage, upload_to="registrations/")
    id_back = models.FileField(storage=private_storage, upload_to="registrations/")
    portrait = models.FileField(storage=private_storage, upload_to="registrations/")
    # True from the submission until the worker has decoded and re-encoded the three uploads
    # (enrollment.photo_work). Meanwhile the files named above are the checked uploads in
    # registrations/incoming/, which no view serves. A photo the worker could not decode is
    # left empty: the clerk sees the original ID at the desk in any case.
    photos_pending = models.BooleanField(default=False)

    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateField(null=True, blank=True, help_text="Last day to hand in the signed Form 01.")
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reject_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["deadline", "submitted_at"]
        # Every index is written by each submission and, since status is indexed, by each change
        # of status (no HOT update): only those a query or a foreign key's check uses.
        indexes = [
            models.Index(fields=["office", "status", "deadline"], name="registration_queue"),
            models.Index(fields=["status", "deadline"], name="registration_expiry"),
            models.Index(fields=["province"], name="registration_province"),
            models.Index(fields=["ward"], name="registration_ward"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="registration_reference_unique"),
            # One live registration per person, whatever two concurrent submissions do.
            models.UniqueConstraint(
                fields=["person"], condition=Q(status__in=LIVE_STATUSES), name="registration_one_live_per_person"
            ),
            models.CheckConstraint(condition=Q(reference__regex=r"^DK[0-9A-Z]{8}$"), name="registration_reference_format"),
            models.CheckConstraint(
                condition=Q(status="awaiting_confirmation") | Q(submitted_at__isnull=False, deadline__isnull=False),
                name="registration_submitted_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""), name="registration_rejection_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: object, **kwargs: object) -> None:
        self.fill_derived()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def fill_derived(self) -> None:
        """The columns computed from others (save() calls it; so does an insert that bypasses save)."""
        self.search_name = fold(self.full_name)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES
