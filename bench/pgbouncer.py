#!/usr/bin/env python3
"""The API through PgBouncer (transaction mode) against direct connections, in the same run.

Starts Debian's pgbouncer (installed by `bin/ensure-services --bench`) on a free port of
5440–5460 in front of the bench database, pool_mode = transaction, and two gunicorn servers:
`direct` (DATABASE_URL to PostgreSQL, prepared hot queries) and `pgbouncer` (DATABASE_URL to the
pooler, DB_PREPARED_STATEMENTS=0, as a transaction-mode pooler needs). The floor, the cold card and
the participation history take turns on both at 32 connections; every answer is checked.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vssid_bench .venv/bin/python bench/pgbouncer.py
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vssid.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vssid_bench")

PGBOUNCER = "/usr/sbin/pgbouncer"
POOL_SIZE = 8  # server connections per database: a few per core is all PostgreSQL can use


def _port() -> int:
    for port in range(5440, 5461):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port in 5440–5460")


def start_pgbouncer(url: str, tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    port = _port()
    (tmp / "userlist.txt").write_text(f'"{parts.username or "postgres"}" ""\n')
    (tmp / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{name} = host={parts.hostname} port={parts.port or 5432} dbname={name}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir = {tmp}\n"
        f"auth_type = trust\nauth_file = {tmp / 'userlist.txt'}\n"
        f"pool_mode = transaction\ndefault_pool_size = {POOL_SIZE}\nmax_client_conn = 500\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {tmp / 'pgbouncer.log'}\n"
    )
    command = [PGBOUNCER, str(tmp / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        shutil.chown(tmp, "postgres")
        for file in tmp.iterdir():
            shutil.chown(file, "postgres")
        command = ["runuser", "-u", "postgres", "--", *command]
    process = subprocess.Popen(command)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("pgbouncer did not start")


def run(*, seconds: float = 4, rounds: int = 2, connections: int = 32, cold: int = 20_000) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    from bench.card_bench import DEFAULT_WORKERS, Server, delete_citizens, get, make_citizens, with_wrk

    if not Path(PGBOUNCER).exists() or shutil.which("wrk") is None:
        return {"skipped": "pgbouncer or wrk is not installed (bin/ensure-services --bench installs both as root)"}
    url = os.environ["DATABASE_URL"]
    tokens, user_ids = make_citizens(cold)
    connection.close()
    tmp = Path(tempfile.mkdtemp(prefix="vssid-pgbouncer-"))
    bouncer, port = start_pgbouncer(url, tmp)
    parts = urlparse(url)
    pooled = f"postgres://{parts.username or 'postgres'}@127.0.0.1:{port}{parts.path}"
    servers: dict[str, Server] = {}
    results: dict[str, Any] = {"connections": connections, "rounds": rounds, "pool_size": POOL_SIZE, "endpoints": {}}
    endpoints = {
        "floor": ("/api/v1/health", [], '"ok"'),
        "card cold": ("/api/v1/me/card", tokens, '"qr_payload"'),
        "participation": ("/api/v1/me/participation", tokens, '"periods"'),
    }
    errors = 0
    try:
        servers["direct"] = Server("direct", workers=DEFAULT_WORKERS, tmp=tmp)
        servers["pgbouncer"] = Server(
            "pgbouncer", workers=DEFAULT_WORKERS, tmp=tmp, env={"DATABASE_URL": pooled, "DB_PREPARED_STATEMENTS": "0"}
        )
        for server in servers.values():
            for path, keys, marker in endpoints.values():
                status, body = get(server.port, path, keys[0] if keys else "", timeout=120)
                if status != 200 or marker.encode() not in body:
                    log = server.log.read_text()[-3000:] if server.log.exists() else ""
                    raise RuntimeError(f"{server.name}: {path} answered {status} before the run\n{log}")
                with_wrk(server.port, path, tokens[:300] if keys else [], seconds=1, connections=8, tmp=tmp, marker=marker)
        samples: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for _ in range(rounds):
            for name, (path, keys, marker) in endpoints.items():
                for via, server in servers.items():
                    figures = with_wrk(server.port, path, keys, seconds=seconds, connections=connections, tmp=tmp, marker=marker)
                    samples.setdefault((name, via), []).append(figures)
        for (name, via), runs in samples.items():
            errors += sum(s["errors"] for s in runs)
            results["endpoints"].setdefault(name, {})[via] = {
                **{key: statistics.median(s[key] for s in runs) for key in ("requests_per_second", "p50_ms", "p99_ms")},
                "errors": sum(s["errors"] for s in runs),
            }
    finally:
        logs = [server.stop() for server in servers.values()]
        bouncer.terminate()
        bouncer.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
        delete_citizens(user_ids)
        connection.close()
    errors += sum("Traceback" in log for log in logs)
    results["errors"] = errors
    return results


def table(results: dict[str, Any]) -> list[str]:
    if "skipped" in results:
        return [f"skipped: {results['skipped']}"]
    c = results["connections"]
    lines = [
        f"| @{c} connections | direct req/s | p99 | PgBouncer req/s | p99 | PgBouncer / direct |",
        "|---|---|---|---|---|---|",
    ]
    for name, vias in results["endpoints"].items():
        d, b = vias["direct"], vias["pgbouncer"]
        ratio = b["requests_per_second"] / d["requests_per_second"] if d["requests_per_second"] else 0
        lines.append(
            f"| {name} | {d['requests_per_second']:,.0f} | {d['p99_ms']:.1f} ms | {b['requests_per_second']:,.0f} | "
            f"{b['p99_ms']:.1f} ms | {ratio:.2f} |"
        )
    return lines


def report(results: dict[str, Any]) -> None:
    print(f"PgBouncer (transaction mode, pool {results.get('pool_size')}) against direct connections:")
    for line in table(results):
        print("  " + line)


if __name__ == "__main__":
    outcome = run()
    report(outcome)
    sys.exit(1 if outcome.get("errors") else 0)
