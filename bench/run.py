#!/usr/bin/env python3
"""Benchmarks on PostgreSQL with a national-scale register (make bench).

Seeds 1,000,000 people into the bench database when it does not hold them yet (or with
--reseed), then times the queries that every screen of the register depends on, and the
registration submissions per second through gunicorn (bench/registration.py, ~25 s), and the
citizen's card read against a bare endpoint (bench/card_bench.py, ~40 s). Results are
printed and written to var/bench/results.json.
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
    parser.add_argument("--skip-registration", action="store_true", help="skip the registration throughput run")
    parser.add_argument("--skip-card", action="store_true", help="skip the card read throughput run")
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    ensure_database(url)
    manage("migrate", "--noinput")

    import django

    django.setup()
    from django.db import connection

    from registry.models import HealthCard, ParticipationPeriod, Person

    results: dict[str, object] = {"database": urlparse(url).path.lstrip("/"), "people": args.people}
    if args.reseed or Person.objects.count() != args.people + 2:
        start = time.perf_counter()
        out = manage("seed_demo", "--people", str(args.people))
        results["seed_seconds"] = round(time.perf_counter() - start, 1)
        results["seed_output"] = out.strip()
        print(out.strip())
        connection.close()
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
    # The campaign dashboard of the city office (employers app, bench/campaign_bench.py).
    from bench import campaign_bench

    results["campaign_dashboard"] = campaign_bench.run()
    campaign_bench.report(results["campaign_dashboard"])  # type: ignore[arg-type]
    from bench import declarations as declarations_bench  # a 100,000-row D02-LT file imported and processed

    results["declarations"] = declarations_bench.run(100_000)
    if not args.skip_registration:
        # POST /api/v1/registrations through gunicorn with three photos each (bench/registration.py).
        from bench import registration

        connection.close()
        results["registration"] = registration.run()
        registration.report(results["registration"])  # type: ignore[arg-type]
    if not args.skip_card:
        # GET /api/v1/me/card (and /me/participation) against /api/v1/health through gunicorn.
        from bench import card_bench

        connection.close()
        results["card"] = card_bench.run()
        card_bench.report(results["card"])  # type: ignore[arg-type]
    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
