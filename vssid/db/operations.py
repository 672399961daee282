"""Migration operations that only apply on PostgreSQL (the embedded SQLite default skips them)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def postgres_sql(forward: str, backward: str) -> migrations.RunPython:
    def run(sql: str) -> Any:
        def apply(apps: Any, schema_editor: Any) -> None:
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(forward), run(backward))


def trigram_index(table: str, column: str = "search_name") -> migrations.RunPython:
    """A GIN trigram index so `column LIKE '%…%'` on folded names uses an index, not a scan."""
    name = f"{table}_{column}_trgm"
    return postgres_sql(
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)",
        f"DROP INDEX IF EXISTS {name}",
    )
