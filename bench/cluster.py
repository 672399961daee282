#!/usr/bin/env python3
"""The card benchmark once through the small cluster of bin/cluster (HAProxy → two gunicorn →
PgBouncer → primary, reads on the replica), at 32 connections, every answer checked.

`bin/cluster up` builds the cluster from scratch (its own primary and replica under var/cluster/,
PEOPLE generated people), the citizens and their tokens are made in the cluster's database, and
`bin/cluster down` removes it all afterwards. Not run when var/cluster/ already exists (a cluster
someone is using).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PEOPLE = 30_000
CITIZENS = 20_000
LB_PORT = 8180
PRIMARY_URL = "postgres://postgres@127.0.0.1:5450/vssid"

_MAKE_CITIZENS = """
import json, os, sys
sys.path.insert(0, os.getcwd())
import django
django.setup()
from bench.card_bench import make_citizens
tokens, _ids = make_citizens(int(sys.argv[1]))
print(json.dumps(tokens))
"""


def run(*, seconds: float = 5, rounds: int = 2, connections: int = 32) -> dict[str, Any]:
    from bench.card_bench import get, with_wrk

    if (ROOT / "var" / "cluster").exists():
        return {"skipped": "var/cluster exists: a cluster is already up (bin/cluster down first)"}
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed"}
    up = subprocess.run(
        ["nice", "-n", "10", str(ROOT / "bin/cluster"), "up", str(PEOPLE)], cwd=ROOT, capture_output=True, text=True
    )
    results: dict[str, Any] = {"people": PEOPLE, "connections": connections, "rounds": rounds, "endpoints": {}}
    tmp = Path(tempfile.mkdtemp(prefix="vssid-cluster-bench-"))
    try:
        if up.returncode:
            return {"errors": 1, "failure": "bin/cluster up failed: " + (up.stdout + up.stderr)[-2000:]}
        env = {**os.environ, "DATABASE_URL": PRIMARY_URL, "VSSID_VAR_DIR": str(ROOT / "var/cluster/var")}
        env["DJANGO_SETTINGS_MODULE"] = "vssid.settings"
        made = subprocess.run(
            [sys.executable, "-c", _MAKE_CITIZENS, str(CITIZENS)], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        tokens = json.loads(made.stdout.strip().splitlines()[-1])
        endpoints = {
            "floor": ("/api/v1/health", [], '"ok"'),
            "card cold": ("/api/v1/me/card", tokens, '"qr_payload"'),
            "participation": ("/api/v1/me/participation", tokens, '"periods"'),
        }
        for path, keys, marker in endpoints.values():
            status, _body = get(LB_PORT, path, keys[0] if keys else "", timeout=60)
            if status != 200:
                return {"errors": 1, "failure": f"{path} answered {status} through the cluster"}
            with_wrk(LB_PORT, path, keys[:300], seconds=1, connections=8, tmp=tmp, marker=marker)
        samples: dict[str, list[dict[str, Any]]] = {}
        for _ in range(rounds):
            for name, (path, keys, marker) in endpoints.items():
                samples.setdefault(name, []).append(
                    with_wrk(LB_PORT, path, keys, seconds=seconds, connections=connections, tmp=tmp, marker=marker)
                )
        for name, runs in samples.items():
            results["endpoints"][name] = {
                **{key: statistics.median(s[key] for s in runs) for key in ("requests_per_second", "p50_ms", "p99_ms")},
                "errors": sum(s["errors"] for s in runs),
            }
        results["errors"] = sum(f["errors"] for f in results["endpoints"].values())
        logs = sorted((ROOT / "var/cluster/run").glob("app-*.log"))
        if any("Traceback" in log.read_text() for log in logs):
            results["errors"] += 1
            results["server_errors"] = "\n".join(log.read_text()[-2000:] for log in logs)
        return results
    finally:
        subprocess.run([str(ROOT / "bin/cluster"), "down"], cwd=ROOT, capture_output=True, check=False)
        shutil.rmtree(tmp, ignore_errors=True)


def table(results: dict[str, Any]) -> list[str]:
    if "skipped" in results:
        return [f"skipped: {results['skipped']}"]
    c = results["connections"]
    lines = [f"| through HAProxy, @{c} | req/s | p50 | p99 | % floor | errors |", "|---|---|---|---|---|---|"]
    floor = results["endpoints"]["floor"]["requests_per_second"] or 1
    for name, f in results["endpoints"].items():
        share = 100 * f["requests_per_second"] / floor
        figures = f"{f['requests_per_second']:,.0f} | {f['p50_ms']:.1f} ms | {f['p99_ms']:.1f} ms"
        lines.append(f"| {name} | {figures} | {share:.0f} % | {f['errors']} |")
    return lines


def report(results: dict[str, Any]) -> None:
    print(f"the cluster (bin/cluster, {results.get('people', 0):,} people):")
    for line in table(results):
        print("  " + line)


if __name__ == "__main__":
    outcome = run()
    report(outcome)
    sys.exit(1 if outcome.get("errors") else 0)
