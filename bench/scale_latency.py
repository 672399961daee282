#!/usr/bin/env python3
"""Cold latency of the card and the participation history at two register sizes, side by side.

For each database named (default: vssid_bench, 1 million people, and vssid_bench10m, 10 million),
in alternating rounds so that the load of the machine falls on both alike: fresh logins for
people drawn across the whole register (card_bench.make_citizens(spread=True)), one lean
`gunicorn vssid.wsgi` on that database, then GET /api/v1/me/card and /api/v1/me/participation,
each citizen asked once (cold: no cache of the app holds them, and no two share a page of the
tables), sequentially (1 connection) and from 8 connections. p50/p99 of each, the ratio of the
second database to the first, and the load average. The logins are deleted afterwards.

    .venv/bin/python bench/scale_latency.py [--databases vssid_bench vssid_bench10m] [--citizens 600] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = {"card": ("/api/v1/me/card", b'"qr_payload"'), "participation": ("/api/v1/me/participation", b'"periods"')}
CONNECTIONS = (1, 8)
WARM_UP = 40


def _url(database: str) -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vssid_bench")
    return base.rsplit("/", 1)[0] + "/" + database


def measure(port: int, path: str, marker: bytes, tokens: list[str], connections: int) -> dict[str, Any]:
    """Each token once, from `connections` threads; every answer must be a 200 holding `marker`."""
    sys.path.insert(0, str(ROOT / "bench"))
    from card_bench import get

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client(first: int) -> None:
        nonlocal errors
        mine, bad = [], 0
        for token in tokens[first::connections]:
            started = time.perf_counter()
            status, body = get(port, path, token, timeout=60)
            mine.append((time.perf_counter() - started) * 1000)
            bad += status != 200 or marker not in body
        with lock:
            latencies.extend(mine)
            errors += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(latencies[max(int(len(latencies) * 0.99) - 1, 0)], 2),
        "errors": errors,
    }


def one_database(database: str, citizens: int, workers: int) -> dict[str, Any]:
    """Runs in a child process whose DATABASE_URL is the database's."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vssid.settings")
    import django

    django.setup()
    from card_bench import Server, delete_citizens, make_citizens
    from django.db import connection

    sets = len(ENDPOINTS) * len(CONNECTIONS)
    tokens, user_ids = make_citizens(citizens * sets + WARM_UP, spread=True)
    connection.close()
    tmp = Path(tempfile.mkdtemp(prefix="vssid-scale-latency-"))
    out: dict[str, Any] = {"database": database, "load_average_before": os.getloadavg()}
    server = None
    try:
        server = Server("lean", workers=workers, tmp=tmp, env={"DATABASE_URL": os.environ["DATABASE_URL"]})
        warm, cold = tokens[:WARM_UP], tokens[WARM_UP:]
        for path, marker in ENDPOINTS.values():  # boot the workers, prepare the statements
            measure(server.port, path, marker, warm, 4)
        for n, (name, (path, marker)) in enumerate(ENDPOINTS.items()):
            for m, conns in enumerate(CONNECTIONS):
                part = n * len(CONNECTIONS) + m
                out[f"{name} @{conns}"] = measure(server.port, path, marker, cold[part * citizens : (part + 1) * citizens], conns)
    finally:
        if server is not None:
            log = server.stop()
            if "Traceback" in log:
                out["server_errors"] = log[-3000:]
        shutil.rmtree(tmp, ignore_errors=True)
        out["users_deleted"] = delete_citizens(user_ids)
        connection.close()
    out["load_average_after"] = os.getloadavg()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", nargs="+", default=["vssid_bench", "vssid_bench10m"])
    parser.add_argument("--citizens", type=int, default=600, help="per endpoint and connection count")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_database(args.child, args.citizens, args.workers)))
        return
    runs: dict[str, list[dict[str, Any]]] = {db: [] for db in args.databases}
    for _ in range(args.rounds):
        for database in args.databases:
            env = {**os.environ, "DATABASE_URL": _url(database)}
            command = [sys.executable, __file__, "--child", database, "--citizens", str(args.citizens)]
            command += ["--workers", str(args.workers)]
            done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
            runs[database].append(json.loads(done.stdout.strip().splitlines()[-1]))
    keys = [f"{name} @{conns}" for name in ENDPOINTS for conns in CONNECTIONS]
    summary: dict[str, Any] = {"rounds": runs, "median": {}}
    for database, results in runs.items():
        summary["median"][database] = {
            key: {f: statistics.median(r[key][f] for r in results) for f in ("p50_ms", "p99_ms", "requests_per_second")}
            for key in keys
        }
        summary["median"][database]["errors"] = sum(r[key]["errors"] for r in results for key in keys)
    first, *others = args.databases
    print(f"{'':22}" + "".join(f"{db:>34}" for db in args.databases) + "".join(f"{'ratio ' + db:>26}" for db in others))
    for key in keys:
        line = f"{key:22}"
        for database in args.databases:
            m = summary["median"][database][key]
            line += f"  p50 {m['p50_ms']:7.2f} p99 {m['p99_ms']:7.2f} {m['requests_per_second']:6.1f}/s"
        for database in others:
            a, b = summary["median"][first][key], summary["median"][database][key]
            line += f"     p50 ×{b['p50_ms'] / a['p50_ms']:.2f} p99 ×{b['p99_ms'] / a['p99_ms']:.2f}"
        print(line)
    print(json.dumps(summary["median"], indent=1))
    loads = [r["load_average_before"][0] for results in runs.values() for r in results]
    print(f"load average (1 min) at the start of each run: {', '.join(f'{x:.1f}' for x in loads)}")


if __name__ == "__main__":
    main()
