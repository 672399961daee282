#!/usr/bin/env python3
"""Throughput of the hospital counter's card check beside a bare primary-key look-up, same run.

Starts gunicorn (one sync worker per core, as bench/card_bench.py) with the project's settings
plus one extra URL, `GET /bench/person/<id>` (bench/urls_card_check.py: one `SELECT … WHERE id =`
and a small JSON answer through the same middleware), gives a few hundred bench facility logins
an API token, picks thousands of people whose card is in use (so neither the per-login nor the
per-card budget of counter.services is met), then in alternating rounds at 32 connections
measures:

- pk: GET /bench/person/<id> — the bare primary-key look-up;
- card_check: POST /api/v1/card-check {maThe, hoTen, ngaySinh, hoTenCb, cccdCb} — the whole check:
  token, officer, card, holder, newer card, visits, employer, the rate-limit counters, the audit
  row and the citizen's notification.

Every response is checked (wrk's `response` hook, or each Python client): a pk answer must be
200 with the person's BHXH code, a check 200 with `"maKetQua": "000"`; anything else counts as an
error, never as speed. The logins, tokens, their audit rows and counters are deleted afterwards.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vssid_bench .venv/bin/python bench/card_check.py
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vssid.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vssid_bench")

TARGET_SHARE_OF_PK = 75.0  # percent
ROUNDS = 3
USERNAME_PREFIX = "bench-counter-"
DEFAULT_WORKERS = os.cpu_count() or 1


def make_facility_logins(count: int) -> tuple[list[dict[str, str]], list[int]]:
    """Facility logins at one facility, each its own officer, with an API token."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import User
    from accounts.services import issue_tokens
    from places.models import HealthFacility

    facility = HealthFacility.objects.filter(code="01929").first() or HealthFacility.objects.order_by("code").first()
    password = make_password(None)
    logins, ids = [], []
    with transaction.atomic():
        for n in range(count):
            name = f"Cán bộ Thử {n}"
            cccd = f"0019{n:08d}"
            user = User.objects.create(
                username=f"{USERNAME_PREFIX}{n}",
                password=password,
                role=User.Role.FACILITY,
                facility=facility,
                officer_name=name,
                officer_cccd=cccd,
            )
            ids.append(user.pk)
            logins.append({"token": issue_tokens(user, device="bench").access_token, "hoTenCb": name, "cccdCb": cccd})
    return logins, ids


def pick_cards(count: int) -> list[dict[str, str]]:
    """People whose card is in use and valid today, with a full date of birth: each check answers 000."""
    from django.db.models import Q
    from django.utils import timezone

    from registry.models import HealthCard

    today = timezone.localdate()
    rows = (
        HealthCard.objects.filter(status="active", valid_from__lte=today, person__birth_day__isnull=False)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .exclude(participant_group__in=["QN", "CA", "CY"])
        .values_list("number", "person__full_name", "person__birth_day", "person__birth_month", "person__birth_year")
    )
    top = rows.order_by("-id").values_list("id", flat=True).first() or 0
    picked: dict[str, dict[str, str]] = {}
    rng = random.Random(13)
    for _ in range(20):
        start = rng.randint(0, max(top - count * 4, 0))
        for number, name, day, month, year in rows.filter(id__gte=start).order_by("id")[:count]:
            picked[number] = {"maThe": number, "hoTen": name, "ngaySinh": f"{day:02d}/{month:02d}/{year}"}
        if len(picked) >= count:
            break
    return list(picked.values())[:count]


def pick_people(count: int) -> list[int]:
    from registry.models import Person

    top = Person.objects.order_by("-id").values_list("id", flat=True).first() or 1
    rng = random.Random(7)
    ids = set(Person.objects.filter(id__in=[rng.randint(1, top) for _ in range(count * 2)]).values_list("id", flat=True))
    return sorted(ids)[:count]


def clean_up(user_ids: list[int]) -> dict[str, int]:
    from accounts.models import User
    from audit.models import AuditEvent
    from vssid.models import RateCounter

    audits, _ = AuditEvent.objects.filter(actor_id__in=user_ids).delete()
    counters, _ = RateCounter.objects.filter(key__startswith="card_check_").delete()
    users, _ = User.objects.filter(pk__in=user_ids).delete()
    return {"audit_rows": audits, "rate_counters": counters, "users": users}


# ---- load ---------------------------------------------------------------------------------------

_LUA_CHECK = r"""
local requests = {%(requests)s}
local expect = %(expect)s
local i = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
request = function()
  i = i + 1
  local r = requests[(i %% #requests) + 1]
  return wrk.format(r[1], r[2], r[3], r[4])
end
response = function(status, headers, body)
  if status ~= 200 or not string.find(body, expect) then bad = bad + 1 end
end
done = function(summary, latency, reqs)
  local total_bad = 0
  for _, t in ipairs(threads) do total_bad = total_bad + t:get("bad") end
  io.write(string.format("JSON {\"p50_us\": %%d, \"p99_us\": %%d, \"bad\": %%d, \"socket\": %%d}\n",
    latency:percentile(50), latency:percentile(99), total_bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string literal for this ASCII-escaped text


Request = tuple[str, str, dict[str, str], str]
"""Method, path, headers, body."""


def with_wrk(port: int, requests: list[Request], expect: str, *, seconds: float, connections: int, tmp: Path) -> dict[str, Any]:
    lines = []
    for method, path, headers, body in requests:
        lua_headers = "{" + ",".join(f"[{_lua_string(k)}]={_lua_string(v)}" for k, v in headers.items()) + "}"
        lua_body = _lua_string(body) if body else "nil"
        lines.append(f"{{{_lua_string(method)},{_lua_string(path)},{lua_headers},{lua_body}}}")
    script = tmp / "load.lua"
    script.write_text(_LUA_CHECK % {"requests": ",\n".join(lines), "expect": _lua_string(expect)})
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{int(seconds)}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    total = int(re.search(r"([0-9]+) requests in", out).group(1))  # type: ignore[union-attr]
    duration = re.search(r"requests in ([0-9.]+)(ms|s|m)", out)
    wall = float(duration.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[duration.group(2)]  # type: ignore[union-attr]
    extra = json.loads(re.search(r"^JSON (.*)$", out, re.M).group(1))  # type: ignore[union-attr]
    errors = extra["bad"] + extra["socket"]
    return {
        "tool": "wrk",
        # Only checked, correct answers count as throughput.
        "requests_per_second": round((total - errors) / wall, 1),
        "p50_ms": round(extra["p50_us"] / 1000, 1),
        "p99_ms": round(extra["p99_us"] / 1000, 1),
        "errors": errors,
        "requests": total,
    }


def with_threads(port: int, requests: list[Request], expect: str, *, seconds: float, connections: int) -> dict[str, Any]:
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "bad": 0}
    stop_at = time.monotonic() + seconds
    pattern = re.compile(expect.replace("%s*", r"\s*").replace("%", "\\").encode())

    def client(n: int) -> None:
        i, mine, ok, bad = n, [], 0, 0
        while time.monotonic() < stop_at:
            method, path, headers, body = requests[i % len(requests)]
            i += connections
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request(method, path, body=body.encode() if body else None, headers=headers)
                response = conn.getresponse()
                data = response.read()
                conn.close()
                good = response.status == 200 and pattern.search(data) is not None
            except OSError:
                good = False
            mine.append((time.perf_counter() - started) * 1000)
            ok, bad = ok + good, bad + (not good)
        with lock:
            latencies.extend(mine)
            counts["ok"] += ok
            counts["bad"] += bad

    started = time.monotonic()
    workers = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.monotonic() - started
    latencies.sort()
    return {
        "tool": "python threads",
        "requests_per_second": round(counts["ok"] / wall, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(latencies[max(int(len(latencies) * 0.99) - 1, 0)], 1) if latencies else None,
        "errors": counts["bad"],
        "requests": counts["ok"] + counts["bad"],
    }


def run(
    *,
    seconds: float = 15,
    connections: int = 32,
    workers: int = DEFAULT_WORKERS,
    logins: int = 600,
    cards: int = 3000,
    server_settings: str = "bench.settings_card_check",
) -> dict[str, Any]:
    """Both endpoints in alternating rounds (module docstring); `server_settings`: the server's settings module."""
    import django

    django.setup()
    from django.db import connection

    from bench.registration import free_port, gunicorn_command, wait_until_up
    from bench.run import vacuum_churned

    vacuum_churned()
    facility_logins, user_ids = make_facility_logins(logins)
    checks = pick_cards(cards)
    people = pick_people(2000)
    connection.close()
    if not checks or not people:
        raise RuntimeError("the bench database has no card in use: seed it first (bench/run.py)")
    tmp = Path(tempfile.mkdtemp(prefix="vssid-card-check-bench-"))
    port = free_port()
    env = {**os.environ, "LOG_LEVEL": "WARNING", "DEBUG": "", "DJANGO_SETTINGS_MODULE": server_settings}
    server = subprocess.Popen(gunicorn_command(ROOT, workers=workers, port=port, log=tmp / "gunicorn.log"), cwd=ROOT, env=env)
    use_wrk = shutil.which("wrk") is not None
    pk_requests: list[Request] = [("GET", f"/bench/person/{pid}", {}, "") for pid in people]
    check_requests: list[Request] = []
    for n, card in enumerate(checks):
        login = facility_logins[n % len(facility_logins)]
        body = json.dumps({**card, "hoTenCb": login["hoTenCb"], "cccdCb": login["cccdCb"]}, ensure_ascii=True)
        headers = {"Authorization": f"Bearer {login['token']}", "Content-Type": "application/json"}
        check_requests.append(("POST", "/api/v1/card-check", headers, body))
    endpoints = {
        "pk": (pk_requests, '"ssn":%s*"%d'),
        "card_check": (check_requests, '"maKetQua":%s*"000"'),
    }
    results: dict[str, Any] = {
        "workers": workers,
        "connections": connections,
        "seconds_each": seconds,
        "facility_logins": len(facility_logins),
        "cards": len(checks),
        "endpoints": {},
    }
    rounds: dict[str, list[dict[str, Any]]] = {}
    try:
        wait_until_up(port, server)
        warm_up_cards = 200
        for name, (requests, expect) in endpoints.items():
            # The card checks warm up on cards of their own, kept out of the rounds: a second of
            # checks on a few cards would spend their hourly budget (20) and the rounds would meet 429s.
            warming = requests[-warm_up_cards:] if name == "card_check" else requests[:8]
            warm = with_threads(port, warming, expect, seconds=1, connections=2)
            if warm["errors"]:
                raise RuntimeError(f"{name}: the warm-up got {warm['errors']} wrong answers")
        each = max(seconds / ROUNDS, 1)
        for r in range(ROUNDS):
            for name, (requests, expect) in endpoints.items():
                # Each round checks other cards: a card is checked a few times at most, far under its budget.
                share = requests[:-warm_up_cards][r::ROUNDS] if name == "card_check" else requests
                if use_wrk:
                    figures = with_wrk(port, share, expect, seconds=each, connections=connections, tmp=tmp)
                else:
                    figures = with_threads(port, share, expect, seconds=each, connections=connections)
                rounds.setdefault(name, []).append(figures)
        for name, samples in rounds.items():
            results["endpoints"][name] = {
                "tool": samples[0]["tool"],
                "rounds": len(samples),
                **{key: statistics.median(s[key] for s in samples) for key in ("requests_per_second", "p50_ms", "p99_ms")},
                "errors": sum(s["errors"] for s in samples),
                "requests": sum(s["requests"] for s in samples),
                "each_round": [{k: s[k] for k in ("requests_per_second", "p50_ms", "p99_ms", "errors")} for s in samples],
            }
    finally:
        server.terminate()
        server.wait(timeout=30)
        log = (tmp / "gunicorn.log").read_text() if (tmp / "gunicorn.log").exists() else ""
        shutil.rmtree(tmp, ignore_errors=True)
        django.db.connections.close_all()
        results["cleaned_up"] = clean_up(user_ids)
        connection.close()
    pk = results["endpoints"]["pk"]["requests_per_second"]
    card = results["endpoints"]["card_check"]
    card["percent_of_pk"] = round(100 * card["requests_per_second"] / pk, 1) if pk else None
    share = card["percent_of_pk"]
    results["card_check_meets_target"] = bool(share and share >= TARGET_SHARE_OF_PK and not card["errors"])
    if "Traceback" in log:
        results["server_errors"] = log[-2000:]
    return results


def in_process(count: int, *, profile: bool = False) -> dict[str, Any]:
    """CPU per request of N card checks beside N primary-key look-ups, through Django's test client in
    this process (no server, no network): a figure that does not depend on the machine's load.

    Also the CPU of the PostgreSQL server process serving each, and the statements one check sends.
    With `profile`, cProfile's total per check and its top entries.
    """
    import cProfile
    import io
    import pstats

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from bench.registration import backend_pid, cpu_seconds

    setup_test_environment()
    # A login checks at most 60 cards a minute (counter.services.USER_RATES): a new one every 40 checks.
    facility_logins, user_ids = make_facility_logins(count // 20 + 1)
    checks = pick_cards(count)
    people = pick_people(count)
    client = Client(HTTP_HOST="127.0.0.1")
    results: dict[str, Any] = {"checks": len(checks), "look_ups": len(people)}
    done = [0]

    def one_check(card: dict[str, str]) -> None:
        login = facility_logins[done[0] // 40 % len(facility_logins)]
        done[0] += 1
        body = json.dumps({**card, "hoTenCb": login["hoTenCb"], "cccdCb": login["cccdCb"]})
        r = client.post(
            "/api/v1/card-check", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {login['token']}"
        )
        if r.status_code != 200 or r.json()["maKetQua"] != "000":
            raise RuntimeError(f"card check: {r.status_code} {r.content[:300]!r}")

    def one_look_up(pid: int) -> None:
        r = client.get(f"/bench/person/{pid}")
        if r.status_code != 200 or "ssn" not in r.json():
            raise RuntimeError(f"pk: {r.status_code} {r.content[:300]!r}")

    try:
        for card in checks[:5]:  # warm: prepared statements, translations, imports
            one_check(card)
        for pid in people[:5]:
            one_look_up(pid)
        with CaptureQueriesContext(connection) as captured:
            one_check(checks[5])
        results["statements_per_check"] = len(captured.captured_queries)
        results["statements"] = [q["sql"][:120] for q in captured.captured_queries]
        with CaptureQueriesContext(connection) as captured:
            one_look_up(people[5])
        results["statements_per_look_up"] = len(captured.captured_queries)
        runs: list[tuple[str, Any, list[Any]]] = [("card_check", one_check, checks[6:]), ("pk", one_look_up, people[6:])]
        backend = backend_pid()
        for name, fn, items in runs:
            pg, cpu, wall = cpu_seconds([backend]), time.process_time(), time.perf_counter()
            for item in items:
                fn(item)
            n = len(items)
            results[f"{name}_cpu_ms"] = round((time.process_time() - cpu) * 1000 / n, 3)
            results[f"{name}_wall_ms"] = round((time.perf_counter() - wall) * 1000 / n, 3)
            # The PostgreSQL server process of this connection (kept for the whole run: CONN_MAX_AGE).
            results[f"{name}_postgres_cpu_ms"] = round((cpu_seconds([backend]) - pg) * 1000 / n, 3)
        if backend_pid() != backend:
            raise RuntimeError("the connection changed during the run: the PostgreSQL CPU figures are not one process's")
        results["cpu_ratio_pk_to_check_percent"] = round(100 * results["pk_cpu_ms"] / results["card_check_cpu_ms"], 1)
        if profile:
            profiler = cProfile.Profile()
            items = checks[6:]
            profiler.enable()
            for card in items:
                one_check(card)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            results["cprofile_ms_per_check"] = round(stats.total_tt * 1000 / len(items), 3)  # type: ignore[attr-defined]
            stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(int(os.environ.get("PROFILE_LINES", "35")))
            results["cprofile_top"] = out.getvalue()
    finally:
        connection.close()
        results["cleaned_up"] = clean_up(user_ids)
    return results


def report(results: dict[str, Any]) -> None:
    print(
        f"card check (gunicorn -w {results['workers']}, {results['connections']} connections, {results['seconds_each']} s each "
        f"in {ROUNDS} alternating rounds, medians; {results['facility_logins']} facility logins, {results['cards']} cards):"
    )
    for name, figures in results["endpoints"].items():
        share = f"  {figures['percent_of_pk']:5.1f}% of pk" if figures.get("percent_of_pk") is not None else ""
        print(
            f"  {name:11s} {figures['requests_per_second']:8.1f} req/s  p50 {figures['p50_ms']} ms  p99 {figures['p99_ms']} ms  "
            f"errors {figures['errors']} of {figures['requests']}{share}  [{figures['tool']}]"
        )
    verdict = "meets" if results["card_check_meets_target"] else "BELOW"
    print(f"  card check {verdict} the target (≥ {TARGET_SHARE_OF_PK:.0f}% of the primary-key look-up, no error)")


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15, help="per endpoint, split into rounds")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--logins", type=int, default=600)
    parser.add_argument("--cards", type=int, default=3000)
    parser.add_argument(
        "--in-process", type=int, default=0, metavar="N", help="CPU per request of N checks and N look-ups in this process"
    )
    parser.add_argument("--profile", action="store_true", help="with --in-process: cProfile the checks")
    args = parser.parse_args()
    if args.in_process:
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_card_check"
        figures = in_process(args.in_process, profile=args.profile)
        top = figures.pop("cprofile_top", "")
        print(json.dumps(figures, indent=2, default=str))
        print(top)
        return
    outcome = run(seconds=args.seconds, connections=args.connections, workers=args.workers, logins=args.logins, cards=args.cards)
    report(outcome)
    print(json.dumps({k: v for k, v in outcome.items() if k != "server_errors"}, indent=2, default=str))
    if "server_errors" in outcome:
        print(outcome["server_errors"], file=sys.stderr)


if __name__ == "__main__":
    main()
