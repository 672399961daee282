"""The employer portal (invitations) and the adoption campaign (daily snapshots).

Figures shown today are computed live by SQL aggregation (employers.campaign); the trend since the
campaign started reads CampaignSnapshot, one row per day and office (employer empty) and per day
and employer, written by the periodic task employers.tasks.take_snapshot. Nothing is back-filled:
the trend shows only the days that were actually recorded.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from places.models import Office
from registry.models import Employer, Person

# Plan 4489/KH-BHXH of BHXH Hà Nội: the campaign of the source letter runs from this day.
CAMPAIGN_START = dt.date(2020, 11, 25)
INVITATION_INTERVAL = dt.timedelta(days=7)


def campaign_week(day: dt.date) -> int:
    """Week number since the campaign started (0 = the week from 25/11/2020)."""
    return (day - CAMPAIGN_START).days // 7


class Invitation(models.Model):
    """One SMS invitation sent by an employer's HR clerk to a worker without an account."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", db_index=False)
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="invitations", db_index=False)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    message = models.ForeignKey("messaging.Message", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-sent_at"]
        indexes = [
            models.Index(fields=["person", "-sent_at"], name="invitation_person"),
            models.Index(fields=["employer", "-sent_at"], name="invitation_employer"),
        ]


class CampaignSnapshot(models.Model):
    """Adoption figures of one day: an office's total (employer empty) or one employer's."""

    day = models.DateField()
    week = models.IntegerField(help_text="Weeks since the campaign started (CAMPAIGN_START).")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", db_index=False)
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False)
    insured = models.PositiveIntegerField()
    accounts = models.PositiveIntegerField()
    in_progress = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day"]
        indexes = [models.Index(fields=["office", "employer", "week", "day"], name="snapshot_trend")]
        constraints = [
            models.UniqueConstraint(fields=["day", "office"], condition=Q(employer__isnull=True), name="snapshot_office_day"),
            models.UniqueConstraint(
                fields=["day", "employer"], condition=Q(employer__isnull=False), name="snapshot_employer_day"
            ),
            models.CheckConstraint(condition=Q(accounts__lte=models.F("insured")), name="snapshot_accounts_le_insured"),
        ]

    @property
    def share(self) -> float:
        return self.accounts / self.insured if self.insured else 0.0
