"""The demo counter's gateway password (README): `bachmai.tiepdon` logs in at `/api/token/take`
with the MD5 of the published demo password, like hospital software does."""

from __future__ import annotations

from accounts.models import User
from counter.gateway import set_gateway_password


def seed_gateway_credentials(password: str) -> None:
    """Every demo facility login gets `password` as its gateway password too."""
    for user in User.objects.filter(role=User.Role.FACILITY):
        set_gateway_password(user, password)
