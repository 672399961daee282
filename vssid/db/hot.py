"""Fixed queries on the hottest paths of the API, run as server-side prepared statements.

Every API call authenticates its bearer token and the card is what a citizen opens most (and
what a hospital counter reads), so both are written once as SQL. On PostgreSQL they go through a
server-binding psycopg cursor, which psycopg prepares on first use (OPTIONS `prepare_threshold`
0, see settings): the statement is parsed and planned once per connection instead of on every
request, where planning a five-table join cost more than running it. The ORM keeps Django's
default client-side binding cursors, which psycopg never prepares, so nothing else changes.

The cursor is wrapped the way Django wraps its own, so the queries still show up in
`connection.queries` and in query-count assertions. SQLite (the embedded default) and a
PostgreSQL connection with prepared statements switched off (`DB_PREPARED_STATEMENTS=0`, for a
transaction-mode pooler) run the same SQL through Django's ordinary cursor.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, TypeVar

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Field

M = TypeVar("M", bound=models.Model)


def _prepares(conn: Any) -> bool:
    return conn.vendor == "postgresql" and conn.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is not None


def fetch_one(sql: str, params: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> tuple[Any, ...] | None:
    """The first row of a fixed query (%s placeholders), prepared where the database allows.

    `using`: the database alias (a replica for read-only work, vssid.dbrouter.read_alias()).
    """
    rows = _run(sql, params, using, many=False)
    return rows[0] if rows else None


def fetch_one_for_read(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """fetch_one on a replica when the request may read from one (vssid.dbrouter), else the primary.

    A row missing on the replica is asked of the primary: it may have just been written (a token
    issued at login), and a replica that is a few seconds behind must not turn it away.
    """
    from vssid.dbrouter import read_alias

    alias = read_alias()
    row = fetch_one(sql, params, using=alias)
    if row is None and alias != DEFAULT_DB_ALIAS:
        row = fetch_one(sql, params)
    return row


def fetch_all(sql: str, params: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS, numbered: bool = False) -> list[tuple[Any, ...]]:
    """Every row of a fixed query (%s placeholders), prepared where the database allows.

    `numbered`: hand the statement to psycopg with its placeholders already numbered ($1, $2 …),
    for a long one (vssid.db.inserts): psycopg caches its own rewriting only for statements under
    4 kB and 50 parameters. No other `%` may stand in such a statement.
    """
    return _run(sql, params, using, many=True, numbered=numbered)


@functools.lru_cache(maxsize=16)
def _numbered(sql: str) -> str:
    """`sql` with its `%s` placeholders as `$1`, `$2` … (no other `%` is allowed in it)."""
    parts = sql.split("%s")
    if any("%" in part for part in parts):
        raise ValueError("only %s placeholders, and no other %, in a numbered statement")
    return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], start=1)) + parts[-1]


def _run(sql: str, params: Sequence[Any], using: str, *, many: bool, numbered: bool = False) -> list[tuple[Any, ...]]:
    conn = connections[using]

    def fetch(cursor: Any) -> list[tuple[Any, ...]]:
        if many:
            return list(cursor.fetchall())
        row = cursor.fetchone()
        return [row] if row is not None else []

    if not _prepares(conn):
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return fetch(cursor)

    conn.ensure_connection()
    # Server-side binding: preparable. A raw cursor takes the placeholders numbered already.
    raw: Any = psycopg.RawCursor(conn.connection) if numbered else psycopg.Cursor(conn.connection)
    query = _numbered(sql) if numbered else sql
    if conn.queries_logged or conn.execute_wrappers:
        # Logged and wrapped like any other query (query counts in tests, debug tools).
        with conn.make_debug_cursor(raw) if conn.queries_logged else conn.make_cursor(raw) as cursor:
            cursor.execute(query, params)
            rows = fetch(cursor)
        log = conn.queries_log
        if conn.queries_logged and log and log[-1]["sql"] is None:
            # Django reads the SQL back from a client-side cursor only; log it as it would have.
            ops: Any = conn.ops  # the PostgreSQL backend's operations
            log[-1]["sql"] = ops.compose_sql(sql, params)
        return rows
    # The same checks and error translation as Django's cursor wrapper, without its layers.
    conn.validate_no_broken_transaction()
    with conn.wrap_database_errors, raw:
        raw.execute(query, params)
        return fetch(raw)


def _converters(conn: Any, model: type[models.Model], fields: Sequence[Field[Any, Any]]) -> list[tuple[Any, list[Any]]]:
    key = (conn.vendor, model, tuple(field.attname for field in fields))
    found = _CONVERTERS.get(key)
    if found is None:
        found = []
        for field in fields:
            col = field.get_col(model._meta.db_table)
            found.append((col, conn.ops.get_db_converters(col) + col.get_db_converters(conn)))
        _CONVERTERS[key] = found
    return found


_CONVERTERS: dict[tuple[str, type[models.Model], tuple[str, ...]], list[tuple[Any, list[Any]]]] = {}


def instance_from_row(
    model: type[M], fields: Sequence[Field[Any, Any]], row: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS
) -> M:
    """A model instance from raw column values, converted as the ORM converts them.

    `fields` in the model's order (its concrete fields); the others are deferred (loaded on access),
    as with `.only()`. Converters matter on
    SQLite, which hands back naive datetimes and integers for booleans.
    """
    conn = connections[using]
    values = []
    for (col, converters), value in zip(_converters(conn, model, fields), row, strict=True):
        for converter in converters:
            value = converter(value, col, conn)
        values.append(value)
    return model.from_db(using, [field.attname for field in fields], values)
