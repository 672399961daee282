"""Logins of citizens, office staff, employer HR clerks, office leads and health-facility counters.

A custom user model from the first migration, because every later feature hangs off it:
a citizen's login is tied to one person of the register, staff to one office, HR to one employer,
a facility login to one health facility and the officer who checks cards there.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from places.models import HealthFacility, Office
from registry.models import Employer, Person


class User(AbstractUser):
    class Role(models.TextChoices):
        CITIZEN = "citizen", "Người tham gia"
        STAFF = "staff", "Cán bộ BHXH"
        EMPLOYER = "employer", "Đơn vị sử dụng lao động"
        LEAD = "lead", "Lãnh đạo cơ quan BHXH"
        ADMIN = "admin", "Quản trị hệ thống"
        FACILITY = "facility", "Cơ sở khám chữa bệnh"

    # Default ADMIN so `createsuperuser` works; the role only says which link (person, office,
    # employer) must be set; rights come from the access functions of each app.
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.ADMIN)
    person = models.OneToOneField(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="account")
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="hr_users")
    # A facility login checks cards at one facility's counter; the card-check gateway wants the
    # checking officer's name and CCCD with every check (domain.md §3.9, CV 1923/BHXH-CNTT).
    facility = models.ForeignKey(
        HealthFacility, null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name="cơ sở KCB"
    )
    officer_name = models.CharField("họ tên cán bộ kiểm tra thẻ", max_length=100, blank=True)
    officer_cccd = models.CharField("CCCD cán bộ kiểm tra thẻ", max_length=12, blank=True)
    must_change_password = models.BooleanField(default=False)
    # The one web session a citizen may hold; logging in elsewhere ends it (one device at a time).
    session_key = models.CharField(max_length=40, blank=True, editable=False)

    class Meta:
        constraints = [
            # Each role carries exactly the link it needs, so an access check can trust it.
            models.CheckConstraint(condition=~Q(role="citizen") | Q(person__isnull=False), name="citizen_has_person"),
            models.CheckConstraint(condition=~Q(role__in=["staff", "lead"]) | Q(office__isnull=False), name="staff_has_office"),
            models.CheckConstraint(condition=~Q(role="employer") | Q(employer__isnull=False), name="employer_user_has_employer"),
            models.CheckConstraint(
                condition=~Q(role="facility")
                | (Q(facility__isnull=False) & ~Q(officer_name="") & Q(officer_cccd__regex=r"^[0-9]{12}$")),
                name="facility_user_has_facility_and_officer",
            ),
        ]


class OneTimeCode(models.Model):
    """A 6-digit code sent by SMS. Only its keyed hash is stored; it works once, for a few minutes."""

    class Purpose(models.TextChoices):
        REGISTRATION = "registration", "Xác nhận đăng ký"
        PASSWORD_RESET = "password_reset", "Đặt lại mật khẩu"

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    subject = models.CharField(max_length=60, help_text="What the code unlocks, e.g. registration:DK7F3K9Q2M.")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["purpose", "subject", "-created_at"], name="otp_subject")]


class ApiToken(models.Model):
    """An opaque bearer token pair of the JSON API; only SHA-256 digests are stored.

    Refresh rotates the pair; presenting a refresh token that was already rotated revokes the
    whole family, since only a copied token can be presented twice.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    family = models.UUIDField()
    access_hash = models.CharField(max_length=64, unique=True)
    refresh_hash = models.CharField(max_length=64, unique=True)
    access_expires_at = models.DateTimeField()
    refresh_expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    device = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="token_user_active")]
