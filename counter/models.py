"""What the counter keeps besides the audit trail: the gateway password of a facility login and
the citizens who switched the check notification off."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class GatewayCredential(models.Model):
    """The password hospital software sends to `/api/token/take`, as the real gateway takes it.

    That software sends the upper-case MD5 hex of the password, never the password, so the login's
    own hash (argon2 of the password) cannot check it. This row holds an argon2 hash of that MD5
    hex: nothing weaker is stored, and the web login's hash is left alone. It is set by
    `manage.py set_gateway_password` (and for the demo counter by the seed).
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gateway_credential")
    password = models.CharField(max_length=200, help_text="argon2 hash of the upper-case MD5 hex of the password.")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"gateway:{self.user_id}"


class CheckNoticeOptOut(models.Model):
    """A citizen who does not want a notification each time a facility checks their card.

    Absent row = notified (the default); the audit trail and "who viewed my data" keep every check
    either way.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
