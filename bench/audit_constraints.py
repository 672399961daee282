#!/usr/bin/env python3
"""What a foreign-key constraint on the audit trail's references costs the database per audit row.

audit.models keeps the actor and the person as references without a constraint. This measures
why: it makes two scratch copies of audit_auditevent in the bench database, one with the two
constraints (and the person's own index, as before migration audit.0002) and one as the table is
now. Then it inserts a card check's audit rows into both, in alternating rounds: the same login
as actor, people of the register whose rows are cached (as the holder's is after the check's
read), each row its own autocommit transaction (as a check's write is). Reported per row: the CPU
time of the PostgreSQL server processes (their threads' schedstat, bench.registration.cpu_seconds)
and the wall time, from one connection and from two at once (two counters of one facility
login). The copies are dropped afterwards; the register is only read.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vssid_bench .venv/bin/python bench/audit_constraints.py
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.registration import cpu_seconds

AUDIT = "audit_auditevent"
TABLES = {"constraints": "bench_audit_constrained", "none": "bench_audit_plain"}
ROW = (
    "INSERT INTO {} (at, actor_label, action, object_type, object_id, ip, detail, actor_id, person_id) "
    "VALUES (now(), 'bench', 'card.check', 'card', %s, '127.0.0.1', '{{\"result\": \"000\"}}', %s, %s)"
)


def build(conn: psycopg.Connection[Any]) -> None:
    for name in TABLES.values():
        conn.execute(f"DROP TABLE IF EXISTS {name}")
        conn.execute(f"CREATE TABLE {name} (LIKE {AUDIT} INCLUDING ALL)")
    constrained = TABLES["constraints"]
    conn.execute(
        f"ALTER TABLE {constrained} "
        "ADD FOREIGN KEY (actor_id) REFERENCES accounts_user (id) DEFERRABLE INITIALLY DEFERRED, "
        "ADD FOREIGN KEY (person_id) REFERENCES registry_person (id) DEFERRABLE INITIALLY DEFERRED"
    )
    conn.execute(f"CREATE INDEX ON {constrained} (person_id)")


def measure(url: str, *, rounds: int, rows: int, clients: int) -> dict[str, Any]:
    with psycopg.connect(url, autocommit=True) as admin:
        actor = admin.execute("SELECT min(id) FROM accounts_user").fetchone()
        # People whose rows are in the buffer cache, as the check's holder is (its read has just
        # fetched the row): the constraint's check is measured, not a disk read of a cold page.
        people = [row[0] for row in admin.execute("SELECT id FROM registry_person TABLESAMPLE SYSTEM (1) LIMIT 3000")]
    if actor is None or actor[0] is None or not people:
        raise SystemExit("the bench database needs people and at least one login (seed_demo)")
    conns = {
        name: [psycopg.connect(url, autocommit=True, prepare_threshold=0) for _ in range(clients)] for name in TABLES.values()
    }
    totals = {name: {"cpu": 0.0, "wall": 0.0, "rows": 0} for name in TABLES.values()}
    try:
        order = list(TABLES.values())
        for n in range(rounds):
            for name in order if n % 2 == 0 else order[::-1]:
                group = conns[name]
                pids = [c.info.backend_pid for c in group]
                sql = ROW.format(name)

                def work(conn: psycopg.Connection[Any], sql: str = sql) -> None:
                    for _ in range(rows):
                        # A commit per row, as the check's own statement commits; no WAL flush wait
                        # (synchronous_commit off), as there.
                        with conn.transaction():
                            conn.execute("SET LOCAL synchronous_commit = off")
                            conn.execute(sql, ["0123456789", actor[0], random.choice(people)])

                cpu, wall = cpu_seconds(pids), time.perf_counter()
                threads = [threading.Thread(target=work, args=(c,)) for c in group]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                totals[name]["cpu"] += cpu_seconds(pids) - cpu
                totals[name]["wall"] += time.perf_counter() - wall
                totals[name]["rows"] += rows * clients
    finally:
        for group in conns.values():
            for c in group:
                c.close()
    return {
        label: {
            "postgres_cpu_ms_per_row": round(totals[name]["cpu"] * 1000 / totals[name]["rows"], 3),
            "wall_ms_per_row": round(totals[name]["wall"] * 1000 / totals[name]["rows"] * clients, 3),
            "rows": totals[name]["rows"],
        }
        for label, name in TABLES.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--rows", type=int, default=300, help="per round, table and connection")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vssid_bench")
    with psycopg.connect(url, autocommit=True) as conn:
        build(conn)
    try:
        results = {
            f"{clients} connection(s)": measure(url, rounds=args.rounds, rows=args.rows, clients=clients) for clients in (1, 2)
        }
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for name in TABLES.values():
                conn.execute(f"DROP TABLE IF EXISTS {name}")
    print(json.dumps(results, indent=1))
    for label, figures in results.items():
        with_, without = figures["constraints"], figures["none"]
        print(
            f"{label}: PostgreSQL CPU per audit row {with_['postgres_cpu_ms_per_row']} ms with the constraints, "
            f"{without['postgres_cpu_ms_per_row']} ms without; wall {with_['wall_ms_per_row']} / {without['wall_ms_per_row']} ms"
        )


if __name__ == "__main__":
    main()
