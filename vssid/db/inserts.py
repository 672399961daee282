"""Several new rows inserted by one PostgreSQL statement, as common table expressions.

A submission writes six rows in six tables (the registration, its OTP, the SMS, two tasks, the
audit row); through the ORM each is a statement compiled in Python and a round trip, which was
most of the submission's CPU. Here each row is `name AS (INSERT … SELECT <its values> FROM
<an earlier row> RETURNING id)`, so a row can take an id the statement has just generated (a
task's argument) and is inserted only if the row it follows was.

The values are the model's own (`get_db_prep_save` after `pre_save`, as the ORM's insert takes
them), each a parameter cast to its column's type; string columns are cast without their
length, so a value too long fails as it does through the ORM instead of being cut. The SQL text
depends only on the shape, so it is built once and prepared by the server once per connection
(as vssid.db.hot does). Run it with vssid.db.hot.fetch_all(…, numbered=True): psycopg caches its
own `%s` → `$n` rewriting only for statements under 4 kB and 50 parameters, and redoing it for a
submission's cost as much as building all the values.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.db.models import Field, Model


@dataclass(frozen=True)
class Row:
    """One row of the statement: the CTE `name` inserts `instance` (its primary key left to the database).

    `after`: the CTE of an earlier row, inserted only when that one was (its columns, `id` among
    them, can be used in `sql`). `where`: a condition of its own. `sql`: column (attname) → a SQL
    expression replacing the instance's value.
    """

    name: str
    instance: Model
    after: str = ""
    where: str = ""
    sql: Mapping[str, str] = field(default_factory=dict)


def _cast(f: Field[Any, Any]) -> str:
    cast: str = f.cast_db_type(connection)  # type: ignore[attr-defined]
    # An explicit cast to varchar(n) cuts longer text; a cast to varchar, assigned to the column, refuses it.
    return "varchar" if cast.startswith("varchar(") else cast


@functools.lru_cache(maxsize=32)
def _row_sql(model: type[Model], name: str, after: str, where: str, sql: tuple[tuple[str, str], ...]) -> tuple[list[Any], str]:
    ops = connection.ops
    meta = model._meta
    expressions = dict(sql)
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    values = ", ".join(expressions.get(f.attname) or f"%s::{_cast(f)}" for f in fields)
    text = f"{name} AS (INSERT INTO {ops.quote_name(meta.db_table)} ({columns}) SELECT {values}"
    if after:
        text += f" FROM {after}"
    if where:
        text += f" WHERE {where}"
    if meta.auto_field is not None:
        text += f" RETURNING {ops.quote_name(meta.auto_field.column)} AS id"
    return [f for f in fields if f.attname not in expressions], text + ")"


# Fields whose value, of exactly this Python type, the ORM hands to the database unchanged: their
# get_db_prep_save (a few layers of calls each, for the seventy values of a submission) is skipped.
_PLAIN: dict[type[Field[Any, Any]], type] = {
    models.CharField: str,
    models.TextField: str,
    models.EmailField: str,
    # Not the 2- and 4-byte integers: the PostgreSQL backend binds those as psycopg's Int2/Int4.
    models.BigIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
    models.BooleanField: bool,
    models.DateField: dt.date,
    models.DateTimeField: dt.datetime,  # aware ones only, checked in _value
}


def _plain_type(f: Field[Any, Any]) -> type | None:
    """The type of value `f` passes unchanged (None: always through get_db_prep_save)."""
    if isinstance(f, models.ForeignKey):
        return _plain_type(f.target_field)
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return None  # its pre_save sets the value
    return _PLAIN.get(type(f))


@functools.lru_cache(maxsize=64)
def _preparers(model: type[Model], names: tuple[str, ...]) -> list[tuple[Field[Any, Any], str, type | None]]:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return [(fields[name], name, _plain_type(fields[name])) for name in names]


def _value(f: Field[Any, Any], attname: str, plain: type | None, instance: Model) -> Any:
    value: Any = getattr(instance, attname)
    if plain is None or (value is not None and type(value) is not plain):
        return f.get_db_prep_save(f.pre_save(instance, True), connection)
    if plain is dt.datetime and getattr(value, "tzinfo", None) is None:
        return f.get_db_prep_save(f.pre_save(instance, True), connection)  # naive: the ORM warns and makes it aware
    return value


def ctes(rows: Sequence[Row]) -> tuple[str, list[Any]]:
    """The CTEs inserting `rows` (comma-separated, for a WITH) and their parameters."""
    parts, params = [], []
    for row in rows:
        model = type(row.instance)
        fields, text = _row_sql(model, row.name, row.after, row.where, tuple(sorted(row.sql.items())))
        parts.append(text)
        preparers = _preparers(model, tuple(f.attname for f in fields))
        params += [_value(f, attname, plain, row.instance) for f, attname, plain in preparers]
    return ", ".join(parts), params
