#!/usr/bin/env python3
"""The card check and the primary-key look-up of two checkouts, request by request, on one database.

Starts gunicorn (2 sync workers, bench.settings_card_check) from each source tree, then in each
round asks, in a fresh random order, the card check and the look-up of both trees (a card and a
person not asked before). Swings of the machine's load fall on all four alike, so the medians
compare where whole benchmark runs a minute apart do not (on this machine, two runs of
bench/card_check.py a minute apart differ by up to 15 %). `--clients N` runs N such loops at once.
Every answer is checked (a check must answer 000); a wrong one stops the run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vssid_bench \\
        .venv/bin/python bench/ab_card_check.py --old /path/to/old/checkout [--new .] [--rounds 1200]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_card_check"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vssid_bench")


def ask(port: int, method: str, path: str, headers: dict[str, str], body: str | None) -> tuple[float, int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return (time.perf_counter() - started) * 1000, response.status, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", required=True, type=Path, help="source tree of the old code (with its .venv)")
    parser.add_argument("--new", default=HERE.parent, type=Path)
    parser.add_argument("--rounds", type=int, default=1200)
    parser.add_argument("--clients", type=int, default=1)
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    import bench.card_check as cc
    from bench.registration import free_port, gunicorn_command, wait_until_up
    from bench.run import vacuum_churned

    vacuum_churned()
    # A login checks at most 60 cards a minute (counter.services.USER_RATES): a new one every 40 checks.
    logins, user_ids = cc.make_facility_logins(args.rounds * 2 // 40 + 10)
    cards = cc.pick_cards(args.rounds * 2 + 50)
    people = cc.pick_people(args.rounds)
    connection.close()
    if len(cards) < args.rounds * 2 or len(people) < args.rounds:
        raise SystemExit("not enough cards in use or people in the bench database: seed it (make bench)")
    env = {**os.environ, "LOG_LEVEL": "WARNING", "DEBUG": ""}
    servers: dict[str, tuple[int, subprocess.Popen[bytes]]] = {}
    for name, root in (("old", args.old.resolve()), ("new", args.new.resolve())):
        port = free_port()
        servers[name] = (port, subprocess.Popen(gunicorn_command(root, workers=2, port=port), cwd=root, env=env))
    timings: dict[str, list[float]] = {f"{tree} {kind}": [] for tree in servers for kind in ("pk", "check")}
    lock = threading.Lock()
    numbers = iter(range(10**9))
    failures: list[str] = []

    def client(n: int) -> None:
        rng = random.Random(n)
        for i in range(n, args.rounds, args.clients):
            jobs: list[tuple[str, int, str, str, dict[str, str], str | None]] = []
            for tree, (port, _server) in servers.items():
                with lock:
                    k = next(numbers)
                login = logins[k // 40]
                body = json.dumps({**cards[k], "hoTenCb": login["hoTenCb"], "cccdCb": login["cccdCb"]})
                headers = {"Authorization": f"Bearer {login['token']}", "Content-Type": "application/json"}
                jobs.append((f"{tree} check", port, "POST", "/api/v1/card-check", headers, body))
                jobs.append((f"{tree} pk", port, "GET", f"/bench/person/{people[i]}", {}, None))
            rng.shuffle(jobs)
            for label, port, method, path, headers, body in jobs:
                ms, status, data = ask(port, method, path, headers, body)
                good = status == 200 and (label.endswith("pk") or json.loads(data).get("maKetQua") == "000")
                if not good:
                    failures.append(f"{label}: {status} {data[:200]!r}")
                    return
                with lock:
                    timings[label].append(ms)

    try:
        for port, server in servers.values():
            wait_until_up(port, server)
            for pid in people[:20]:
                ask(port, "GET", f"/bench/person/{pid}", {}, None)
        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for _port, server in servers.values():
            server.terminate()
            server.wait(timeout=30)
        cc.clean_up(user_ids)
    if failures:
        raise SystemExit("wrong answers: " + "; ".join(failures[:3]))
    medians: dict[str, Any] = {label: statistics.median(values) for label, values in timings.items()}
    for label, values in timings.items():
        values.sort()
        print(f"{label:10s} n={len(values)}  median {medians[label]:.3f} ms  p90 {values[int(len(values) * 0.9)]:.3f} ms")
    for tree in servers:
        print(f"{tree}: look-up median / check median = {100 * medians[f'{tree} pk'] / medians[f'{tree} check']:.1f} %")
    print(f"check, new / old: {medians['new check'] / medians['old check']:.3f}")


if __name__ == "__main__":
    main()
