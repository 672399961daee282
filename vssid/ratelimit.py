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
import hashlib
import hmac
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
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
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{rate.name}\0{subject}".encode(), hashlib.sha256).hexdigest()
    return f"{rate.name[:70]}:{digest[:40]}"


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


# ---- several budgets of one request in one statement ----------------------------------------
# A request that takes half a dozen budgets (a registration: its address, its phone, its person)
# paid a statement for each; these take or check them all in one.


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


def take_budgets(budgets: Sequence[tuple[Rate, object]], *, now: dt.datetime | None = None) -> None:
    """`take` on each (rate, subject) in one multi-row upsert: every one counted, or none and RateLimited.

    The statement counts the budgets that allow it and leaves the spent ones alone; when one was
    spent, the counts of the others are undone by rolling back: the statement runs in a
    transaction without a savepoint (its own in autocommit; the caller's otherwise, which the
    refusal then rolls back whole, so raise out of it as every refusal does). The refusal names
    the first spent budget in the given order. Rows are written in key order, so two requests
    sharing budgets lock them in the same order and cannot deadlock. Concurrent callers each add
    exactly one to each budget, and none gets past a limit, as with `take`.
    """
    if not budgets:
        return
    now = now or timezone.now()
    keyed = [(_key(rate, subject), rate) for rate, subject in budgets]
    for _unused, rate in keyed:
        if rate.limit < 1:
            raise RateLimited(rate, rate.window)
    if len({key for key, _rate in keyed}) != len(keyed):
        # One upsert cannot change a row twice (PostgreSQL refuses); nor should a request count twice.
        raise ValueError("the same budget twice in one take_budgets")
    connection = connections[router.db_for_write(RateCounter)]
    ops = connection.ops
    table = ops.quote_name(RateCounter._meta.db_table)
    key_col, count_col, ends_col = (ops.quote_name(name) for name in ("key", "count", "window_ends_at"))
    spent = f"{table}.{ends_col} <= %s"
    now_value = ops.adapt_datetimefield_value(now)
    rows = sorted(keyed, key=lambda pair: pair[0])
    values = ", ".join(["(%s, 1, %s)"] * len(rows))
    limits = " ".join(["WHEN %s THEN %s"] * len(rows))
    # Only quoted identifiers of the model and placeholders are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({key_col}, {count_col}, {ends_col}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({key_col}) DO UPDATE SET "
        f"{count_col} = CASE WHEN {spent} THEN 1 ELSE {table}.{count_col} + 1 END, "
        f"{ends_col} = CASE WHEN {spent} THEN excluded.{ends_col} ELSE {table}.{ends_col} END "
        f"WHERE {spent} OR {table}.{count_col} < CASE {table}.{key_col} {limits} END "
        f"RETURNING {key_col}"
    )
    params: list[Any] = []
    for key, rate in rows:
        params += [key, ops.adapt_datetimefield_value(now + rate.window)]
    params += [now_value, now_value, now_value]
    for key, rate in rows:
        params += [key, rate.limit]
    with transaction.atomic(using=connection.alias, savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            counted = {row[0] for row in cursor.fetchall()}
        for key, rate in keyed:
            if key not in counted:
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
