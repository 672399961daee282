"""Logins of citizens, office staff, employer HR clerks and office leads.

A custom user model from the first migration, because every later feature hangs off it:
a citizen's login is tied to one person of the register, staff to one office, HR to one employer.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from places.models import Office
from registry.models import Employer, Person


class User(AbstractUser):
    class Role(models.TextChoices):
        CITIZEN = "citizen", "Người tham gia"
        STAFF = "staff", "Cán bộ BHXH"
        EMPLOYER = "employer", "Đơn vị sử dụng lao động"
        LEAD = "lead", "Lãnh đạo cơ quan BHXH"
        ADMIN = "admin", "Quản trị hệ thống"

    # Default ADMIN so `createsuperuser` works; the role only says which link (person, office,
    # employer) must be set; rights come from the access functions of each app.
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.ADMIN)
    person = models.OneToOneField(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="account")
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="hr_users")
    must_change_password = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # Each role carries exactly the link it needs, so an access check can trust it.
            models.CheckConstraint(condition=~Q(role="citizen") | Q(person__isnull=False), name="citizen_has_person"),
            models.CheckConstraint(condition=~Q(role__in=["staff", "lead"]) | Q(office__isnull=False), name="staff_has_office"),
            models.CheckConstraint(condition=~Q(role="employer") | Q(employer__isnull=False), name="employer_user_has_employer"),
        ]
