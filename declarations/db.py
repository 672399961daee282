"""Writing many new rows at once: COPY on PostgreSQL, bulk_create elsewhere.

A 100,000-row dossier writes some 600,000 rows (people, periods in four schemes, charges, audit
rows). Django's bulk_create compiles an INSERT of thousands of placeholders per batch, which took
most of the processing time; COPY hands psycopg the values directly. The objects get no primary
keys back; callers that need them read them by a natural key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import AutoField, BigAutoField, JSONField, Model
from psycopg.types.json import Jsonb


def insert(model: type[Model], objects: Sequence[Any]) -> None:
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=5000)
        return
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField | BigAutoField)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    # Plain attribute values: psycopg adapts dates, numbers, text and None itself; only JSON needs a
    # wrapper. (get_db_prep_save per field and row cost more than the COPY.)
    names = [f.attname for f in fields]
    json_at = [i for i, f in enumerate(fields) if isinstance(f, JSONField)]
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for obj in objects:
            values = [getattr(obj, name) for name in names]
            for i in json_at:
                values[i] = Jsonb(values[i])
            copy.write_row(values)
