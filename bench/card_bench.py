#!/usr/bin/env python3
"""The fair API benchmark: the floor, the card warm and cold, the participation history, memory.

Everything runs through the real stack: `gunicorn vssid.wsgi`, one sync worker per core, on the
bench database (settings bench.settings: the app's URLs plus two reference endpoints under
/api/bench/). Two servers run side by side and take turns, never at the same time:

- `lean`: the application as deployed (cookie-less /api/ requests take the lean stack, vssid.wsgi);
- `full`: the same with API_LEAN_STACK=0, every request through the full middleware stack.

Measured at 8 and at 32 connections, in alternating rounds (each figure the median of its rounds):

- floor (full) and floor (lean): GET /api/v1/health, the least work a request can do here (one
  `SELECT 1`) through each stack;
- ORM by PK: GET /api/bench/person/<id>, a bare ORM primary-key look-up of a person (reference);
- card warm: GET /api/v1/me/card for a few hundred citizens (their cards stay in the caches);
- card cold: the same for 20,000 distinct citizens, more than the per-process caches hold (4,096
  per worker); the hit rate of the card caches over the cold rounds is read from every worker;
- participation: GET /api/v1/me/participation for the same 20,000 citizens.

Each row also gives what the machine read from its disks during its rounds: a cold round is meant
to miss the app's caches, and where it misses the operating system's page cache too it measures
the disk.

Every response is checked (status 200 and a marker of the expected body, in wrk's Lua); a socket
error or a wrong answer counts as an error and a run with errors fails. Afterwards 10,000 mixed
requests go to the lean server and the RSS of its workers is read (target ≤ 150 MB).

The logins and tokens made for the run are deleted afterwards.

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

from bench.registration import free_port, gunicorn_command, wait_until_up  # noqa: E402 - after the path above

# Targets of the cold card and the participation, against the floor of the stack serving them.
TARGET_CARD_SHARE = 75.0  # percent of the lean floor's req/s
TARGET_PARTICIPATION_SHARE = 50.0
TARGET_CARD_P99_FACTOR = 1.3  # card p99 at 32 connections ≤ 1.3 × the floor's
TARGET_P99_AT_8_MS = 20.0
TARGET_LEAN_FACTOR = 1.5  # lean floor ≥ 1.5 × full floor
TARGET_RSS_MB = 150.0
ROUNDS = 3
USERNAME_PREFIX = "bench-card-"
WARM_CITIZENS = 300
COLD_CITIZENS = 20_000
MIXED_REQUESTS = 10_000
DEFAULT_WORKERS = os.cpu_count() or 1


# ---- citizens ----------------------------------------------------------------------------------


def make_citizens(count: int, *, spread: bool = False) -> tuple[list[str], list[int]]:
    """Citizen logins with a live API token for random people with a card in use and no account.

    Made in bulk (the same rows accounts.services.issue_tokens writes): 20,000 one by one would
    take a minute of the shared machine. By default the people hold consecutive cards from a
    random start; `spread` draws them across the whole register instead, so that no two share a
    page of its tables (a cold read at 10 million people is a read from disk, not from a warm block).
    """
    return make_logins(spread_people(count) if spread else block_of_people(count))


def block_of_people(count: int) -> list[int]:
    from registry.models import HealthCard

    top = HealthCard.objects.order_by("-id").values_list("id", flat=True).first() or 0
    rnd = random.Random()
    start = rnd.randint(0, max(top - count * 3, 0))
    person_ids = list(
        HealthCard.objects.filter(id__gt=start, status=HealthCard.Status.ACTIVE, person__account__isnull=True)
        .order_by("id")
        .values_list("person_id", flat=True)
        .distinct()[: count * 2]
    )
    person_ids = list(dict.fromkeys(person_ids))
    rnd.shuffle(person_ids)
    if len(person_ids) < count:
        raise RuntimeError(f"only {len(person_ids)} people with a card in use and no account; {count} needed")
    return person_ids[:count]


def spread_people(count: int) -> list[int]:
    from registry.models import HealthCard, Person

    top = Person.objects.order_by("-id").values_list("id", flat=True).first() or 0
    rnd = random.Random()
    candidates = list(dict.fromkeys(rnd.randint(1, top) for _ in range(count * 2)))
    found = set(
        HealthCard.objects.filter(
            person_id__in=candidates, status=HealthCard.Status.ACTIVE, person__account__isnull=True
        ).values_list("person_id", flat=True)
    )
    person_ids = [pid for pid in candidates if pid in found]
    if len(person_ids) < count:
        raise RuntimeError(f"only {len(person_ids)} of {len(candidates)} drawn people have a card in use; {count} needed")
    return person_ids[:count]


def make_logins(person_ids: list[int]) -> tuple[list[str], list[int]]:
    import secrets
    import uuid

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import ApiToken, User
    from accounts.services import ACCESS_TTL, REFRESH_TTL, _digest

    unusable = make_password(None)
    now = timezone.now()
    tokens: list[str] = []
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(username=f"{USERNAME_PREFIX}{pid}", role=User.Role.CITIZEN, person_id=pid, password=unusable)
                for pid in person_ids
            ],
            batch_size=2000,
        )
        rows = []
        for user in users:
            access = secrets.token_urlsafe(32)
            tokens.append(access)
            rows.append(
                ApiToken(
                    user=user,
                    family=uuid.uuid4(),
                    access_hash=_digest(access),
                    refresh_hash=_digest(secrets.token_urlsafe(48)),
                    access_expires_at=now + ACCESS_TTL,
                    refresh_expires_at=now + REFRESH_TTL,
                    device="bench",
                )
            )
        ApiToken.objects.bulk_create(rows, batch_size=2000)
    return tokens, [user.pk for user in users]


def delete_citizens(user_ids: list[int]) -> int:
    from accounts.models import ApiToken, User

    ApiToken.objects.filter(user_id__in=user_ids).delete()
    deleted: int = User.objects.filter(pk__in=user_ids, username__startswith=USERNAME_PREFIX).delete()[0]
    return deleted


# ---- servers -----------------------------------------------------------------------------------


class Server:
    """`gunicorn vssid.wsgi` on a free loopback port with bench.settings; stopped by stop()."""

    def __init__(self, name: str, *, workers: int, tmp: Path, env: dict[str, str] | None = None) -> None:
        self.name, self.port = name, free_port()
        self.log = tmp / f"gunicorn-{name}.log"
        environ = {**os.environ, "LOG_LEVEL": "WARNING", "DEBUG": "", "DJANGO_SETTINGS_MODULE": "bench.settings", **(env or {})}
        command = gunicorn_command(ROOT, workers=workers, port=self.port, log=self.log)
        self.process = subprocess.Popen(command, cwd=ROOT, env=environ)
        wait_until_up(self.port, self.process, timeout=60)

    def workers(self) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True, check=False)
        return [int(pid) for pid in out.stdout.split()]

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        return self.log.read_text() if self.log.exists() else ""


ROUND_FIGURES = ("requests_per_second", "p50_ms", "p99_ms", "errors", "disk_read_mb")


def disk_read_mb() -> float:
    """What the whole machine has read from its disks so far (/proc/vmstat pgpgin, kB), in MB.

    A cold round is meant to miss the app's caches, not the operating system's: where the page
    cache does not hold the tables (a small machine, or one whose cache was just emptied), the
    round measures the disk instead, and this says so beside its figures.
    """
    for line in Path("/proc/vmstat").read_text().splitlines():
        if line.startswith("pgpgin "):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def get(port: int, path: str, token: str = "", timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def check(port: int, path: str, token: str) -> int:
    return get(port, path, token)[0]


def cache_counts(port: int, workers: int) -> dict[int, dict[str, list[int]]]:
    """{pid: {cache: [hits, misses]}} of every worker (sync workers answer in turn, so ask until all did)."""
    seen: dict[int, dict[str, list[int]]] = {}
    for _ in range(400):
        status, body = get(port, "/api/bench/caches")
        if status != 200:
            raise RuntimeError(f"/api/bench/caches answered {status}")
        answer = json.loads(body)
        seen[answer["pid"]] = answer["caches"]
        if len(seen) >= workers:
            break
    return seen


def hit_rate(before: dict[int, dict[str, list[int]]], after: dict[int, dict[str, list[int]]]) -> dict[str, float | None]:
    rates: dict[str, float | None] = {}
    for cache in next(iter(after.values())):
        hits = sum(after[pid][cache][0] - before.get(pid, {}).get(cache, [0, 0])[0] for pid in after)
        misses = sum(after[pid][cache][1] - before.get(pid, {}).get(cache, [0, 0])[1] for pid in after)
        rates[cache] = round(100 * hits / (hits + misses), 1) if hits + misses else None
    return rates


# ---- load --------------------------------------------------------------------------------------


def _lua_list(values: list[str]) -> str:
    return "{" + ",".join(json.dumps(v) for v in values) + "}"


def wrk_script(paths: list[str], tokens: list[str], marker: str) -> str:
    """A wrk script: requests cycle through (path, token) pairs from a random start per thread;
    every response must be a 200 whose body holds `marker`, and done() sums the failures."""
    return (
        f"local paths = {_lua_list(paths)}\n"
        f"local tokens = {_lua_list(tokens or [''])}\n"
        f"local marker = {json.dumps(marker)}\n"
        "local threads = {}\n"
        "local next_id = 1\n"
        "function setup(thread)\n"
        "  thread:set('id', next_id); next_id = next_id + 1\n"
        "  table.insert(threads, thread)\n"
        "end\n"
        "function init(args)\n"
        "  math.randomseed(os.time() * 1000 + id)\n"
        "  i = math.random(1, 1000000); failures = 0; answered = 0\n"
        "end\n"
        "function request()\n"
        "  i = i + 1\n"
        "  local t = tokens[(i % #tokens) + 1]\n"
        "  local headers = {}\n"
        "  if t ~= '' then headers['Authorization'] = 'Bearer ' .. t end\n"
        "  return wrk.format('GET', paths[(i % #paths) + 1], headers)\n"
        "end\n"
        "function response(status, headers, body)\n"
        "  answered = answered + 1\n"
        "  if status ~= 200 or not string.find(body, marker, 1, true) then failures = failures + 1 end\n"
        "end\n"
        "function done(summary, latency, requests)\n"
        "  local f, a = 0, 0\n"
        "  for _, t in ipairs(threads) do f = f + t:get('failures'); a = a + t:get('answered') end\n"
        "  local se = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout\n"
        '  io.write(string.format("JSON {\\"p50_us\\": %d, \\"p99_us\\": %d, \\"failures\\": %d, '
        '\\"answered\\": %d, \\"socket_errors\\": %d}\\n",\n'
        "    latency:percentile(50), latency:percentile(99), f, a, se))\n"
        "end\n"
    )


def with_wrk(
    port: int,
    path: str | list[str],
    tokens: list[str],
    *,
    seconds: float,
    connections: int,
    tmp: Path,
    marker: str = "",
    requests: int | None = None,
) -> dict[str, Any]:
    """wrk against one endpoint (or a list of paths taken in turn); checked answers, errors counted."""
    paths = [path] if isinstance(path, str) else path
    script = tmp / "load.lua"
    script.write_text(wrk_script(paths, tokens, marker))
    threads = min(2, connections)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(int(seconds), 1)}s", "--latency"]
    command += ["-s", str(script), f"http://127.0.0.1:{port}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 120).stdout
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    extra = json.loads(re.search(r"^JSON (.*)$", out, re.M).group(1))  # type: ignore[union-attr]
    return {
        "tool": "wrk",
        "requests_per_second": round(rps, 1),
        "p50_ms": round(extra["p50_us"] / 1000, 2),
        "p99_ms": round(extra["p99_us"] / 1000, 2),
        "requests": extra["answered"],
        "errors": extra["failures"] + extra["socket_errors"],
    }


def with_threads(
    port: int, path: str | list[str], tokens: list[str], *, seconds: float, connections: int, **_: Any
) -> dict[str, Any]:
    """Python threads with http.client when wrk is missing (they cost the two cores more).

    `path` may be a list (the ORM look-ups): the threads cycle through it, as wrk's script does."""
    paths = [path] if isinstance(path, str) else path
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    stop_at = time.monotonic() + seconds

    def client(n: int) -> None:
        i = n
        mine: list[float] = []
        seen: Counter[str] = Counter()
        while time.monotonic() < stop_at:
            token = tokens[i % len(tokens)] if tokens else ""
            target = paths[i % len(paths)]
            i += connections
            started = time.perf_counter()
            try:
                outcome = str(get(port, target, token)[0])
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
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(latencies[max(int(len(latencies) * 0.99) - 1, 0)], 2) if latencies else None,
        "requests": total,
        "errors": sum(n for status, n in statuses.items() if status != "200"),
    }


# ---- the run -----------------------------------------------------------------------------------


def run(
    *,
    seconds: float = 3,
    connections: tuple[int, ...] = (8, 32),
    workers: int = DEFAULT_WORKERS,
    warm: int = WARM_CITIZENS,
    cold: int = COLD_CITIZENS,
    rounds: int = ROUNDS,
    mixed: int = MIXED_REQUESTS,
) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    from registry.models import Person

    started = time.monotonic()
    tokens, user_ids = make_citizens(warm + cold)
    warm_tokens, cold_tokens = tokens[:warm], tokens[warm:]
    top = Person.objects.order_by("-id").values_list("id", flat=True).first() or 1
    person_paths = [f"/api/bench/person/{random.randint(1, top)}" for _ in range(5000)]
    person_paths = [p for p in person_paths if Person.objects.filter(pk=int(p.rsplit("/", 1)[1])).exists()]
    connection.close()
    tmp = Path(tempfile.mkdtemp(prefix="vssid-api-bench-"))
    use_wrk = shutil.which("wrk") is not None
    load = with_wrk if use_wrk else with_threads
    servers: dict[str, Server] = {}
    results: dict[str, Any] = {
        "workers": workers,
        "connections": list(connections),
        "seconds_each": seconds,
        "rounds": rounds,
        "citizens": {"warm": len(warm_tokens), "cold": len(cold_tokens)},
        "tool": "wrk" if use_wrk else "python threads",
        # Other work on the machine moves every figure; the alternating rounds only even it out.
        "load_average_before": os.getloadavg(),
        "endpoints": {},
    }
    # name: (server, path or paths, tokens, marker of a right answer)
    endpoints: dict[str, tuple[str, str | list[str], list[str], str]] = {
        "floor (full stack)": ("full", "/api/v1/health", [], '"ok"'),
        "floor (lean stack)": ("lean", "/api/v1/health", [], '"ok"'),
        "ORM person by PK": ("lean", person_paths, [], '"ssn"'),
        "card warm": ("lean", "/api/v1/me/card", warm_tokens, '"qr_payload"'),
        "card cold": ("lean", "/api/v1/me/card", cold_tokens, '"qr_payload"'),
        "participation": ("lean", "/api/v1/me/participation", cold_tokens, '"periods"'),
    }
    logs: dict[str, str] = {}
    try:
        servers["lean"] = Server("lean", workers=workers, tmp=tmp)
        servers["full"] = Server("full", workers=workers, tmp=tmp, env={"API_LEAN_STACK": "0"})
        for name, (server, path, keys, marker) in endpoints.items():
            first = path if isinstance(path, str) else path[0]
            status, body = get(servers[server].port, first, keys[0] if keys else "", timeout=120)  # workers booting
            if status != 200 or marker.encode() not in body:
                raise RuntimeError(f"{name}: {first} answered {status} {body[:200]!r} before the run")
            # Warm-up: imports, connections, prepared statements in every worker (not the card caches
            # of the cold set: the warm-up takes the warm tokens).
            keys = keys if name != "card cold" else warm_tokens
            load(servers[server].port, path, keys, seconds=1, connections=8, tmp=tmp, marker=marker)
        samples: dict[tuple[str, int], list[dict[str, Any]]] = {}
        cold_hits: list[dict[str, float | None]] = []
        for _ in range(rounds):
            for conns in connections:
                for name, (server, path, keys, marker) in endpoints.items():
                    port = servers[server].port
                    before = cache_counts(port, workers) if name == "card cold" else None
                    read_before = disk_read_mb()
                    figures = load(port, path, keys, seconds=seconds, connections=conns, tmp=tmp, marker=marker)
                    figures["disk_read_mb"] = round(disk_read_mb() - read_before, 1)
                    if before is not None:
                        cold_hits.append(hit_rate(before, cache_counts(port, workers)))
                    samples.setdefault((name, conns), []).append(figures)
        for (name, conns), runs in samples.items():
            shown = endpoints[name][1] if isinstance(endpoints[name][1], str) else "/api/bench/person/<id>"
            results["endpoints"].setdefault(name, {"path": shown})
            results["endpoints"][name][str(conns)] = {
                **{key: statistics.median(s[key] for s in runs) for key in ("requests_per_second", "p50_ms", "p99_ms")},
                "requests": sum(s["requests"] for s in runs),
                "errors": sum(s["errors"] for s in runs),
                "disk_read_mb": round(sum(s["disk_read_mb"] for s in runs), 1),
                "each_round": [{k: s[k] for k in ROUND_FIGURES} for s in runs],
            }
        results["card_cold_cache_hit_rate_percent"] = {
            cache: (round(statistics.mean(r[cache] for r in cold_hits if r[cache] is not None), 1) if cold_hits else None)
            for cache in (cold_hits[0] if cold_hits else {})
        }
        results["memory"] = memory_after_mixed(servers["lean"], warm_tokens + cold_tokens, mixed=mixed, tmp=tmp, use_wrk=use_wrk)
    finally:
        for name, server in servers.items():
            logs[name] = server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        results["users_deleted"] = delete_citizens(user_ids)
        connection.close()
    errors = [log[-3000:] for log in logs.values() if "Traceback" in log]
    if errors:
        results["server_errors"] = "\n".join(errors)
    results["verdicts"] = verdicts(results)
    results["errors"] = sum(f[c]["errors"] for f in results["endpoints"].values() for c in map(str, connections)) + len(errors)
    results["errors"] += results["memory"].get("errors", 0)
    results["seconds"] = round(time.monotonic() - started, 1)
    results["load_average_after"] = os.getloadavg()
    return results


def memory_after_mixed(server: Server, tokens: list[str], *, mixed: int, tmp: Path, use_wrk: bool) -> dict[str, Any]:
    """RSS of every worker of `server` after `mixed` requests across the citizen's screens."""
    paths = ["/api/v1/me/card", "/api/v1/me/participation", "/api/v1/me/benefits", "/api/v1/me/medical-visits", "/api/v1/health"]
    paths += ["/api/v1/me/participation?scheme=bhyt", "/api/v1/me/card", "/api/v1/me"]
    paths = [path for path in paths if get(server.port, path, tokens[0])[0] == 200]  # those served here
    done, errors = 0, 0
    while done < mixed and use_wrk:
        # The same path list with a token each: every kind of answer, each a JSON body.
        figures = with_wrk(server.port, paths, tokens, seconds=3, connections=8, tmp=tmp, marker="")
        done += figures["requests"]
        errors += figures["errors"]
    if not use_wrk:
        for n in range(mixed):
            errors += get(server.port, paths[n % len(paths)], tokens[n % len(tokens)])[0] != 200
        done = mixed
    rss = {str(pid): rss_mb(pid) for pid in server.workers()}
    most = max(rss.values(), default=0.0)
    return {"requests": done, "errors": errors, "paths": paths, "worker_rss_mb": rss, "max_rss_mb": most}


def in_process(*, requests: int = 2000, rounds: int = ROUNDS, warm: int = WARM_CITIZENS) -> dict[str, Any]:
    """CPU per request of the floor (both stacks), the card warm and cold and the participation, in this process.

    The same WSGI applications the servers run (vssid.wsgi's dispatch, and a plain WSGIHandler for
    the full stack), called directly with a wrk-like request in alternating rounds: no sockets,
    no server, no client, so the figures hardly move with the machine's other work, unlike the
    throughput of run(). Throughput adds the server's own cost per request (gunicorn's parsing,
    a connection per request, the client, PostgreSQL's side) to every endpoint alike, so the
    shares of run() are closer to 1 than these CPU ratios. `requests` distinct citizens make the
    cold card (its caches emptied before each of its rounds). Must run before django.setup() here.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import io

    import vssid.wsgi  # first: sets Django up with the bench's settings

    application = vssid.wsgi.application
    from django.core.handlers.wsgi import WSGIHandler

    from api.routers.card import _card_json
    from registry.card import _card_view

    full = WSGIHandler()
    tokens, user_ids = make_citizens(warm + requests)
    warm_tokens, cold_tokens = tokens[:warm], tokens[warm:]

    def environ(path: str, token: str) -> dict[str, Any]:
        env: dict[str, Any] = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if token:
            env["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return env

    def call(app: Any, env: dict[str, Any], marker: bytes) -> None:
        status: list[str] = []
        chunks = app(env, lambda s, h, *a: status.append(s))
        body = b"".join(chunks)
        getattr(chunks, "close", lambda: None)()
        if not status[0].startswith("200") or marker not in body:
            raise RuntimeError(f"{env['PATH_INFO']} answered {status[0]} {body[:200]!r}")

    # name: (application, path, tokens, marker of a right answer)
    endpoints: dict[str, tuple[Any, str, list[str], bytes]] = {
        "floor (full stack)": (full, "/api/v1/health", [""], b'"ok"'),
        "floor (lean stack)": (application, "/api/v1/health", [""], b'"ok"'),
        "card warm": (application, "/api/v1/me/card", warm_tokens, b'"qr_payload"'),
        "card cold": (application, "/api/v1/me/card", cold_tokens, b'"qr_payload"'),
        "participation": (application, "/api/v1/me/participation", cold_tokens, b'"periods"'),
    }
    samples: dict[str, list[float]] = {name: [] for name in endpoints}
    try:
        for app, path, keys, marker in endpoints.values():  # imports, connection, prepared statements
            for token in warm_tokens[:20] if keys[0] else [""] * 20:
                call(app, environ(path, token), marker)
        for _ in range(rounds):
            for name, (app, path, keys, marker) in endpoints.items():
                envs = [environ(path, keys[n % len(keys)]) for n in range(requests)]
                if name == "card cold":
                    _card_view.cache_clear()
                    _card_json.cache_clear()
                cpu = time.process_time()
                for env in envs:
                    call(app, env, marker)
                samples[name].append((time.process_time() - cpu) * 1e6 / requests)
    finally:
        delete_citizens(user_ids)
    cpu_us = {name: round(statistics.median(values), 1) for name, values in samples.items()}
    lean, cold = cpu_us["floor (lean stack)"], cpu_us["card cold"]
    return {
        "requests_each": requests,
        "rounds": rounds,
        "cpu_us_per_request": cpu_us,
        "each_round": {name: [round(v, 1) for v in values] for name, values in samples.items()},
        "full_over_lean_cpu": round(cpu_us["floor (full stack)"] / lean, 2),
        "card_cold_over_lean_cpu": round(cold / lean, 2),
        "load_average": os.getloadavg(),
    }


def verdicts(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    e = results["endpoints"]
    lean, full = e["floor (lean stack)"], e["floor (full stack)"]
    card, part = e["card cold"], e["participation"]
    out: dict[str, dict[str, Any]] = {}
    for conns in map(str, results["connections"]):
        floor = lean[conns]["requests_per_second"]
        out[f"card cold ≥ {TARGET_CARD_SHARE:.0f}% of the lean floor @{conns}"] = {
            "value": round(100 * card[conns]["requests_per_second"] / floor, 1),
            "holds": card[conns]["requests_per_second"] >= floor * TARGET_CARD_SHARE / 100,
        }
        out[f"participation ≥ {TARGET_PARTICIPATION_SHARE:.0f}% of the lean floor @{conns}"] = {
            "value": round(100 * part[conns]["requests_per_second"] / floor, 1),
            "holds": part[conns]["requests_per_second"] >= floor * TARGET_PARTICIPATION_SHARE / 100,
        }
        out[f"lean floor ≥ {TARGET_LEAN_FACTOR}× the full floor @{conns}"] = {
            "value": round(floor / full[conns]["requests_per_second"], 2),
            "holds": floor >= TARGET_LEAN_FACTOR * full[conns]["requests_per_second"],
        }
    if "32" in card:
        out[f"card cold p99 @32 ≤ {TARGET_CARD_P99_FACTOR}× the floor's"] = {
            "value": round(card["32"]["p99_ms"] / lean["32"]["p99_ms"], 2),
            "holds": card["32"]["p99_ms"] <= TARGET_CARD_P99_FACTOR * lean["32"]["p99_ms"],
        }
    if "8" in card:
        for name in ("card cold", "participation"):
            out[f"{name} p99 @8 ≤ {TARGET_P99_AT_8_MS:.0f} ms"] = {
                "value": e[name]["8"]["p99_ms"],
                "holds": e[name]["8"]["p99_ms"] <= TARGET_P99_AT_8_MS,
            }
    out[f"worker RSS after {results['memory']['requests']:,} mixed requests ≤ {TARGET_RSS_MB:.0f} MB"] = {
        "value": results["memory"]["max_rss_mb"],
        "holds": results["memory"]["max_rss_mb"] <= TARGET_RSS_MB,
    }
    return out


def table(results: dict[str, Any]) -> list[str]:
    """The Markdown rows of the run: one per endpoint, req/s and p50/p99 at each connection count."""
    conns = list(map(str, results["connections"]))
    floor = results["endpoints"]["floor (lean stack)"]
    head = "| endpoint | " + " | ".join(f"req/s @{c} | p50 @{c} | p99 @{c} | % floor @{c}" for c in conns)
    head += " | disk read | errors |"
    lines = [head, "|" + "---|" * (3 + 4 * len(conns))]
    for name, figures in results["endpoints"].items():
        cells = []
        for c in conns:
            f = figures[c]
            share = 100 * f["requests_per_second"] / floor[c]["requests_per_second"]
            cells.append(f"{f['requests_per_second']:,.0f} | {f['p50_ms']:.1f} ms | {f['p99_ms']:.1f} ms | {share:.0f} %")
        errors = sum(figures[c]["errors"] for c in conns)
        read = sum(figures[c].get("disk_read_mb", 0.0) for c in conns)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {read:,.0f} MB | {errors} |")
    memory = results["memory"]
    lines += [
        "",
        f"- card cold, cache hit rate (%): {results['card_cold_cache_hit_rate_percent']}",
        f"- worker RSS after {memory['requests']:,} mixed requests: {memory['worker_rss_mb']} MB",
        f"- load average before / after: {results['load_average_before']} / {results['load_average_after']}",
    ]
    return lines


def report(results: dict[str, Any]) -> None:
    print(
        f"API through gunicorn -w {results['workers']} ({results['tool']}, {results['seconds_each']} s × "
        f"{results['rounds']} alternating rounds, medians; {results['citizens']['cold']:,} cold citizens):"
    )
    for line in table(results):
        print("  " + line)
    print(f"  card cold cache hit rate: {results['card_cold_cache_hit_rate_percent']}")
    print(f"  load average before / after: {results['load_average_before']} / {results['load_average_after']}")
    memory = results["memory"]
    print(f"  worker RSS after {memory['requests']:,} mixed requests: {memory['worker_rss_mb']} MB")
    for name, verdict in results["verdicts"].items():
        print(f"  {'holds' if verdict['holds'] else 'MISSED':6s} {name}: {verdict['value']}")
    if results["errors"]:
        print(f"  ERRORS: {results['errors']} wrong answers or server errors", file=sys.stderr)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3, help="per endpoint, connection count and round")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--cold", type=int, default=COLD_CITIZENS)
    parser.add_argument("--mixed", type=int, default=MIXED_REQUESTS)
    parser.add_argument(
        "--in-process",
        type=int,
        metavar="N",
        help="instead: CPU per request of each endpoint through the WSGI applications in this process, N requests a round",
    )
    args = parser.parse_args()
    if args.in_process:
        print(json.dumps(in_process(requests=args.in_process, rounds=args.rounds), indent=2, default=str))
        sys.exit(0)
    outcome = run(seconds=args.seconds, rounds=args.rounds, workers=args.workers, cold=args.cold, mixed=args.mixed)
    report(outcome)
    print(json.dumps({k: v for k, v in outcome.items() if k != "server_errors"}, indent=2, default=str))
    if "server_errors" in outcome:
        print(outcome["server_errors"], file=sys.stderr)
    sys.exit(1 if outcome["errors"] else 0)
