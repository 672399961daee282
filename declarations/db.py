"""Writing many new rows at once: COPY on PostgreSQL, bulk_create elsewhere.

A 100,000-row dossier writes some 600,000 rows (people, periods in four schemes, charges, audit
rows). Django's bulk_create compiles an INSERT of thousands of placeholders per batch, which took
most of the processing time; COPY hands psycopg the values directly. The objects get no primary
keys back; callers that need them read them by a natural key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import AutoField, BigAutoField, JSONField, Model
from psycopg.types.json import Jsonb


def copy_rows(model: type[Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert plain tuples of `names` (attnames), the other columns at their defaults; COPY on PostgreSQL.

    Values go as they are: psycopg adapts dates, numbers, text and None itself, and a JSON value must
    come wrapped (Jsonb). (get_db_prep_save per field and row cost more than the COPY.)
    """
    rows = list(rows)
    if not rows:
        return 0
    given = set(names)
    rest = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in given]
    defaults = tuple(f.get_default() for f in rest)
    if connection.vendor != "postgresql":
        attnames = [*names, *(f.attname for f in rest)]
        model._default_manager.bulk_create(
            [model(**dict(zip(attnames, (*row, *defaults), strict=True))) for row in rows], batch_size=2000
        )
        return len(rows)
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(column_of[n]) for n in names)
    columns += "".join(", " + connection.ops.quote_name(f.column) for f in rest)
    table = connection.ops.quote_name(model._meta.db_table)
    defaults = tuple(Jsonb(d) if isinstance(d, dict | list) else d for d in defaults)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row((*row, *defaults) if defaults else row)
    return len(rows)


def insert(model: type[Model], objects: Sequence[Any]) -> None:
    """Insert unsaved model instances (every column but the automatic key) with copy_rows."""
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField | BigAutoField)]
    names = [f.attname for f in fields]
    # Only COPY needs JSON wrapped; bulk_create elsewhere takes the plain value.
    json_at = {i for i, f in enumerate(fields) if isinstance(f, JSONField)} if connection.vendor == "postgresql" else set()
    copy_rows(
        model,
        names,
        (tuple(Jsonb(getattr(o, n)) if i in json_at else getattr(o, n) for i, n in enumerate(names)) for o in objects),
    )
