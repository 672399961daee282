from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from audit.models import AuditEvent
from registry.models import Person
from vssid.clientip import client_ip


def record(
    action: str,
    *,
    actor: Any,
    object_type: str,
    object_id: object,
    person: Person | int | None = None,
    request: HttpRequest | None = None,
    **detail: Any,
) -> AuditEvent:
    """Append one audit row; call it inside the transaction of the change it describes."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=actor.get_username() if is_user else str(actor or "system"),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        person_id=person.pk if isinstance(person, Person) else person,
        ip=client_ip(request),
        detail=detail,
    )
