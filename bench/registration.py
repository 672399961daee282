#!/usr/bin/env python3
"""Registration submissions per second through the real stack (gunicorn + PostgreSQL), against a
bare endpoint that receives the same request and discards it, in the same run.

Starts `gunicorn vssid.wsgi -w 2` on a free loopback port against the bench database, with the
settings of bench/registration_settings.py (the site plus `POST /api/v1/bench/discard`). Then
concurrent clients POST the same three-photo multipart body (1280×960 JPEGs of ~150 kB) in
alternating rounds: to the bare endpoint, to /api/v1/registrations (each for a different person of
the register whose data matches), to the bare endpoint again. The target: the registration at
least TARGET_RATIO of the bare endpoint's rate. Every response is checked; errors are reported.

The photos are checked on the request and re-encoded by the worker (enrollment.photo_work); the
worker's share is measured after the rounds by running its function on registrations of the run,
as CPU per registration. Every row the run adds is deleted afterwards (registrations, OTPs,
outbox, audit, queued tasks, rate counters) and the photos live in a temporary MEDIA_ROOT, so the bench database
stays reusable.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vssid_bench .venv/bin/python bench/registration.py

From another script: `results = bench.registration.run(); bench.registration.report(results)`.
"""

from __future__ import annotations

import datetime as dt
import http.client
import io
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vssid.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vssid_bench")

TARGET_PER_SECOND = 50  # how many applicants to prepare per second of a round
TARGET_RATIO = 0.5  # the registration's rate against the bare endpoint's
REGISTER, DISCARD = "/api/v1/registrations", "/api/v1/bench/discard"
OFFICE, PROVINCE = "00106", "01"


@dataclass(frozen=True)
class Applicant:
    full_name: str
    ssn: str
    date_of_birth: str
    sex: int
    phone: str
    address: str


def make_photo(seed: int) -> bytes:
    """A 1280×960 JPEG of ~150 kB: gradients, blocks, text and sensor noise, like a phone photo of a card."""
    from PIL import Image, ImageChops, ImageDraw

    rnd = random.Random(seed)
    w, h = 1280, 960
    red = Image.linear_gradient("L").rotate(rnd.randint(0, 359)).resize((w, h))
    green = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize((w, h))
    blue = Image.radial_gradient("L").resize((w, h))
    image = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rnd.randint(0, w), rnd.randint(0, h)
        colour = (rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(0, 255))
        draw.rectangle([x, y, x + rnd.randint(20, 300), y + rnd.randint(10, 80)], fill=colour)
    for _ in range(40):
        draw.text((rnd.randint(0, w), rnd.randint(0, h)), "CAN CUOC CONG DAN 001090012345", fill=(0, 0, 0))
    noise = Image.effect_noise((w, h), 3).convert("RGB")
    image = ImageChops.add(image, noise, scale=1.0, offset=-125)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def pick_applicants(count: int) -> list[Applicant]:
    """People who may register: no account, no registration, a full date of birth, alive."""
    from registry.models import Person
    from vssid.phone import local_phone

    top = Person.objects.order_by("-id").values_list("id", flat=True).first() or 0
    start = random.Random().randint(0, max(top - count * 3, 0))
    rows = (
        Person.objects.filter(
            id__gt=start,
            account__isnull=True,
            registrations__isnull=True,
            birth_month__isnull=False,
            birth_day__isnull=False,
            died_on__isnull=True,
        )
        .order_by("id")
        .values_list("full_name", "ssn", "birth_year", "birth_month", "birth_day", "sex", "phone")[:count]
    )
    applicants = []
    for i, (name, ssn, year, month, day, sex, phone) in enumerate(rows):
        local = local_phone(phone) if phone else f"0912{i:06d}"
        address = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        applicants.append(Applicant(name, ssn, dt.date(year, month, day).isoformat(), sex, local, address))
    return applicants


class Multipart:
    """The request body: the three photos are encoded once, the text fields per request."""

    def __init__(self, photos: dict[str, bytes]) -> None:
        self.boundary = uuid.uuid4().hex
        tail = b""
        for name, content in photos.items():
            tail += (
                (
                    f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}.jpg"\r\n'
                    "Content-Type: image/jpeg\r\n\r\n"
                ).encode()
                + content
                + b"\r\n"
            )
        self.tail = tail + f"--{self.boundary}--\r\n".encode()
        self.content_type = f"multipart/form-data; boundary={self.boundary}"

    def body(self, applicant: Applicant) -> bytes:
        fields = {
            "full_name": applicant.full_name,
            "ssn": applicant.ssn,
            "date_of_birth": applicant.date_of_birth,
            "sex": str(applicant.sex),
            "phone": applicant.phone,
            "province_code": PROVINCE,
            "street": "Số 1 phố Tôn Đức Thắng",
            "office_code": OFFICE,
        }
        head = "".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            for key, value in fields.items()
        )
        return head.encode() + self.tail


def gunicorn_command(root: Path, *, workers: int, port: int, log: Path | None = None) -> list[str]:
    """`gunicorn vssid.wsgi` as every benchmark starts it: `workers` sync workers on a loopback port.

    Without gunicorn's control socket: its default is one path, which two servers at once (the
    A/B scripts, bin/cluster) fought over. `log`: the error log's file, else standard error.
    """
    command = [str(root / ".venv/bin/gunicorn"), "vssid.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "--no-control-socket"]
    if log is not None:
        command += ["--error-logfile", str(log)]
    return command


def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Until the server answers its health check; raises if it exits or is not up in `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited at start-up ({server.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /api/v1/health within {timeout:.0f} s")


def drive(
    port: int,
    applicants: list[Applicant],
    multipart: Multipart,
    *,
    seconds: float,
    clients: int,
    path: str = REGISTER,
) -> dict[str, Any]:
    """POST `path` from `clients` threads for `seconds`, one applicant each (registrations: 201; bare: 204)."""
    expected = "201" if path == REGISTER else "204"
    lock = threading.Lock()
    queue = iter(applicants)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < stop_at:
            with lock:
                applicant = next(queue, None)
            if applicant is None:
                return
            body = multipart.body(applicant)
            started = time.perf_counter()
            try:
                # Sync gunicorn workers close the connection after each response: one per request.
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                # Each applicant from an address of their own, as citizens on their own phones
                # behind the load balancer: the per-address budgets are a defence against one
                # machine, which this load generator is not meant to model.
                headers = {"Content-Type": multipart.content_type, "X-Forwarded-For": applicant.address}
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                payload = response.read()
                conn.close()
                outcome = str(response.status)
                if outcome != expected:
                    outcome += " " + str(json.loads(payload).get("code", "?")) if payload.startswith(b"{") else ""
            except OSError as exc:
                outcome = type(exc).__name__
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                statuses[outcome] += 1
                if outcome == expected:
                    latencies.append(elapsed)

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    wall = time.monotonic() - started
    latencies.sort()
    ok = statuses.get(expected, 0)
    return {
        "path": path,
        "seconds": round(wall, 1),
        "clients": clients,
        "requests": ok,
        "per_second": round(ok / wall, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(latencies[max(int(len(latencies) * 0.99) - 1, 0)], 1) if latencies else None,
        "errors": sum(n for status, n in statuses.items() if status != expected),
        "statuses": dict(statuses),
    }


def cpu_seconds(pids: list[int]) -> float:
    """CPU time of these processes so far, every thread of each (Linux /proc).

    From each thread's schedstat, the scheduler's own count in nanoseconds: /proc/<pid>/stat's
    user and system times are sampled at each clock tick (10 ms), which a process that runs for
    a fraction of a millisecond at a time — a database server answering one query — can miss or
    be charged for whole. Falls back to those times where schedstat is missing.
    """
    total = 0.0
    for pid in pids:
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
            total += sum(int((task / "schedstat").read_text().split()[0]) for task in tasks) / 1e9
        except FileNotFoundError:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
        except OSError:
            continue
    return total


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat: other programs' load shows here too."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def postgres_pids() -> list[int]:
    """The server processes of the bench database's connections (the gunicorn workers' ones)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        pids = [row[0] for row in cursor.fetchall()]
    connection.close()
    return pids


def backend_pid() -> int:
    """The PostgreSQL server process of this process's connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid: int = cursor.fetchone()[0]
    return pid


def worker_pids(master: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def high_water_marks() -> dict[Any, Any]:
    from accounts.models import OneTimeCode
    from audit.models import AuditEvent
    from enrollment.models import Registration
    from messaging.models import Message
    from vssid.models import RateCounter

    # The rate counters too: each applicant's address, phone and person get budgets, and a run
    # that left them would refuse the next runs that pick the same addresses and people.
    return {
        model: model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
        for model in (AuditEvent, Message, OneTimeCode, Registration, RateCounter)
    }


def clean_up(marks: dict[Any, Any], started_at: dt.datetime) -> dict[str, int]:
    """Delete every row the run added; the bench database is left as it was."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    deleted: dict[str, int] = {}
    with transaction.atomic():
        for model, high in marks.items():
            deleted[model._meta.label] = model._default_manager.filter(pk__gt=high).delete()[0]
        # The tasks the run enqueued: SMS deliveries and photo re-encodings (no worker runs during
        # the bench; worker_share calls the photos' function itself).
        paths = ("messaging.tasks.deliver", "enrollment.photo_work.clean_registration_photos")
        deleted["tasks"] = DBTaskResult.objects.filter(enqueued_at__gte=started_at, task_path__in=paths).delete()[0]
    return deleted


def worker_share(marks: dict[Any, Any], media: Path, sample: int = 60) -> dict[str, Any]:
    """The worker's part, measured: enrollment.photo_work.finish_photos on registrations of the run."""
    from django.test import override_settings

    from enrollment.models import Registration
    from enrollment.photo_work import finish_photos

    high = next(v for model, v in marks.items() if model is Registration)
    ids = list(Registration.objects.filter(pk__gt=high, photos_pending=True).order_by("pk").values_list("pk", flat=True)[:sample])
    if not ids:
        return {"registrations": 0}
    with override_settings(MEDIA_ROOT=str(media)):
        started, cpu = time.perf_counter(), time.process_time()
        photos = sum(finish_photos(registration_id) for registration_id in ids)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "registrations": len(ids),
        "photos_made_clean": photos,
        "cpu_ms_per_registration": round(cpu * 1000 / len(ids), 1),
        "registrations_per_second_one_worker": round(len(ids) / wall, 1),
    }


def run(*, seconds: float = 10, clients: int = 12, workers: int = 2, profile: bool = False) -> dict[str, Any]:
    """Bare, registration, bare: `seconds` each, through one gunicorn; the figures as a dict (report() prints it)."""
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    photos = {name: make_photo(seed) for seed, name in enumerate(("id_front", "id_back", "portrait"))}
    multipart = Multipart(photos)
    applicants = pick_applicants(int(seconds * TARGET_PER_SECOND * 4))
    marks = high_water_marks()
    started_at = timezone.now()
    connection.close()

    tmp = Path(tempfile.mkdtemp(prefix="vssid-bench-"))
    port = free_port()
    env = {**os.environ, **server_environment(tmp)}
    server = subprocess.Popen(gunicorn_command(ROOT, workers=workers, port=port, log=tmp / "gunicorn.log"), cwd=ROOT, env=env)
    spies: list[subprocess.Popen[bytes]] = []
    results: dict[str, Any] = {}
    try:
        wait_until_up(port, server)
        if profile:
            spies = start_profilers(server.pid, tmp, seconds)
        warm_up = applicants[: workers * 3]
        drive(port, warm_up, multipart, seconds=seconds, clients=workers)  # imports, catalogs, connections
        drive(port, warm_up, multipart, seconds=seconds, clients=workers, path=DISCARD)
        applicants = applicants[len(warm_up) :]
        workers_pids = worker_pids(server.pid)
        # The workers keep their connections (CONN_MAX_AGE), opened during the warm-up.
        backends = postgres_pids()
        bare_cpu = cpu_seconds(workers_pids)
        bare = [drive(port, applicants, multipart, seconds=seconds, clients=clients, path=DISCARD)]
        bare_cpu = cpu_seconds(workers_pids) - bare_cpu
        pg_before = cpu_seconds(backends)
        before = cpu_seconds(workers_pids), resource.getrusage(resource.RUSAGE_SELF), machine_ticks()
        registration = drive(port, applicants, multipart, seconds=seconds, clients=clients)
        after = cpu_seconds(workers_pids), resource.getrusage(resource.RUSAGE_SELF), machine_ticks()
        pg_used = cpu_seconds(backends) - pg_before
        bare.append(drive(port, applicants, multipart, seconds=seconds, clients=clients, path=DISCARD))
        done = max(registration["requests"], 1)
        client_used = (after[1].ru_utime + after[1].ru_stime) - (before[1].ru_utime + before[1].ru_stime)
        ours = (after[0] - before[0]) + pg_used + client_used
        cores = os.cpu_count() or 1
        bare_rate = statistics.mean(b["per_second"] for b in bare)
        results = {
            "registration": registration,
            "bare": bare,
            "registrations_per_second": registration["per_second"],
            "bare_per_second": round(bare_rate, 1),
            "ratio": round(registration["per_second"] / bare_rate, 2) if bare_rate else None,
            "target_ratio": TARGET_RATIO,
            "errors": registration["errors"] + sum(b["errors"] for b in bare),
            "cpu_ms_per_registration": {
                "gunicorn_workers": round((after[0] - before[0]) * 1000 / done, 1),
                "postgres": round(pg_used * 1000 / done, 1),
                "load_generator": round(client_used * 1000 / done, 1),
            },
            "cpu_ms_per_bare_request": {"gunicorn_workers": round(bare_cpu * 1000 / max(bare[0]["requests"], 1), 2)},
        }
        busy, total = after[2][0] - before[2][0], after[2][1] - before[2][1]
        results["cpu"] = {
            "cores": cores,
            "machine_busy_percent": round(100 * busy / max(total, 1)),
            "used_by_this_run_percent": round(100 * ours / (registration["seconds"] * cores)),
        }
    finally:
        for spy in spies:
            spy.wait(timeout=seconds + 30)
        server.terminate()
        server.wait(timeout=30)
        try:
            if results:
                results["worker"] = worker_share(marks, tmp / "media")
        finally:
            results_cleanup = clean_up(marks, started_at)
            stored = sum(1 for p in (tmp / "media").rglob("*") if p.is_file()) if (tmp / "media").exists() else 0
            sms = sum(1 for _ in (tmp / "sms.jsonl").open()) if (tmp / "sms.jsonl").exists() else 0
            log = (tmp / "gunicorn.log").read_text() if (tmp / "gunicorn.log").exists() else ""
            if profile:
                (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
                for stacks in tmp.glob("profile-*.txt"):
                    shutil.copy(stacks, ROOT / "var" / "bench" / stacks.name)
            shutil.rmtree(tmp, ignore_errors=True)
    results.update(
        workers=workers,
        clients=clients,
        photo_kb=[round(len(p) / 1024) for p in photos.values()],
        body_kb=round(len(multipart.tail) / 1024),
        photos_stored_then_removed=stored,
        sms_written=sms,
        cleaned_rows=results_cleanup,
    )
    if "Traceback" in log:
        results["server_errors"] = log[-2000:]
    return results


def start_profilers(master: int, tmp: Path, seconds: float) -> list[subprocess.Popen[bytes]]:
    """py-spy on each gunicorn worker for the run (pip install py-spy into .venv first)."""
    children = [str(pid) for pid in worker_pids(master)]
    spy = ROOT / ".venv/bin/py-spy"
    return [
        subprocess.Popen(
            [str(spy), "record", "-p", pid, "-d", str(int(seconds)), "-f", "raw", "-o", str(tmp / f"profile-{pid}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in children
    ]


def server_environment(tmp: Path) -> dict[str, str]:
    """The environment the bench's server runs with: its settings, the proxy in front, files under `tmp`."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.registration_settings",
        "TRUSTED_PROXY_HOPS": "1",
        "TRUSTED_PROXIES": "127.0.0.1",
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(tmp / "sms.jsonl"),
        "MEDIA_ROOT": str(tmp / "media"),
        "LOG_LEVEL": "WARNING",
        "DEBUG": "",
    }


def in_process(*, requests: int = 100, profile: Path | None = None) -> dict[str, Any]:
    """Per-request CPU and SQL statements of the registration and of the bare endpoint, in this process.

    The same WSGI application gunicorn serves (vssid.wsgi, so the same middleware stack), called
    directly with the bench's request: no sockets, no scheduler, so the figures hardly move with
    the machine's load. Each path gets a few warm-up requests, then `requests` measured ones.
    The multipart parsing alone (Django's parser over the same body) is timed apart, and the CPU
    of the PostgreSQL server process serving this connection is read from /proc. Must run
    before django.setup() in this process: it sets the server's environment first.
    """
    tmp = Path(tempfile.mkdtemp(prefix="vssid-bench-"))
    os.environ.update(server_environment(tmp))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from vssid.wsgi import application  # sets Django up with the bench's settings

    photos = {name: make_photo(seed) for seed, name in enumerate(("id_front", "id_back", "portrait"))}
    multipart = Multipart(photos)
    warm = 5
    applicants = iter(pick_applicants(requests + warm * 2))
    marks = high_water_marks()
    started_at = timezone.now()

    def environ(applicant: Applicant, path: str) -> dict[str, Any]:
        body = multipart.body(applicant)
        return {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "CONTENT_TYPE": multipart.content_type,
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_X_FORWARDED_FOR": applicant.address,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }

    def call(env: dict[str, Any]) -> str:
        status: list[str] = []
        chunks = application(env, lambda s, h, *a: status.append(s))
        b"".join(chunks)
        getattr(chunks, "close", lambda: None)()
        return status[0].split()[0]

    def measure(path: str, count: int, expected: str) -> dict[str, Any]:
        for applicant in [next(applicants) for _ in range(warm if path == REGISTER else 2)]:
            call(environ(applicant, path))
        envs = [environ(next(applicants) if path == REGISTER else applicant0, path) for _ in range(count)]
        statuses: Counter[str] = Counter()
        statements = [0]

        def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            statements[0] += 1
            return execute(sql, params, many, context)

        # Counted by a wrapper, not CaptureQueriesContext: each request resets connection.queries.
        backend = backend_pid()
        pg_before = cpu_seconds([backend])
        with connection.execute_wrapper(counted):
            wall, cpu = time.perf_counter(), time.process_time()
            for env in envs:
                statuses[call(env)] += 1
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        # The same server process all along: the settings keep the connection (CONN_MAX_AGE).
        pg = cpu_seconds([backend]) - pg_before if backend_pid() == backend else None
        return {
            "requests": count,
            "cpu_ms": round(cpu * 1000 / count, 2),
            "postgres_cpu_ms": round(pg * 1000 / count, 2) if pg is not None else None,
            "wall_ms": round(wall * 1000 / count, 2),
            "statements": round(statements[0] / count, 2),
            "statuses": dict(statuses),
            "errors": sum(n for status, n in statuses.items() if status != expected),
        }

    applicant0 = next(applicants)
    results: dict[str, Any] = {}
    try:
        results["bare"] = measure(DISCARD, requests, "204")
        if profile is not None:
            import cProfile
            import pstats

            profiler = cProfile.Profile(time.process_time)  # CPU, not time spent waiting on PostgreSQL
            profiler.enable()
            results["registration"] = measure(REGISTER, requests, "201")
            profiler.disable()
            profiler.dump_stats(profile.with_suffix(".pstats"))  # for pstats' callers and callees
            with profile.open("w") as out:
                stats = pstats.Stats(profiler, stream=out).strip_dirs()
                stats.sort_stats("cumulative").print_stats(60)
                stats.sort_stats("tottime").print_stats(40)
        else:
            results["registration"] = measure(REGISTER, requests, "201")
        results["multipart_parse_ms"] = _parse_ms(environ(applicant0, DISCARD), repeat=requests)
        with CaptureQueriesContext(connection) as queries:
            call(environ(next(applicants), REGISTER))
        results["statements_of_one_registration"] = [q["sql"][:160] for q in queries]
    finally:
        results["cleaned_rows"] = clean_up(marks, started_at)
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def _parse_ms(env: dict[str, Any], *, repeat: int) -> float:
    """CPU ms of Django's multipart parsing of the bench's body alone (request.POST and request.FILES)."""
    from django.core.handlers.wsgi import WSGIRequest

    body = env["wsgi.input"].getvalue()
    cpu = time.process_time()
    for _ in range(repeat):
        request = WSGIRequest({**env, "wsgi.input": io.BytesIO(body)})
        assert len(request.FILES) == 3
    return round((time.process_time() - cpu) * 1000 / repeat, 2)


def report(results: dict[str, Any]) -> None:
    reg, ratio = results["registration"], results["ratio"]
    verdict = "meets" if ratio is not None and ratio >= TARGET_RATIO and not results["errors"] else "BELOW"
    print(
        f"registration (gunicorn -w {results['workers']}, {results['clients']} clients, 3 photos {results['photo_kb']} kB, "
        f"body {results['body_kb']} kB): {reg['per_second']}/s, p50 {reg['p50_ms']} ms, p99 {reg['p99_ms']} ms; "
        f"bare endpoint with the same body {results['bare_per_second']}/s "
        f"({' / '.join(str(b['per_second']) for b in results['bare'])}); "
        f"ratio {ratio} ({verdict} the target of {TARGET_RATIO}); errors {results['errors']} {reg['statuses']}"
    )
    cpu = results["cpu"]
    print(
        f"  CPU per registration (ms): {results['cpu_ms_per_registration']}; per bare request "
        f"{results['cpu_ms_per_bare_request']}; machine busy {cpu['machine_busy_percent']}%, "
        f"this run {cpu['used_by_this_run_percent']}% of {cpu['cores']} cores"
    )
    worker = results.get("worker", {})
    if worker.get("registrations"):
        print(
            f"  worker (photos decoded and re-encoded): {worker['cpu_ms_per_registration']} ms CPU per registration, "
            f"{worker['registrations_per_second_one_worker']} registrations/s for one worker process"
        )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="length of each round (bare, registration, bare)")
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="py-spy the workers (raw stacks into var/bench/)")
    parser.add_argument(
        "--in-process",
        type=int,
        metavar="N",
        help="instead: N requests of each path through the WSGI application in this process (CPU ms, SQL statements)",
    )
    parser.add_argument("--cprofile", type=Path, help="with --in-process: cProfile of the registrations into this file")
    args = parser.parse_args()
    if args.in_process:
        print(json.dumps(in_process(requests=args.in_process, profile=args.cprofile), indent=2, default=str))
        sys.exit(0)
    outcome = run(seconds=args.seconds, clients=args.clients, workers=args.workers, profile=args.profile)
    report(outcome)
    print(json.dumps({k: v for k, v in outcome.items() if k != "server_errors"}, indent=2, default=str))
    if "server_errors" in outcome:
        print(outcome["server_errors"], file=sys.stderr)
