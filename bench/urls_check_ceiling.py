"""bench.urls_card_check, with the card check's write replaced as CHECK_CEILING names (bench/check_ceiling.py).

Served only under bench.settings_check_ceiling, by the benchmark's own gunicorn. The URLconf is
imported on a worker's first request, after the apps are loaded, so the service can be patched
here. Only that server imports this module, and its test (counter/tests/test_check_ceiling.py),
where CHECK_CEILING is unset and nothing is patched until the test asks.

The variants, each a bound on what a check can cost, not a design:
- `full`: the check as it is (counter.services): one statement reads the token and the register,
  a second takes the three budgets and inserts the audit row (and the notification);
- `no_write`: the read and the decision, nothing written: no budget, no audit row;
- `audit_only`: the second statement inserts the audit row (and the notification) without the budgets;
- `one_statement`: the budgets and an audit row ride in the read's own statement: one round trip,
  the least a counted and audited check can cost. That row cannot carry what the decision finds
  (the result code, the holder), which the read has not yet given back, so it holds constants,
  and the login's budgets are keyed by its token (one per login here) rather than by its id; refusals
  are not handled. A check that really worked so would need the decision made in SQL.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.services import USER_COLUMN_COUNT, access_token_params, user_from_row
from audit.models import AuditEvent
from bench.urls_card_check import handler400, handler404, handler500, urlpatterns
from counter import register, services
from vssid import ratelimit
from vssid.db import inserts
from vssid.db.hot import fetch_all, fetch_one

VARIANTS = ("full", "no_write", "audit_only", "one_statement")


def _no_write(*args: Any, **kwargs: Any) -> None:
    return None


def _audit_only(budgets: Sequence[ratelimit.Budget], event: Any, note: Any, now: Any, **kwargs: Any) -> None:
    rows = [inserts.Row(name, row) for name, row in (("audit_row", event), ("notice_row", note)) if row is not None]
    inserted, values = inserts.ctes(rows)
    fetch_all(f"WITH {inserted} SELECT 1" + ratelimit.where_without_flush(True), values)


def _audit_sql(granted: str) -> str:
    table = AuditEvent._meta.db_table
    return (
        f"audit_row AS (INSERT INTO {table} (at, actor_id, actor_label, action, object_type, object_id, person_id, ip, detail) "
        f"SELECT now(), NULL, 'check-ceiling', '{services.CHECK_ACTION}', 'card', '-', NULL, NULL, '{{}}'::jsonb "
        f"WHERE {granted} AND {ratelimit.WITHOUT_FLUSH})"
    )


def _read_with_token_in_one_statement(token: str, card: str) -> Any:
    """counter.register.read_with_token (the SSN case the benchmark sends), with the write in its statement."""
    identifier = card[-10:] if len(card) == 15 else card
    plan = ratelimit.taking(
        [(services.USER_RATES[0], token), (services.USER_RATES[1], token), (services.CARD_RATE, card)], now=timezone.now()
    )
    sql = f"WITH {plan.ctes}, {_audit_sql(plan.granted)} " + register._with_token("p.ssn = %s")
    params = [*plan.params, settings.TIME_ZONE, settings.TIME_ZONE, identifier, *access_token_params(token)]
    row = fetch_one(sql, params)
    if row is None:
        return None
    snapshot = row[USER_COLUMN_COUNT:]
    return user_from_row(row), (register._from_row(snapshot) if snapshot[0] is not None else None)


def install(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValueError(f"CHECK_CEILING must be one of {', '.join(VARIANTS)}, not {variant!r}")
    if variant in ("no_write", "one_statement"):
        services._write_in_one_statement = _no_write  # type: ignore[assignment]
    if variant == "audit_only":
        services._write_in_one_statement = _audit_only  # type: ignore[assignment]
    if variant == "one_statement":
        register.read_with_token = _read_with_token_in_one_statement  # type: ignore[assignment]


install(os.environ.get("CHECK_CEILING", "full"))

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
