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

from collections.abc import Sequence
from typing import Any, TypeVar

import psycopg
from django.db import connection, models
from django.db.models import Field

M = TypeVar("M", bound=models.Model)


def _prepares() -> bool:
    return connection.vendor == "postgresql" and connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is not None


def fetch_one(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of a fixed query (%s placeholders), prepared where the database allows."""
    row: tuple[Any, ...] | None
    if not _prepares():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return row

    connection.ensure_connection()
    raw: Any = psycopg.Cursor(connection.connection)  # server-side binding: preparable
    if connection.queries_logged or connection.execute_wrappers:
        # Logged and wrapped like any other query (query counts in tests, debug tools).
        with connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw) as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        log = connection.queries_log
        if connection.queries_logged and log and log[-1]["sql"] is None:
            # Django reads the SQL back from a client-side cursor only; log it as it would have.
            ops: Any = connection.ops  # the PostgreSQL backend's operations
            log[-1]["sql"] = ops.compose_sql(sql, params)
        return row
    # The same checks and error translation as Django's cursor wrapper, without its layers.
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors, raw:
        raw.execute(sql, params)
        row = raw.fetchone()
    return row


def _converters(model: type[models.Model], fields: Sequence[Field[Any, Any]]) -> list[tuple[Any, list[Any]]]:
    key = (connection.vendor, model, tuple(field.attname for field in fields))
    found = _CONVERTERS.get(key)
    if found is None:
        found = []
        for field in fields:
            col = field.get_col(model._meta.db_table)
            found.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
        _CONVERTERS[key] = found
    return found


_CONVERTERS: dict[tuple[str, type[models.Model], tuple[str, ...]], list[tuple[Any, list[Any]]]] = {}


def instance_from_row(model: type[M], fields: Sequence[Field[Any, Any]], row: Sequence[Any]) -> M:
    """A model instance from raw column values, converted as the ORM converts them.

    The other fields are deferred (loaded on access), as with `.only()`. Converters matter on
    SQLite, which hands back naive datetimes and integers for booleans.
    """
    values = []
    for (col, converters), value in zip(_converters(model, fields), row, strict=True):
        for converter in converters:
            value = converter(value, col, connection)
        values.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], values)
