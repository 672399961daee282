"""Read-only work on streaming replicas (DATABASE_REPLICA_URLS), everything else on the primary.

Which work: GET and HEAD requests to the paths of settings.REPLICA_READ_PATHS (the card, the
participation history, benefits, visits, look-ups, the card check, FHIR reads). Anything else, any
write, and any read inside a transaction stays on the primary (alias "default").

Read-your-writes: a request that wrote (an unsafe method answered below 400, or any ORM write)
pins its client to the primary for REPLICA_PIN_SECONDS: by a signed cookie (browsers, and API
clients that keep cookies) and, inside this process, by its bearer token. A token that is not on
the replica yet (just issued at login) is looked up again on the primary (vssid.db.hot callers).

Health: each process checks each replica at most every REPLICA_CHECK_INTERVAL_S (one query: in
recovery, and how far behind); one that is down or lags more than REPLICA_MAX_LAG_S is skipped
until a later check finds it well. A read that fails because a replica went away in between is
run once more on the primary (ReplicaMiddleware), so a stopped replica costs no answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

PIN_COOKIE = "vssid_primary"
_PIN_SALT = "vssid.dbrouter.pin"
# Models whose reads must see the latest write: sessions, queued tasks, rate counters, the audit
# trail, and Django's own bookkeeping.
PRIMARY_ONLY_APPS = frozenset({"sessions", "django_tasks_db", "vssid", "audit", "contenttypes", "admin"})

_LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() IS NULL"
    " OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


class _Request(threading.local):
    replica_ok = False  # this request may read from a replica
    wrote = False  # this request wrote to the primary
    used: set[str]  # the replicas this request read from

    def __init__(self) -> None:
        self.used = set()


_request = _Request()
_health: dict[str, tuple[float, bool]] = {}  # alias: (checked at, usable)
_pins: dict[str, float] = {}  # bearer-token key: pinned until (this process)


def replica_aliases() -> list[str]:
    return [alias for alias in connections.settings if alias.startswith("replica")]


def read_alias() -> str:
    """Where the current read goes: a usable replica when the request may use one, else the primary."""
    if not _request.replica_ok or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    usable = [alias for alias in replica_aliases() if _usable(alias)]
    if not usable:
        return DEFAULT_DB_ALIAS
    alias = random.choice(usable)
    _request.used.add(alias)
    return alias


def _usable(alias: str) -> bool:
    now = time.monotonic()
    checked = _health.get(alias)
    if checked is not None and now - checked[0] < settings.REPLICA_CHECK_INTERVAL_S:
        return checked[1]
    ok = False
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(_LAG_SQL)
            in_recovery, lag = cursor.fetchone()
        ok = bool(in_recovery) and float(lag) <= settings.REPLICA_MAX_LAG_S
        if not ok:
            logger.warning("replica %s skipped: %s", alias, f"{float(lag):.1f} s behind" if in_recovery else "not in recovery")
    except (OperationalError, InterfaceError):
        logger.warning("replica %s skipped: unreachable", alias)
        connections[alias].close()
    _health[alias] = (now, ok)
    return ok


def mark_down(alias: str) -> None:
    _health[alias] = (time.monotonic(), False)
    with contextlib.suppress(OperationalError, InterfaceError):
        connections[alias].close()


def note_write() -> None:
    """Called for raw-SQL writes the router does not see; ORM writes are noted by the router."""
    _request.wrote = True


class ReplicaRouter:
    """Django database router: reads to read_alias(), writes and migrations to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        return read_alias()

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        _request.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replicas hold the same data

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def _token_key(request: HttpRequest) -> str:
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    return hashlib.sha256(auth.encode()).hexdigest()[:32] if auth else ""


class ReplicaMiddleware:
    """Opens and closes the router's per-request state; pins writers; retries a read a replica lost."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = bool(replica_aliases())
        self.paths = tuple(settings.REPLICA_READ_PATHS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled:
            return self.get_response(request)
        _request.wrote, _request.used = False, set()
        _request.replica_ok = (
            request.method in ("GET", "HEAD") and request.path_info.startswith(self.paths) and not self._pinned(request)
        )
        try:
            response = self.get_response(request)
        finally:
            _request.replica_ok = False
        wrote = _request.wrote or (request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400)
        if wrote:
            self._pin(request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A replica that went away between two health checks: mark it, and answer from the primary.
        if not isinstance(exception, OperationalError | InterfaceError) or not _request.used:
            return None
        for alias in _request.used:
            logger.warning("replica %s failed during a read; answered from the primary", alias)
            mark_down(alias)
        _request.used = set()
        _request.replica_ok = False
        return self.get_response(request)

    def _pinned(self, request: HttpRequest) -> bool:
        key = _token_key(request)
        if key and _pins.get(key, 0) > time.monotonic():
            return True
        cookie = request.COOKIES.get(PIN_COOKIE)
        if not cookie:
            return False
        try:
            signing.TimestampSigner(salt=_PIN_SALT).unsign(cookie, max_age=settings.REPLICA_PIN_SECONDS)
        except signing.BadSignature:
            return False
        return True

    def _pin(self, request: HttpRequest, response: HttpResponse) -> None:
        seconds = settings.REPLICA_PIN_SECONDS
        key = _token_key(request)
        now = time.monotonic()
        if key:
            _pins[key] = now + seconds
            if len(_pins) > 10_000:  # forget the expired ones now and then
                for old in [k for k, until in _pins.items() if until <= now]:
                    del _pins[old]
        response.set_cookie(
            PIN_COOKIE,
            signing.TimestampSigner(salt=_PIN_SALT).sign("1"),
            max_age=seconds,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
