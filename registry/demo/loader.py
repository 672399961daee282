"""Writing the demo register: COPY on PostgreSQL (in parallel chunks), executemany elsewhere.

The demo logins hang off the register but belong to accounts: accounts.demo.seed_demo writes them
through `seed_register`'s `also_clear` and `finish`, in the same transactions as the register.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult, Pool
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import DatabaseError, IntegrityError, connection, connections, models, transaction
from psycopg import pq
from psycopg._copy_base import format_row_binary  # the C row encoder behind Copy.write_row
from psycopg.abc import Transformer as AdaptContext
from psycopg.adapt import Transformer

from places.models import HealthFacility, Office, Province, Ward
from places.services import load_reference_data
from registry.demo import fixed
from registry.demo.generator import (
    Context,
    EmployerRow,
    Rows,
    chunk_count,
    generate_chunk,
    generate_employers,
    max_people,
)
from registry.models import BenefitPayment, HealthCard, MedicalVisit, ParticipationPeriod, Person
from vssid.text import fold

PERSON_COLUMNS = (
    "id",
    "ssn",
    "cccd",
    "full_name",
    "search_name",
    "birth_year",
    "birth_month",
    "birth_day",
    "sex",
    "street",
    "ward_id",
    "province_id",
    "phone",
    "email",
    "died_on",
)
PERIOD_COLUMNS = (
    "person_id",
    "scheme",
    "from_month",
    "to_month",
    "employer_id",
    "position",
    "salary_basis",
    "currency",
    "voluntary",
    "participant_group",
    "late_months",
)
CARD_COLUMNS = (
    "person_id",
    "number",
    "participant_group",
    "level",
    "province_id",
    "live_area",
    "initial_facility_id",
    "valid_from",
    "valid_to",
    "five_year_date",
    "issue_date",
    "status",
)
BENEFIT_COLUMNS = (
    "person_id",
    "tab",
    "kind",
    "decision_number",
    "decision_date",
    "from_date",
    "to_date",
    "amount",
    "employer_id",
    "bank_name",
    "bank_account_last4",
)
VISIT_COLUMNS = (
    "person_id",
    "facility_id",
    "admitted_at",
    "discharged_at",
    "inpatient",
    "icd_code",
    "diagnosis",
    "total_cost",
    "insurance_paid",
    "patient_paid",
)
EMPLOYER_COLUMNS = ("code", "name", "search_name", "participant_group", "address", "province_id", "ward_id", "office_id", "phone")
TABLES = (
    ("registry_person", PERSON_COLUMNS, "people"),
    ("registry_participationperiod", PERIOD_COLUMNS, "periods"),
    ("registry_healthcard", CARD_COLUMNS, "cards"),
    ("registry_benefitpayment", BENEFIT_COLUMNS, "benefits"),
    ("registry_medicalvisit", VISIT_COLUMNS, "visits"),
)
MAX_PEOPLE = 10_000_000  # CCCDs stay unique up to here (generator.max_people: 28 former provinces)


@dataclass
class SeedReport:
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step of the load

    @contextmanager
    def phase(self, name: str, progress: Callable[[str], None]) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.phases[name] = self.phases.get(name, 0.0) + time.monotonic() - started
        progress(f"{name}: {self.phases[name]:.1f} s")


def is_seeded() -> bool:
    """Whether the register holds a complete seed (the fixed people are written last)."""
    return Person.objects.filter(pk=fixed.AN["id"], ssn=fixed.AN["ssn"]).exists()


def _write(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]], *, freeze: bool = False) -> None:
    rows = list(rows)
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg adapts dates, booleans and None in C; far faster than INSERT statements.
            with cursor.cursor.copy(_copy_sql(table, columns, freeze)) as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        else:
            adapt = _sqlite_value
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608 - fixed names
                [tuple(adapt(v) for v in row) for row in rows],
            )


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _copy_sql(table: str, columns: Sequence[str], freeze: bool) -> str:
    # FREEZE (only allowed into a table truncated in the same transaction) writes rows already
    # frozen and marks their pages all-visible: no later pass rewrites every page to set hint
    # bits, and the closing VACUUM has next to nothing to do.
    return f"COPY {table} ({', '.join(columns)}) FROM STDIN" + (" (FREEZE)" if freeze else "")


def _write_rows(rows: Rows, *, freeze: bool = False) -> dict[str, int]:
    counts = {}
    for table, columns, attr in TABLES:
        data = getattr(rows, attr)
        _write(table, columns, data, freeze=freeze)
        counts[attr] = len(data)
    return counts


def _clear(also: Sequence[str]) -> None:
    named = [
        "registry_medicalvisit",
        "registry_benefitpayment",
        "registry_healthcard",
        "registry_participationperiod",
        *also,
        "registry_person",
        "registry_employer",
    ]
    tables = _with_dependents(named)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - the models' table names


def _with_dependents(tables: Sequence[str]) -> list[str]:
    """`tables` and every table whose model refers to one of them, directly or not: those first.

    What hangs off people and logins (tokens, registrations, credentials, the audit trail…) goes
    with them. On PostgreSQL TRUNCATE … CASCADE follows the constraints, but not a reference kept
    without one (audit.models); SQLite has no cascade at all, and refused to load again once
    anything pointed at the people it replaces.
    """
    referring: dict[str, set[str]] = {}
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is not None and not isinstance(f.related_model, str):
                referring.setdefault(f.related_model._meta.db_table, set()).add(model._meta.db_table)
    order: list[str] = []
    seen: set[str] = set()

    def visit(table: str) -> None:
        if table in seen:
            return
        seen.add(table)
        for other in sorted(referring.get(table, ())):
            visit(other)
        order.append(table)

    for table in tables:
        visit(table)
    return order


def _fast_bulk_session() -> None:
    """Settings for one loading transaction on PostgreSQL.

    Demo data can be regenerated, so no chunk waits for its WAL flush. Foreign keys are checked
    once, set-based, by `_verify_foreign_keys` after the load instead of by a trigger per row at
    each COMMIT (that needs a superuser; without one the triggers simply stay on).
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO off")
    _replica_role()


def _replica_role() -> None:
    """Foreign-key triggers off for this transaction when the role may do so (a superuser)."""
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role TO replica")
        except DatabaseError:
            pass


def _verify_foreign_keys() -> None:
    """Every reference of the loaded tables resolves; one anti-join per foreign key."""
    tables = [table for table, _, _ in TABLES] + ["registry_employer"]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, af.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
            """,
            [tables],
        )
        for child, column, parent, key in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL"  # noqa: S608 - names from the catalogue
                f" AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{key} = c.{column})"
            )
            missing = cursor.fetchone()[0]
            if missing:
                raise IntegrityError(f"{missing} rows of {child}.{column} point to no {parent}")


def build_context(people: int, seed: int, as_of: dt.date) -> Context:
    current = set(Province.objects.current().values_list("code", flat=True))
    initial: dict[str, list[str]] = {}
    other: dict[str, list[str]] = {}
    primary: set[str] = set()
    levels: dict[str, str] = {}
    for code, province, accepts, level in HealthFacility.objects.order_by("code").values_list(
        "code", "province_id", "accepts_initial_registration", "level"
    ):
        (initial if accepts else other).setdefault(province, []).append(code)
        levels[code] = level
        if level == HealthFacility.Level.BAN_DAU:
            primary.add(code)
    wards: dict[str, list[str]] = {}
    for code, province in Ward.objects.current().order_by("code").values_list("code", "province_id"):
        wards.setdefault(province, []).append(code)
    provinces = sorted(p for p in initial if p in current)
    if "01" not in initial:
        raise RuntimeError("no health facility in Hà Nội takes initial registration; load places/data first")
    # "02" (Hà Giang) is kept for the one first-block CCCD that would be a fixed person's.
    former = sorted(
        code for code in Province.objects.filter(valid_to__isnull=False).values_list("code", flat=True) if code != "02"
    )
    if people > max_people(len(former)):
        raise ValueError(f"the reference data keep CCCDs unique for at most {max_people(len(former)):,} people")
    ctx = Context(
        seed=seed,
        people=people,
        as_of=as_of,
        wards=wards,
        provinces=provinces,
        initial_facilities=initial,
        other_facilities=other,
        primary_facilities=primary,
        facility_levels=levels,
        former_provinces=former,
    )
    offices_by_ward = dict(Ward.objects.filter(office__isnull=False).values_list("code", "office_id"))
    provincial_office = {
        o.province_id: o.code for o in Office.objects.current().filter(kind=Office.Kind.PROVINCIAL).order_by("code")
    }
    ctx.employers.append(fixed.demo_employer_row(offices_by_ward))
    ctx.employer_weights.append(3.0)
    generate_employers(ctx, offices_by_ward, provincial_office)
    return ctx


def _employer_rows(employers: Sequence[EmployerRow]) -> list[tuple[object, ...]]:
    return [(e.code, e.name, fold(e.name), e.group, e.address, e.province, e.ward, e.office, e.phone) for e in employers]


# The context is handed to forked workers through this global rather than pickled per task.
_CTX: Context | None = None


# Binary COPY: a third of the encoding time of text and less parsing on the server (no dates
# or numbers to read back from text). Each COPY is framed by this header and trailer.
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_BINARY_TRAILER = b"\xff\xff"
_COLUMN_TYPES: list[list[int]] = []  # per table of TABLES, the type oids of its COPY columns
_TRANSFORMERS: list[AdaptContext] = []


def _column_types() -> list[list[int]]:
    with connection.cursor() as cursor:
        types = []
        for table, columns, _ in TABLES:
            cursor.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0", [table])
            oids = dict(cursor.fetchall())
            types.append([oids[column] for column in columns])
        return types


def _encode_chunk(chunk: int) -> tuple[dict[str, int], list[bytes]]:
    """One chunk's rows in COPY binary format, one block per table: encoded in the worker, so the
    process that holds the loading transaction only streams bytes."""
    if _CTX is None:
        raise RuntimeError("worker started without a context")
    if not _TRANSFORMERS:
        for oids in _COLUMN_TYPES:
            transformer = Transformer()
            transformer.set_dumper_types(oids, pq.Format.BINARY)
            _TRANSFORMERS.append(transformer)
    rows = generate_chunk(_CTX, chunk)
    counts: dict[str, int] = {}
    blocks: list[bytes] = []
    for (_table, _columns, attr), transformer in zip(TABLES, _TRANSFORMERS, strict=True):
        data = getattr(rows, attr)
        out = bytearray()
        for row in data:
            format_row_binary(row, transformer, out)
        counts[attr] = len(data)
        blocks.append(bytes(out))
    return counts, blocks


def _in_order(pool: Pool | None, chunks: Sequence[int], window: int) -> Iterator[tuple[dict[str, int], list[bytes]]]:
    """The chunks' blocks in chunk order, at most `window` generated ahead: memory stays bounded
    however many people are seeded, and rows reach the tables in id order."""
    if pool is None:
        for chunk in chunks:
            yield _encode_chunk(chunk)
        return
    pending: deque[AsyncResult[tuple[dict[str, int], list[bytes]]]] = deque()
    upcoming = iter(chunks)
    for chunk in upcoming:
        pending.append(pool.apply_async(_encode_chunk, (chunk,)))
        if len(pending) >= window:
            break
    while pending:
        result = pending.popleft().get()
        for chunk in upcoming:
            pending.append(pool.apply_async(_encode_chunk, (chunk,)))
            break
        yield result


def _secondary_indexes() -> list[tuple[str, str]]:
    """(drop, create) statements of every index of the loaded tables but their primary keys."""
    tables = [table for table, _, _ in TABLES] + ["registry_employer"]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, i.indrelid::regclass::text, pg_get_indexdef(i.indexrelid),
                   c.conname, pg_get_constraintdef(c.oid)
            FROM pg_index i
            LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
            WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary
            ORDER BY 2, 1
            """,
            [tables],
        )
        statements = []
        for index, table, index_sql, constraint, constraint_sql in cursor.fetchall():
            if constraint:
                drop = f"ALTER TABLE {table} DROP CONSTRAINT {constraint}"
                statements.append((drop, f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {constraint_sql}"))
            else:
                statements.append((f"DROP INDEX {index}", index_sql))
        return statements


def _bulk_load(
    ctx: Context,
    *,
    workers: int,
    report: SeedReport,
    progress: Callable[[str], None],
    also_clear: Sequence[str],
    finish: Callable[[], None],
) -> dict[str, int]:
    """The whole register in one PostgreSQL transaction: empty the tables, drop their secondary
    indexes, COPY FREEZE every chunk in id order while workers generate the next ones, then
    rebuild the indexes (one sort each, not one random B-tree insert per row) and check the
    foreign keys set-based. A failure anywhere leaves the previous register as it was."""
    global _CTX, _COLUMN_TYPES
    chunks = list(range(chunk_count(ctx.people)))
    totals: dict[str, int] = {}
    _CTX = ctx
    _COLUMN_TYPES = _column_types()
    _TRANSFORMERS.clear()
    connections.close_all()  # the workers fork without the parent's connection
    pool = multiprocessing.get_context("fork").Pool(workers) if workers > 1 else None
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO off")
                # For the index builds: a sort that fits in memory instead of spilling to disk.
                cursor.execute("SET LOCAL maintenance_work_mem TO '1GB'")
            _replica_role()
            with report.phase("clear", progress):
                _clear(also_clear)
                indexes = _secondary_indexes()
                with connection.cursor() as cursor:
                    for drop, _create in indexes:
                        cursor.execute(drop)
                _write("registry_employer", EMPLOYER_COLUMNS, _employer_rows(ctx.employers), freeze=True)
            with report.phase("copy", progress), connection.cursor() as cursor:
                raw = cursor.cursor  # type: ignore[attr-defined]
                for done, (counts, blocks) in enumerate(_in_order(pool, chunks, workers + 2), 1):
                    for (table, columns, _attr), block in zip(TABLES, blocks, strict=True):
                        if block:
                            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY, FREEZE)"
                            with raw.copy(sql) as copy:
                                copy.write(_BINARY_HEADER)
                                copy.write(block)
                                copy.write(_BINARY_TRAILER)
                    _add(totals, counts)
                    if done % 10 == 0 or done == len(chunks):
                        progress(f"chunk {done}/{len(chunks)}: {totals.get('people', 0):,} people")
            if pool is not None:
                pool.close()
            # The fixed people go in last: their presence marks a complete seed (see is_seeded).
            with report.phase("fixed people", progress):
                _add(totals, _write_rows(fixed.rows(ctx), freeze=True))
                reset_sequences([Person, ParticipationPeriod, HealthCard, BenefitPayment, MedicalVisit])
                finish()
            with report.phase("foreign keys", progress):
                _verify_foreign_keys()
            with report.phase("indexes", progress), connection.cursor() as cursor:
                for _drop, create in indexes:
                    cursor.execute(create)
    finally:
        _CTX = None
        if pool is not None:
            pool.terminate()
            pool.join()
    return totals


def seed_register(
    *,
    people: int,
    seed: int,
    as_of: dt.date,
    workers: int | None = None,
    progress: Callable[[str], None] = lambda _: None,
    also_clear: Sequence[str] = (),
    finish: Callable[[], None] = lambda: None,
) -> SeedReport:
    """Replace the register with `people` generated people, their employers and the fixed people.

    `also_clear` names tables of the apps above that hang off the register (the demo logins):
    they are emptied with it, before the people they point to. `finish` runs last, in the
    transaction that writes the fixed people, so what it writes is part of a complete seed.
    """
    if not 0 <= people <= MAX_PEOPLE:
        raise ValueError(f"--people must be between 0 and {MAX_PEOPLE:,}")
    started = time.monotonic()
    report = SeedReport()
    places = load_reference_data()
    progress("reference data: " + ", ".join(f"{k} {v}" for k, v in places.items()))
    chunks = list(range(chunk_count(people)))
    workers = workers or min(os.cpu_count() or 1, 4)
    if connection.vendor == "postgresql" and not connection.in_atomic_block and len(chunks) > 1:
        with report.phase("context", progress):
            ctx = build_context(people, seed, as_of)
        report.counts["employers"] = len(ctx.employers)
        totals = _bulk_load(ctx, workers=workers, report=report, progress=progress, also_clear=also_clear, finish=finish)
    else:
        totals = _small_load(people, seed, as_of, report=report, also_clear=also_clear, finish=finish)
    if connection.vendor == "postgresql":
        # VACUUM too, not only ANALYZE: after a bulk load the visibility map is empty, so
        # every index-only scan (the campaign's count of workers) visits the heap until a
        # vacuum runs, and autovacuum may be off or hours away (3.6 s instead of 0.3 s for
        # the city office's dashboard). VACUUM cannot run inside a transaction (tests).
        with connection.cursor() as cursor, report.phase("vacuum analyze", progress):
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    report.counts.update(totals)
    report.seconds = time.monotonic() - started
    return report


def _small_load(
    people: int,
    seed: int,
    as_of: dt.date,
    *,
    report: SeedReport,
    also_clear: Sequence[str],
    finish: Callable[[], None],
) -> dict[str, int]:
    """One chunk, SQLite, or inside a caller's transaction (the test database): plain COPY or
    INSERT, indexes kept."""
    with transaction.atomic():
        _clear(also_clear)
        ctx = build_context(people, seed, as_of)
        _write("registry_employer", EMPLOYER_COLUMNS, _employer_rows(ctx.employers))
        report.counts["employers"] = len(ctx.employers)
        totals: dict[str, int] = {}
        if connection.vendor == "postgresql":
            _fast_bulk_session()
        for chunk in range(chunk_count(people)):
            _add(totals, _write_rows(generate_chunk(ctx, chunk)))
        if connection.vendor == "postgresql":
            _verify_foreign_keys()
        # The fixed people go in last: their presence marks a complete seed (see is_seeded).
        _add(totals, _write_rows(fixed.rows(ctx)))
        reset_sequences([Person, ParticipationPeriod, HealthCard, BenefitPayment, MedicalVisit])
        finish()
    return totals


def _add(totals: dict[str, int], counts: dict[str, int]) -> None:
    for key, value in counts.items():
        totals[key] = totals.get(key, 0) + value


def reset_sequences(tables: Sequence[type[models.Model]]) -> None:
    """Move the id sequences of `tables` past the ids written with COPY or INSERT."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), tables):
            cursor.execute(sql)
