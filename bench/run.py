#!/usr/bin/env python3
"""Benchmarks on PostgreSQL with a national-scale register (make bench).

Seeds 1,000,000 people into the bench database when it does not hold them yet (or with
--reseed), then times the queries that every screen of the register depends on, and the
scenarios of SCENARIOS below (the API's floor, card and participation through gunicorn in
bench/card_bench.py, and those of the other parts of the app), one after the other. Results are
printed and written to bench/results/ (JSON and a Markdown table; git-ignored); a run in which any
answer was wrong fails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vssid.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vssid_bench")


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres", autocommit=True
    ) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(f'CREATE DATABASE "{name}"')


def manage(*args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode:
        sys.exit(result.stderr)
    return result.stdout


def timed(fn, runs: int = 200) -> dict[str, float]:  # type: ignore[no-untyped-def]
    for _ in range(10):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 3),
        "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--only", nargs="*", default=[], help="run only these scenarios (names in SCENARIOS)")
    parser.add_argument("--skip", nargs="*", default=[], help="skip these scenarios")
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    ensure_database(url)
    manage("migrate", "--noinput")

    import django

    django.setup()
    from django.db import connection

    from registry.models import HealthCard, ParticipationPeriod, Person

    results: dict[str, object] = {"database": urlparse(url).path.lstrip("/"), "people": args.people}
    from registry.demo.cardstates import CASES
    from registry.demo.generator import FIXED_PEOPLE

    # The generated people, the fixed demo people and the demo card states; more is fine (the
    # declarations scenario adds the people its file declares), fewer means an older or partial seed.
    if args.reseed or Person.objects.count() < args.people + FIXED_PEOPLE + len(CASES):
        start = time.perf_counter()
        out = manage("seed_demo", "--people", str(args.people))
        results["seed_seconds"] = round(time.perf_counter() - start, 1)
        results["seed_output"] = out.strip()
        print(out.strip())
        connection.close()
    vacuum_churned()
    counts = {}
    with connection.cursor() as cursor:
        for table in ("person", "participationperiod", "healthcard", "benefitpayment", "medicalvisit", "employer"):
            cursor.execute(f"SELECT count(*) FROM registry_{table}")  # noqa: S608 - fixed names
            counts[table] = cursor.fetchone()[0]
    results["rows"] = counts

    sample = list(Person.objects.order_by("?").values_list("ssn", "cccd", "search_name")[:200])
    i = iter(range(10**9))

    def by_ssn() -> None:
        Person.objects.get(ssn=sample[next(i) % len(sample)][0])

    def by_cccd() -> None:
        Person.objects.get(cccd=sample[next(i) % len(sample)][1])

    def by_folded_name() -> None:
        list(Person.objects.filter(search_name__contains=sample[next(i) % len(sample)][2])[:20])

    cards = list(HealthCard.objects.filter(status="active").order_by("?").values_list("number", flat=True)[:200])

    def card_by_number() -> None:
        number = cards[next(i) % len(cards)]
        list(HealthCard.objects.filter(number=number, status="active").select_related("initial_facility", "person")[:1])

    def history_of_one_person() -> None:
        ssn = sample[next(i) % len(sample)][0]
        list(ParticipationPeriod.objects.filter(person__ssn=ssn).select_related("employer"))

    queries = {
        "person by BHXH code": by_ssn,
        "person by CCCD": by_cccd,
        "person by name without accents (trigram)": by_folded_name,
        "active card by card number": card_by_number,
        "whole participation history of a person": history_of_one_person,
    }
    results["queries"] = {name: timed(fn) for name, fn in queries.items()}
    print(json.dumps(results["rows"], indent=2))
    for name, figures in results["queries"].items():  # type: ignore[attr-defined]
        print(f"{name:45s} median {figures['median_ms']:7.2f} ms   p99 {figures['p99_ms']:7.2f} ms")
    connection.close()
    failed = run_scenarios(results, only=args.only, skip=args.skip)
    write_results(results)
    if failed:
        sys.exit("make bench: errors in " + ", ".join(failed) + " (see above); a run with errors fails")


def vacuum_churned() -> None:
    """VACUUM (ANALYZE) the tables the benchmarks churn, before measuring.

    A server with autovacuum off (this machine's PostgreSQL is configured so) keeps every row an
    earlier run deleted: the token look-up of a later run then walks tens of thousands of dead
    logins, and measures that instead of the code. Production runs autovacuum (docs/deploy.md).
    The tables are named by their models, so a renamed one is not skipped without a word.
    """
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from accounts.models import ApiToken, OneTimeCode, User
    from audit.models import AuditEvent
    from enrollment.models import Registration
    from messaging.models import Message
    from support.models import Notification
    from vssid.models import RateCounter

    # What each benchmark adds and deletes again: logins, tokens, codes, audit rows, counters,
    # notifications, registrations with their messages and tasks.
    churned = (User, ApiToken, OneTimeCode, AuditEvent, RateCounter, Notification, Registration, Message, DBTaskResult)
    with connection.cursor() as cursor:
        for model in churned:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


# Scenario modules of bench/, in the order they run. Each has run() -> dict (JSON-able) and may
# have report(results) (prints its part) and table(results) -> Markdown lines; a result with a
# non-zero "errors" fails the run. A module not present on this branch is skipped. One line each.
SCENARIOS = [
    "campaign_bench",  # the city office's campaign dashboard
    "card_bench",  # the fair API benchmark: floor full/lean, ORM, card warm/cold, participation, memory
    "card_check",  # the hospital counter's card check
    "declarations",  # employers' monthly declarations
    "registration",  # registrations with three photos
    "pgbouncer",  # the API through PgBouncer (transaction mode) against direct connections
    "cluster",  # the card once through bin/cluster: HAProxy, two app servers, PgBouncer, a replica
]


def run_scenarios(results: dict[str, object], *, only: list[str], skip: list[str]) -> list[str]:
    import importlib
    import importlib.util

    failed = []
    for name in SCENARIOS:
        if (only and name not in only) or name in skip:
            continue
        if importlib.util.find_spec(f"bench.{name}") is None:
            print(f"{name}: not on this branch, skipped")
            continue
        module = importlib.import_module(f"bench.{name}")
        try:
            outcome = module.run()
        except Exception as exc:
            outcome = {"errors": 1, "failure": f"{type(exc).__name__}: {exc}"}
            print(f"{name}: FAILED {outcome['failure']}", file=sys.stderr)
        results[name] = outcome
        if hasattr(module, "report") and "failure" not in outcome:
            module.report(outcome)
        if isinstance(outcome, dict) and outcome.get("errors"):
            failed.append(name)
    return failed


def write_results(results: dict[str, object]) -> None:
    """bench/results/<UTC time>.json and .md (git-ignored), and latest.json / latest.md."""
    import importlib

    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    lines = [f"# make bench, {stamp}", "", f"Database `{results['database']}`, rows: {results['rows']}", ""]
    for name, figures in results.get("queries", {}).items():  # type: ignore[attr-defined]
        lines.append(f"- {name}: median {figures['median_ms']} ms, p99 {figures['p99_ms']} ms")
    for name in SCENARIOS:
        outcome = results.get(name)
        if not isinstance(outcome, dict):
            continue
        lines += ["", f"## {name}", ""]
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "table") and "failure" not in outcome:
            lines += module.table(outcome)
        else:
            lines.append("```\n" + json.dumps(outcome, indent=2, ensure_ascii=False, default=str)[:4000] + "\n```")
        for verdict, figures in (outcome.get("verdicts") or {}).items():
            lines.append(f"- {'holds' if figures['holds'] else '**missed**'}: {verdict} ({figures['value']})")
    text = json.dumps(results, indent=2, ensure_ascii=False, default=str)
    for stem in (stamp, "latest"):
        (out_dir / f"{stem}.json").write_text(text)
        (out_dir / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print(f"results: {out_dir / (stamp + '.json')} and .md")


if __name__ == "__main__":
    main()
