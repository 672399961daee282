"""One rate limiter for every budget: so many events per subject per window, counted in the database.

A `Rate` names a budget ("registration_otp_phone_hour": 5 per hour); the subject is what is
counted (a phone number, a person, a client address). Counters live in vssid.models.RateCounter,
so every web process and worker agrees, on SQLite as on PostgreSQL.

The window is fixed: it starts with the first event and the count restarts once it is over. At
a window's edge a subject can get up to twice the limit in a short time; the budgets are chosen
with that in mind (a daily budget beside an hourly one).

Each call is one short statement (a refusal reads the window's end as well) and holds no lock
of its own. Called inside a transaction, the count commits or rolls back with the caller's
change: `take` before queueing an SMS in the same transaction counts exactly the SMS that were
sent. Called outside one (autocommit), the count stays whatever happens next: `hit` after a
failed attempt counts failures that raise.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from vssid.db.hot import fetch_all
from vssid.models import RateCounter


@dataclass(frozen=True)
class Rate:
    """At most `limit` events per subject in `window`; `name` keeps budgets apart."""

    name: str
    limit: int
    window: dt.timedelta


class RateLimited(Exception):
    """The budget is spent; `retry_after` is how long until its window is over."""

    def __init__(self, rate: Rate, retry_after: dt.timedelta) -> None:
        super().__init__(f"{rate.name}: more than {rate.limit} per {rate.window}")
        self.rate = rate
        self.retry_after = retry_after

    @property
    def retry_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after.total_seconds() / 60))


def _key(rate: Rate, subject: object) -> str:
    # A keyed digest, not the subject itself: the table holds no phone or ID numbers, and a
    # phone number's plain hash could be found again by trying the billion of them.
    keyed = _keyed_hash(settings.SECRET_KEY).copy()
    keyed.update(f"{rate.name}\0{subject}".encode())
    return f"{rate.name[:70]}:{keyed.hexdigest()[:40]}"


@functools.lru_cache(maxsize=2)
def _keyed_hash(secret: str) -> hmac.HMAC:
    """The HMAC keyed with `secret`, copied for each key: the key's set-up is done once, not on every event."""
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def _refused(rate: Rate, key: str, now: dt.datetime) -> RateLimited | None:
    ends = RateCounter.objects.filter(key=key, window_ends_at__gt=now, count__gte=rate.limit).values_list(
        "window_ends_at", flat=True
    )
    ends_at = ends.first()
    return None if ends_at is None else RateLimited(rate, ends_at - now)


def _upsert(key: str, rate: Rate, now: dt.datetime, *, below_limit: bool) -> int | None:
    """Count one event on `key` in one statement and return the new count.

    INSERT … ON CONFLICT DO UPDATE: a new subject gets a row at 1, a spent window restarts at 1,
    a running one adds 1. With `below_limit`, a running window already at the limit is left alone
    and None comes back. The database locks the row for the statement and re-reads it after
    waiting, so concurrent callers each add exactly one and none gets past the limit. One
    statement instead of an UPDATE, a SELECT, a savepoint and an INSERT: a registration takes
    half a dozen budgets, and these round trips were most of its database time.
    """
    connection = connections[router.db_for_write(RateCounter)]
    ops = connection.ops
    table = ops.quote_name(RateCounter._meta.db_table)
    key_col, count_col, ends_col = (ops.quote_name(name) for name in ("key", "count", "window_ends_at"))
    spent = f"{table}.{ends_col} <= %s"
    now_value = ops.adapt_datetimefield_value(now)
    # Only quoted identifiers of the model are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({key_col}, {count_col}, {ends_col}) VALUES (%s, 1, %s) "  # noqa: S608
        f"ON CONFLICT ({key_col}) DO UPDATE SET "
        f"{count_col} = CASE WHEN {spent} THEN 1 ELSE {table}.{count_col} + 1 END, "
        f"{ends_col} = CASE WHEN {spent} THEN excluded.{ends_col} ELSE {table}.{ends_col} END"
    )
    params: list[Any] = [key, ops.adapt_datetimefield_value(now + rate.window), now_value, now_value]
    if below_limit:
        sql += f" WHERE {spent} OR {table}.{count_col} < %s"
        params += [now_value, rate.limit]
    with connection.cursor() as cursor:
        cursor.execute(sql + f" RETURNING {count_col}", params)
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def check(rate: Rate, subject: object, *, now: dt.datetime | None = None) -> None:
    """Raise RateLimited when the budget is already spent; count nothing."""
    now = now or timezone.now()
    refused = _refused(rate, _key(rate, subject), now)
    if refused is not None:
        raise refused


def check_all(rates: Iterable[Rate], subject: object, *, now: dt.datetime | None = None) -> None:
    for rate in rates:
        check(rate, subject, now=now)


def take(rate: Rate, subject: object, *, now: dt.datetime | None = None) -> int:
    """Count one event if the budget allows it and return the count; raise RateLimited (counting nothing) if not.

    One statement (see _upsert): concurrent callers each add exactly one, and none gets past the limit.
    """
    now = now or timezone.now()
    key = _key(rate, subject)
    if rate.limit < 1:
        raise RateLimited(rate, rate.window)
    count = _upsert(key, rate, now, below_limit=True)
    if count is not None:
        return count
    raise _refused(rate, key, now) or RateLimited(rate, rate.window)


def take_all(rates: Iterable[Rate], subject: object, *, now: dt.datetime | None = None) -> None:
    """`take` on each budget. Inside a transaction a refusal by a later one rolls back the earlier counts;
    outside one, check first (check_all) so a refusal spends as little as possible."""
    for rate in rates:
        take(rate, subject, now=now)


Budget = tuple[Rate, object]
"""A rate and the subject counted against it."""

TAKEN: Final = "ratelimit_taken"
"""The CTE of a Taking's statement holding the counted rows (key, count)."""
OUTCOME: Final = "ratelimit_outcome"
"""The CTE of a Taking's statement to select from: (key, count, refused_until) per budget counted or refused."""
WITHOUT_FLUSH: Final = "(SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL"
"""A condition, always true, that makes the transaction of the statement holding it commit without
waiting for the WAL flush (PostgreSQL; `true`: for this transaction alone).

For a statement that runs in a transaction of its own (autocommit) and writes only what may be
lost in a crash of the database server: counters of budgets, and what the hospital counter's
check records with them. The crash loses the last fraction of a second of such writes, never
corrupts anything, and the statement stops waiting for (and paying the CPU of) a disk flush. Never
for a caller's transaction, whose commit must keep the server's setting.
"""


def where_without_flush(without_flush: bool | None = None, *, using: str = DEFAULT_DB_ALIAS) -> str:
    """`" WHERE <WITHOUT_FLUSH>"` for a statement with no WHERE of its own to end with, or "".

    `without_flush` None: the clause when the statement runs in a transaction of its own (no
    atomic block open on `using`), none inside a caller's; True or False: so or not (for a test,
    which always runs inside its own transaction).
    """
    if without_flush is None:
        without_flush = not connections[using].in_atomic_block
    return f" WHERE {WITHOUT_FLUSH}" if without_flush else ""


@dataclass(frozen=True)
class Taking:
    """`take` on several budgets as common table expressions, for one PostgreSQL statement.

    A caller that writes more with the count (the hospital counter's audit row) puts `ctes` in its
    own WITH, guards its writes with `granted` and selects `key, count, refused_until FROM
    ratelimit_outcome`; `outcome()` reads those rows back. take_each runs it alone.
    """

    ctes: str
    params: list[Any]
    granted: str
    """A SQL condition: every budget allowed the event and counted it."""
    keys: dict[str, Rate]

    alias: str

    def outcome(self, rows: Sequence[Sequence[Any]], now: dt.datetime) -> list[int]:
        """The counts in the order of the budgets; RateLimited for the first refusing budget, nothing counted."""
        counts: dict[str, int] = {}
        refusals: dict[str, RateLimited] = {}
        for key, count, refused_until in rows:
            if refused_until is not None:
                refusals[key] = RateLimited(self.keys[key], refused_until - now)
            else:
                counts[key] = int(count)
        # The refusal names the first spent budget in the caller's order, whatever order the rows came in.
        refusal = next((refusals[key] for key in self.keys if key in refusals), None)
        if refusal is None and len(counts) == len(self.keys):
            return [counts[key] for key in self.keys]
        if counts:
            # A counter created by another taker after this statement's snapshot was spent when the
            # upsert met it: the others were counted. Give their event back, so a refusal counts
            # nothing. (Between the two statements someone else may see those counts one higher.)
            RateCounter.objects.using(self.alias).filter(key__in=list(counts), count__gt=0).update(count=F("count") - 1)
        if refusal is None:
            key = next(key for key in self.keys if key not in counts)
            rate = self.keys[key]
            refusal = _refused(rate, key, now) or RateLimited(rate, rate.window)
        raise refusal


def taking(budgets: Sequence[Budget], *, now: dt.datetime, using: str | None = None) -> Taking:
    """The CTEs that count one event on each budget if every one allows it (PostgreSQL; see take_each).

    The counters already there are locked (in key order, so two takers never wait on each other
    in a cycle) and read at their latest state; if any is spent, nothing is inserted or updated.
    The upsert keeps its own limit condition for a counter created by someone else after the
    statement began (invisible to its snapshot); Taking.outcome gives the others' events back then.
    """
    connection = connections[using or router.db_for_write(RateCounter)]
    keys: dict[str, Rate] = {}
    params: list[Any] = []
    for rate, subject in budgets:
        key = _key(rate, subject)
        if key in keys:
            raise ValueError(f"the same budget twice: {rate.name}")
        keys[key] = rate
    for rate in keys.values():
        if rate.limit < 1:
            raise RateLimited(rate, rate.window)
    for key in sorted(keys):
        rate = keys[key]
        params += [key, rate.limit, now + rate.window]
    params += [now, now, now, now]  # the refusal's and the upsert's three "spent" tests
    ctes, granted = _taking_sql(connection.alias, len(keys))
    return Taking(ctes, params, granted, keys, connection.alias)


@functools.lru_cache(maxsize=16)
def _taking_sql(alias: str, count: int) -> tuple[str, str]:
    """taking()'s CTEs and `granted` condition for `count` budgets: the same text on every call (prepared once)."""
    quote = connections[alias].ops.quote_name
    table = quote(RateCounter._meta.db_table)
    key_col, count_col, ends_col = (quote(name) for name in ("key", "count", "window_ends_at"))
    values = ", ".join(["(%s::varchar, %s::integer, %s::timestamptz)"] * count)
    spent = f"r.{ends_col} <= %s"
    # Only quoted identifiers of the model are formatted in; every value is a parameter.
    ctes = (
        f"ratelimit_asked (key, lim, ends) AS (VALUES {values}), "  # noqa: S608
        f"ratelimit_locked AS (SELECT r.{key_col} AS key, r.{count_col} AS count, r.{ends_col} AS ends FROM {table} r "
        f"WHERE r.{key_col} IN (SELECT key FROM ratelimit_asked) ORDER BY r.{key_col} FOR UPDATE), "
        f"ratelimit_refused AS (SELECT a.key, l.ends FROM ratelimit_asked a JOIN ratelimit_locked l ON l.key = a.key "
        f"WHERE l.ends > %s AND l.count >= a.lim), "
        f"{TAKEN} AS (INSERT INTO {table} AS r ({key_col}, {count_col}, {ends_col}) "
        f"SELECT key, 1, ends FROM ratelimit_asked WHERE NOT EXISTS (SELECT 1 FROM ratelimit_refused) ORDER BY key "
        f"ON CONFLICT ({key_col}) DO UPDATE SET "
        f"{count_col} = CASE WHEN {spent} THEN 1 ELSE r.{count_col} + 1 END, "
        f"{ends_col} = CASE WHEN {spent} THEN excluded.{ends_col} ELSE r.{ends_col} END "
        f"WHERE {spent} OR r.{count_col} < (SELECT a.lim FROM ratelimit_asked a WHERE a.key = excluded.{key_col}) "
        f"RETURNING r.{key_col} AS key, r.{count_col} AS count), "
        f"{OUTCOME} AS (SELECT key, count, NULL::timestamptz AS refused_until FROM {TAKEN} "
        f"UNION ALL SELECT key, NULL, ends FROM ratelimit_refused)"
    )
    return ctes, f"(SELECT count(*) FROM {TAKEN}) = {count}"  # noqa: S608 - a constant name and a count


def take_each(budgets: Sequence[Budget], *, now: dt.datetime | None = None) -> list[int]:
    """`take` on several budgets at once: each counts one event if every one allows it, and the counts
    come back in order; if any is spent, RateLimited (for the first spent, in the given order) and nothing is
    counted — inside a transaction or not.

    On PostgreSQL one statement (taking()) instead of one per budget. Elsewhere `take` on each in a
    transaction of its own (a savepoint inside the caller's), so a refusal undoes the others.
    """
    now = now or timezone.now()
    connection = connections[router.db_for_write(RateCounter)]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=connection.alias):
            return [take(rate, subject, now=now) for rate, subject in budgets]
    plan = taking(budgets, now=now, using=connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {plan.ctes} SELECT key, count, refused_until FROM {OUTCOME}", plan.params)  # noqa: S608
        rows = cursor.fetchall()
    return plan.outcome(rows, now)


def check_budgets(budgets: Sequence[tuple[Rate, object]], *, now: dt.datetime | None = None) -> None:
    """`check` on each (rate, subject) in one SELECT: RateLimited for the first spent one, in the given order."""
    if not budgets:
        return
    now = now or timezone.now()
    keys = [_key(rate, subject) for rate, subject in budgets]
    alias = router.db_for_read(RateCounter)
    ops = connections[alias].ops
    table = ops.quote_name(RateCounter._meta.db_table)
    key_col, count_col, ends_col = (ops.quote_name(name) for name in ("key", "count", "window_ends_at"))
    placeholders = ", ".join(["%s"] * len(keys))
    # Written out rather than built by the ORM, whose compiler cost more than the query.
    sql = (
        f"SELECT {key_col}, {count_col} FROM {table} "  # noqa: S608 - quoted names of the model
        f"WHERE {key_col} IN ({placeholders}) AND {ends_col} > %s"
    )
    running = dict(fetch_all(sql, [*keys, ops.adapt_datetimefield_value(now)], using=alias))
    for (rate, _subject), key in zip(budgets, keys, strict=True):
        if rate.limit < 1 or running.get(key, 0) >= rate.limit:
            raise _refused(rate, key, now) or RateLimited(rate, rate.window)


def hit(rate: Rate, subject: object, *, now: dt.datetime | None = None) -> int:
    """Count one event whatever the budget says (a failed attempt); return the count."""
    count = _upsert(_key(rate, subject), rate, now or timezone.now(), below_limit=False)
    if count is None:  # pragma: no cover - without the limit's condition the upsert always writes
        raise RuntimeError("rate counter upsert returned no row")
    return count


def hit_to_lock(rate: Rate, subject: object, *, now: dt.datetime | None = None) -> int:
    """`hit`, and the failure that spends the budget restarts the window: a lockout of a full `window`
    from the last counted failure, not only what was left of the window of the first. Return the count."""
    now = now or timezone.now()
    count = hit(rate, subject, now=now)
    if count == rate.limit:
        RateCounter.objects.filter(key=_key(rate, subject)).update(window_ends_at=now + rate.window)
    return count


def reset(rate: Rate, subject: object) -> None:
    """Forget the subject's count (after a success that should clear past failures)."""
    RateCounter.objects.filter(key=_key(rate, subject)).delete()


def purge_expired_counters(*, now: dt.datetime | None = None) -> int:
    """Delete the counters whose window is over: they would restart at the next event anyway."""
    deleted, _ = RateCounter.objects.filter(window_ends_at__lte=now or timezone.now()).delete()
    return deleted


@task()
def purge_rate_counters() -> int:
    """Periodic: delete counters whose window is over (PERIODIC_TASKS)."""
    return purge_expired_counters()
