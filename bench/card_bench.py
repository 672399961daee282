#!/usr/bin/env python3
"""Read throughput of the citizen's card through the real stack (gunicorn + PostgreSQL).

Starts `gunicorn vssid.wsgi` with one sync worker per core (measured here: 2 workers served
both endpoints faster than gunicorn's (2 × cores) + 1, whose extra processes and database
backends only contend for the two cores) on a free loopback port against the bench database,
gives a few hundred random people of the register a citizen login and an API token
(accounts.services.issue_tokens), then for ~15 s each (three alternating rounds of 5 s; each figure
is the median of the rounds) at 32 concurrent connections measures:

- hello: GET /api/v1/health (the smallest JSON endpoint there is: one `SELECT 1`);
- card: GET /api/v1/me/card (token, user and card with its place names in one query, the QR payload);
- participation: GET /api/v1/me/participation (only when api/routers/history.py serves it).

The load comes from `wrk` when it is installed (it costs the two cores far less than Python
threads), else from Python threads with http.client. Sync gunicorn workers close the connection
after every response, so each request opens a connection either way. The users and tokens made
for the run are deleted afterwards.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vssid_bench .venv/bin/python bench/card_bench.py
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vssid.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vssid_bench")

TARGET_SHARE_OF_HELLO = 60.0  # percent
TARGET_P99_MS = 50.0
ROUNDS = 3
USERNAME_PREFIX = "bench-card-"


def make_citizens(count: int) -> tuple[list[str], list[int]]:
    """Citizen logins with an API token for random people with a card in use and no account."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import User
    from accounts.services import issue_tokens
    from registry.models import HealthCard

    top = HealthCard.objects.order_by("-id").values_list("id", flat=True).first() or 0
    rnd = random.Random()
    start = rnd.randint(0, max(top - count * 50, 0))
    person_ids = list(
        HealthCard.objects.filter(id__gt=start, status=HealthCard.Status.ACTIVE, person__account__isnull=True)
        .order_by("id")
        .values_list("person_id", flat=True)[: count * 5]
    )
    rnd.shuffle(person_ids)
    unusable = make_password(None)
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(username=f"{USERNAME_PREFIX}{pid}", role=User.Role.CITIZEN, person_id=pid, password=unusable)
                for pid in person_ids[:count]
            ]
        )
        tokens = [issue_tokens(user, device="bench").access_token for user in users]
    return tokens, [user.pk for user in users]


def delete_citizens(user_ids: list[int]) -> int:
    from accounts.models import ApiToken, User

    ApiToken.objects.filter(user_id__in=user_ids).delete()
    deleted: int = User.objects.filter(pk__in=user_ids, username__startswith=USERNAME_PREFIX).delete()[0]
    return deleted


# ---- load generators ------------------------------------------------------------------------


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def with_wrk(port: int, path: str, tokens: list[str], *, seconds: float, connections: int, tmp: Path) -> dict[str, Any]:
    script = tmp / "tokens.lua"
    script.write_text(
        "local tokens = {" + ",".join(json.dumps(t) for t in tokens or [""]) + "}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  local t = tokens[(i % #tokens) + 1]\n"
        "  local headers = {}\n"
        '  if t ~= "" then headers["Authorization"] = "Bearer " .. t end\n'
        f'  return wrk.format("GET", "{path}", headers)\n'
        "end\n"
        "done = function(summary, latency, requests)\n"
        '  io.write(string.format("JSON {\\"p50_us\\": %d, \\"p99_us\\": %d, \\"non2xx\\": %d}\\n",\n'
        "    latency:percentile(50), latency:percentile(99), summary.errors.status))\n"
        "end\n"
    )
    threads = min(2, connections)
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{int(seconds)}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    extra = json.loads(re.search(r"^JSON (.*)$", out, re.M).group(1))  # type: ignore[union-attr]
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "tool": "wrk",
        "requests_per_second": round(rps, 1),
        "p50_ms": round(extra["p50_us"] / 1000, 1),
        "p99_ms": round(extra["p99_us"] / 1000, 1),
        "errors": extra["non2xx"],
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def with_threads(port: int, path: str, tokens: list[str], *, seconds: float, connections: int) -> dict[str, Any]:
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    stop_at = time.monotonic() + seconds

    def client(n: int) -> None:
        i = n
        mine: list[float] = []
        seen: Counter[str] = Counter()
        while time.monotonic() < stop_at:
            headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"} if tokens else {}
            i += connections
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                outcome = str(response.status)
            except OSError as exc:
                outcome = type(exc).__name__
            mine.append((time.perf_counter() - started) * 1000)
            seen[outcome] += 1
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    started = time.monotonic()
    workers = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.monotonic() - started
    latencies.sort()
    total = sum(statuses.values())
    return {
        "tool": "python threads",
        "requests_per_second": round(total / wall, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(latencies[max(int(len(latencies) * 0.99) - 1, 0)], 1) if latencies else None,
        "errors": sum(n for status, n in statuses.items() if status != "200"),
        "statuses": dict(statuses),
    }


def check(port: int, path: str, token: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


DEFAULT_WORKERS = os.cpu_count() or 1


def run(*, seconds: float = 15, connections: int = 32, workers: int = DEFAULT_WORKERS, citizens: int = 300) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    from bench.registration import free_port, wait_until_up

    tokens, user_ids = make_citizens(citizens)
    connection.close()
    tmp = Path(tempfile.mkdtemp(prefix="vssid-card-bench-"))
    port = free_port()
    env = {**os.environ, "LOG_LEVEL": "WARNING", "DEBUG": ""}
    command = [str(ROOT / ".venv/bin/gunicorn"), "vssid.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "--error-logfile", str(tmp / "gunicorn.log")]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    use_wrk = shutil.which("wrk") is not None
    results: dict[str, Any] = {
        "workers": workers,
        "connections": connections,
        "seconds_each": seconds,
        "citizens": len(tokens),
        "endpoints": {},
    }
    endpoints = {
        "hello": ("/api/v1/health", []),
        "card": ("/api/v1/me/card", tokens),
        "participation": ("/api/v1/me/participation", tokens),
    }
    rounds: dict[str, list[dict[str, Any]]] = {}
    try:
        wait_until_up(port, server)
        for name, (path, keys) in list(endpoints.items()):
            status = check(port, path, keys[0] if keys else "")
            if status == 404 and name == "participation":
                results["endpoints"][name] = {"skipped": "GET /api/v1/me/participation is not served yet"}
                del endpoints[name]
                continue
            if status != 200:
                raise RuntimeError(f"{path} answered {status} before the run")
            # Warm-up: imports, connections, catalogs and prepared statements in every worker.
            if use_wrk:
                with_wrk(port, path, keys, seconds=2, connections=connections, tmp=tmp)
            else:
                with_threads(port, path, keys, seconds=1, connections=4)
        # The endpoints take turns, ROUNDS times, and each figure is the median of its rounds: a
        # shared 2-core machine drifts (page cache, other tenants) more than the endpoints differ.
        each = max(seconds / ROUNDS, 1)
        for _ in range(ROUNDS):
            for name, (path, keys) in endpoints.items():
                if use_wrk:
                    figures = with_wrk(port, path, keys, seconds=each, connections=connections, tmp=tmp)
                else:
                    figures = with_threads(port, path, keys, seconds=each, connections=connections)
                rounds.setdefault(name, []).append(figures)
        for name, samples in rounds.items():
            results["endpoints"][name] = {
                "path": endpoints[name][0],
                "tool": samples[0]["tool"],
                "rounds": len(samples),
                **{key: statistics.median(s[key] for s in samples) for key in ("requests_per_second", "p50_ms", "p99_ms")},
                "errors": sum(s["errors"] for s in samples),
                "each_round": [{k: s[k] for k in ("requests_per_second", "p50_ms", "p99_ms")} for s in samples],
            }
    finally:
        server.terminate()
        server.wait(timeout=30)
        log = (tmp / "gunicorn.log").read_text() if (tmp / "gunicorn.log").exists() else ""
        shutil.rmtree(tmp, ignore_errors=True)
        results["users_deleted"] = delete_citizens(user_ids)
        connection.close()
    hello = results["endpoints"]["hello"]["requests_per_second"]
    for name in ("card", "participation"):
        figures = results["endpoints"].get(name, {})
        if "requests_per_second" in figures and hello:
            figures["percent_of_hello"] = round(100 * figures["requests_per_second"] / hello, 1)
    card = results["endpoints"]["card"]
    results["card_meets_targets"] = card["percent_of_hello"] >= TARGET_SHARE_OF_HELLO and card["p99_ms"] <= TARGET_P99_MS
    if "Traceback" in log:
        results["server_errors"] = log[-2000:]
    return results


def report(results: dict[str, Any]) -> None:
    print(
        f"card reads (gunicorn -w {results['workers']}, {results['connections']} connections, "
        f"{results['seconds_each']} s each in {ROUNDS} alternating rounds, medians, {results['citizens']} citizens):"
    )
    for name, figures in results["endpoints"].items():
        if "skipped" in figures:
            print(f"  {name:14s} skipped: {figures['skipped']}")
            continue
        share = f"  {figures['percent_of_hello']:5.1f}% of hello" if "percent_of_hello" in figures else ""
        print(
            f"  {name:14s} {figures['requests_per_second']:8.1f} req/s  p50 {figures['p50_ms']} ms  "
            f"p99 {figures['p99_ms']} ms  errors {figures['errors']}{share}  [{figures['tool']}]"
        )
    verdict = "meets" if results["card_meets_targets"] else "BELOW"
    print(f"  card {verdict} the targets (≥ {TARGET_SHARE_OF_HELLO:.0f}% of hello, p99 ≤ {TARGET_P99_MS:.0f} ms)")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15, help="per endpoint, split into rounds")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--citizens", type=int, default=300)
    args = parser.parse_args()
    outcome = run(seconds=args.seconds, connections=args.connections, workers=args.workers, citizens=args.citizens)
    report(outcome)
    print(json.dumps({k: v for k, v in outcome.items() if k != "server_errors"}, indent=2, default=str))
    if "server_errors" in outcome:
        print(outcome["server_errors"], file=sys.stderr)
