"""Who read or changed what, for personal data and staff actions.

Rows are only ever inserted. The person the data belongs to is stored so a citizen can see who
viewed their record ("who viewed my data").

The actor and the person are references without a database constraint (as django-simple-history
keeps its history rows' references). A constraint is checked at every insert by locking the row
it names — FOR KEY SHARE on the person and on the acting login — and an audit row is written on
the hottest calls (every card check at a hospital counter): the two checks and their row locks
were a third of the database's work for the check's write, two checks by one login that
overlapped shared its row's lock as a multixact, and a check waited for any clerk holding the
holder's row (a correction locks it FOR UPDATE). Integrity stays with the ORM's on_delete
(SET_NULL, as before), and the demo loader empties this table with the people it replaces.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from registry.models import Person


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    actor_label = models.CharField(max_length=150, help_text="Username at the time, kept if the user is removed.")
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40)
    # No index of its own: audit_person_at starts with it (the actor's stays, for SET_NULL when a login is deleted).
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False, db_index=False
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["person", "-at"], name="audit_person_at"),
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"
