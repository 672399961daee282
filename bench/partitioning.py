#!/usr/bin/env python3
"""Would hash-partitioning the participation periods by person make a citizen's history faster?

Copies registry_participationperiod of the bench database into a table partitioned by
HASH (person_id) (`--partitions`, 16 by default), with the same (person_id, scheme, from_month)
index, then reads the periods of random people from both tables with the same prepared query,
alternating which table goes first for each person (so neither is warmed by the other: they share
no pages). Reports mean, p50 and p99 per table, then drops the copy. The register's tables are
only read.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vssid_bench .venv/bin/python bench/partitioning.py
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from typing import Any

import psycopg

COPY = "bench_period_partitioned"
PLAIN = "registry_participationperiod"
QUERY = (
    "SELECT id, scheme, from_month, to_month, employer_id, salary_basis, late_months FROM {} "
    "WHERE person_id = %s ORDER BY scheme, from_month"
)


def build(conn: psycopg.Connection[Any], partitions: int) -> float:
    started = time.perf_counter()
    conn.execute(f"DROP TABLE IF EXISTS {COPY}")
    conn.execute(f"CREATE TABLE {COPY} (LIKE {PLAIN} INCLUDING DEFAULTS) PARTITION BY HASH (person_id)")
    for n in range(partitions):
        conn.execute(f"CREATE TABLE {COPY}_{n} PARTITION OF {COPY} FOR VALUES WITH (MODULUS {partitions}, REMAINDER {n})")
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute(f"INSERT INTO {COPY} SELECT * FROM {PLAIN}")  # noqa: S608 - constant names
    conn.execute(f"CREATE INDEX ON {COPY} (person_id, scheme, from_month)")
    conn.execute(f"VACUUM ANALYZE {COPY}")
    return time.perf_counter() - started


def compare(conn: psycopg.Connection[Any], people: int, seed: int) -> dict[str, Any]:
    top = conn.execute("SELECT max(id) FROM registry_person").fetchone()[0]  # type: ignore[index]
    rng = random.Random(seed)
    tables = {"plain": PLAIN, "partitioned": COPY}
    timings: dict[str, list[float]] = {name: [] for name in tables}
    rows = dict.fromkeys(tables, 0)
    for i in range(people):
        person = rng.randint(1, top)
        for name in ("plain", "partitioned") if i % 2 else ("partitioned", "plain"):
            started = time.perf_counter()
            found = conn.execute(QUERY.format(tables[name]), [person]).fetchall()
            timings[name].append((time.perf_counter() - started) * 1000)
            rows[name] += len(found)
    if rows["plain"] != rows["partitioned"]:
        raise RuntimeError(f"the tables disagree: {rows}")
    out: dict[str, Any] = {"people": people, "rows": rows["plain"]}
    for name, values in timings.items():
        values.sort()
        out[name] = {
            "mean_ms": round(statistics.mean(values), 3),
            "p50_ms": round(values[len(values) // 2], 3),
            "p99_ms": round(values[int(len(values) * 0.99)], 3),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--people", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=2, help="each with other random people")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vssid_bench")
    with psycopg.connect(url, autocommit=True, prepare_threshold=0) as conn:
        try:
            results: dict[str, Any] = {"partitions": args.partitions, "copy_seconds": round(build(conn, args.partitions), 1)}
            results["rounds"] = [compare(conn, args.people, seed) for seed in range(1, args.rounds + 1)]
        finally:
            conn.execute(f"DROP TABLE IF EXISTS {COPY}")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
