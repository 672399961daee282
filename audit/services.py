from __future__ import annotations

from typing import Any

from django.db import transaction
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
    event = audit_event(
        action, actor=actor, object_type=object_type, object_id=object_id, person=person, request=request, **detail
    )
    event.save(force_insert=True)
    return event


def audit_event(
    action: str,
    *,
    actor: Any,
    object_type: str,
    object_id: object,
    person: Person | int | None = None,
    request: HttpRequest | None = None,
    **detail: Any,
) -> AuditEvent:
    """The row `record` appends, unsaved: for a caller that inserts it in the statement of its change."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent(
        actor=actor if is_user else None,
        actor_label=actor.get_username() if is_user else str(actor or "system"),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        person_id=person.pk if isinstance(person, Person) else person,
        ip=client_ip(request),
        detail=detail,
    )


def record_change(
    action: str,
    *,
    acting_user: Any,
    object_type: str,
    object_id: object,
    person: Person | int | None = None,
    request: HttpRequest | None = None,
    **detail: Any,
) -> AuditEvent:
    """The audit row of a state change, written by the action inside its own transaction.

    Refuses to run outside a transaction: a change and its audit row commit or vanish together
    (style.md rule 3), so an action that forgot its `@transaction.atomic` fails loudly in tests.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            f"Audit of {action!r} outside a transaction: decorate the action with @transaction.atomic(durable=True)."
        )
    return record(
        action, actor=acting_user, object_type=object_type, object_id=object_id, person=person, request=request, **detail
    )
