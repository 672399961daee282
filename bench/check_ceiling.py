#!/usr/bin/env python3
"""How fast a counted and audited card check can be, beside the primary-key look-up: the ceiling.

bench/card_check.py measures the check against a bare primary-key look-up (target: 75 %). This
runs that same benchmark once per variant of the check's write (bench/urls_check_ceiling.py), in
alternating order, `--repeats` times, each with its own server:

- full: the check as it is: a read, then a write (the budgets, the audit row, the notification);
- no_write: the read and the decision, nothing written;
- audit_only: the write without the budgets;
- one_statement: the budgets and an audit row inside the read's statement, one round trip:
  the least a check that is counted and audited before it answers can cost.

Each run compares with the look-up of its own rounds, so the machine's swings between runs fall
on both sides. Every answer is checked (a check must answer 000, a look-up the person's BHXH
code); a run with errors fails. The variants live only in the benchmark's server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vssid_bench .venv/bin/python bench/check_ceiling.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vssid.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vssid_bench")

VARIANTS = ("full", "no_write", "audit_only", "one_statement")


def run(*, repeats: int = 2, seconds: float = 9, variants: tuple[str, ...] = VARIANTS) -> dict[str, Any]:
    from bench import card_check

    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    for n in range(repeats):
        order = variants if n % 2 == 0 else tuple(reversed(variants))
        for name in order:
            os.environ["CHECK_CEILING"] = name
            try:
                outcome = card_check.run(seconds=seconds, server_settings="bench.settings_check_ceiling")
            finally:
                os.environ.pop("CHECK_CEILING", None)
                _delete_placeholder_rows()
            pk, check = outcome["endpoints"]["pk"], outcome["endpoints"]["card_check"]
            figures = {
                "pk_rps": pk["requests_per_second"],
                "check_rps": check["requests_per_second"],
                "percent_of_pk": check["percent_of_pk"],
                "errors": pk["errors"] + check["errors"],
            }
            if "server_errors" in outcome:
                figures["errors"] += 1
                print(outcome["server_errors"], file=sys.stderr)
            print(f"  {name:14s} {figures}", flush=True)
            runs[name].append(figures)
    summary = {
        name: {
            "percent_of_pk": [r["percent_of_pk"] for r in samples],
            "median_percent_of_pk": statistics.median(r["percent_of_pk"] for r in samples),
            "check_rps": [r["check_rps"] for r in samples],
            "pk_rps": [r["pk_rps"] for r in samples],
        }
        for name, samples in runs.items()
    }
    errors = sum(r["errors"] for samples in runs.values() for r in samples)
    return {"seconds_each": seconds, "repeats": repeats, "variants": summary, "errors": errors}


def _delete_placeholder_rows() -> None:
    """The one_statement variant's audit rows, which name no login (card_check.clean_up deletes the others)."""
    from django.db import connection

    from audit.models import AuditEvent

    AuditEvent.objects.filter(actor__isnull=True, actor_label="check-ceiling").delete()
    connection.close()


def report(results: dict[str, Any]) -> None:
    print(f"card check share of the primary-key look-up, by the check's write ({results['repeats']} runs each):")
    print("| variant | % of pk, each run | median | check req/s | pk req/s |")
    print("|---|---|---|---|---|")
    for name, figures in results["variants"].items():
        shares = " / ".join(f"{p:.1f}" for p in figures["percent_of_pk"])
        checks = " / ".join(f"{r:,.0f}" for r in figures["check_rps"])
        pks = " / ".join(f"{r:,.0f}" for r in figures["pk_rps"])
        print(f"| {name} | {shares} | {figures['median_percent_of_pk']:.1f} | {checks} | {pks} |")
    print(f"errors: {results['errors']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=9, help="per endpoint and run, split into rounds")
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=VARIANTS)
    args = parser.parse_args()
    results = run(repeats=args.repeats, seconds=args.seconds, variants=tuple(args.variants))
    report(results)
    print(json.dumps(results, indent=2))
    if results["errors"]:
        sys.exit("check_ceiling: errors in the runs (see above); a run with errors fails")


if __name__ == "__main__":
    main()
