from __future__ import annotations

from django_tasks import task

from support.services import notify_expiring_cards as _notify_expiring_cards


@task()
def notify_expiring_cards() -> int:
    """Once per active health card, 30 days before valid_to: a card_expiring notification."""
    return _notify_expiring_cards()
