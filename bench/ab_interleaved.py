#!/usr/bin/env python3
"""Two checkouts of the app against one database, request by request, on a loaded machine.

Starts `gunicorn vssid.wsgi` (lean stack, 2 workers) from each source tree and asks, in a fresh
random order each round, the floor (/api/v1/health), the card and the participation history of
both, each with a citizen not asked before (cold). Swings of the machine's load fall on every
endpoint of both trees alike, so the medians compare where whole benchmark runs a minute apart
do not. One connection: throughput is the inverse of the latency, so "% floor" is the floor's
median over the endpoint's.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vssid_bench \\
        .venv/bin/python bench/ab_interleaved.py --old /path/to/old/checkout [--new .] [--rounds 1000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vssid.settings")
ENDPOINTS = (("floor", "/api/v1/health"), ("card", "/api/v1/me/card"), ("participation", "/api/v1/me/participation"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", required=True, help="source tree of the old code (with its .venv)")
    parser.add_argument("--new", default=str(HERE.parent))
    parser.add_argument("--rounds", type=int, default=1000)
    args = parser.parse_args()
    import django

    django.setup()
    import card_bench
    from django.db import connection

    trees = {"old": Path(args.old).resolve(), "new": Path(args.new).resolve()}
    tokens, user_ids = card_bench.make_citizens(4 * args.rounds + 10)
    connection.close()
    tmp = Path(tempfile.mkdtemp(prefix="vssid-ab-"))
    servers: dict[str, card_bench.Server] = {}
    latencies: dict[tuple[str, str], list[float]] = {}
    try:
        for name, tree in trees.items():
            card_bench.ROOT = tree  # Server starts gunicorn from ROOT
            servers[name] = card_bench.Server(name, workers=2, tmp=tmp)
        for server in servers.values():  # boot the workers and prepare the statements
            for token in tokens[:10]:
                for _, path in ENDPOINTS:
                    assert card_bench.get(server.port, path, token, timeout=60)[0] == 200
        cold = tokens[10:]
        order = [(name, n) for name in trees for n in range(len(ENDPOINTS))]
        rnd = random.Random(1)
        load_before = os.getloadavg()
        for i in range(args.rounds):
            rnd.shuffle(order)
            for name, n in order:
                endpoint, path = ENDPOINTS[n]
                token = "" if endpoint == "floor" else cold[4 * i + 2 * list(trees).index(name) + (endpoint == "participation")]
                started = time.perf_counter()
                status, body = card_bench.get(servers[name].port, path, token)
                latencies.setdefault((name, endpoint), []).append((time.perf_counter() - started) * 1000)
                if status != 200:
                    raise RuntimeError(f"{name} {path}: {status} {body[:200]!r}")
        print(f"{args.rounds} rounds, load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}")
        for name in trees:
            m = {endpoint: statistics.median(latencies[(name, endpoint)]) for endpoint, _ in ENDPOINTS}
            shares = "  ".join(f"{e} {100 * m['floor'] / m[e]:.0f} % floor" for e, _ in ENDPOINTS[1:])
            print(f"{name}: median " + ", ".join(f"{e} {m[e]:.2f} ms" for e, _ in ENDPOINTS) + f"  |  {shares}")
    finally:
        for server in servers.values():
            server.stop()
        card_bench.delete_citizens(user_ids)


if __name__ == "__main__":
    main()
