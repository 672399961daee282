"""The background worker and its supervisor on the embedded SQLite default, as `make run` runs them."""

from __future__ import annotations

import itertools
import logging
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vssid.supervisor import Program, Supervisor

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VSSID_VAR_DIR": str(tmp_path),
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(tmp_path / "sms.jsonl"),
        **extra,
    }


def _manage(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_the_worker_waits_out_a_locked_database_instead_of_exiting(tmp_path: Path) -> None:
    # A short busy timeout stands for a web request that holds the write lock longer than it.
    env = _env(tmp_path, SQLITE_BUSY_TIMEOUT_MS="200")
    assert _manage(env, "migrate", "--noinput").returncode == 0
    enqueue = "from messaging.tasks import deliver_due; print(deliver_due.enqueue().id)"
    assert _manage(env, "shell", "-c", enqueue).returncode == 0

    holder = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, held until the worker has met it
    argv = [sys.executable, "manage.py", "run_worker", "--batch", "--no-startup-delay", "--interval", "0.1"]
    worker = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert worker.stdout is not None
        seen: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = worker.stdout.readline()
            if not line:
                break  # the worker exited while the lock was held: the defect this test is about
            seen.append(line)
            if "Database locked while looking for work" in line:
                break
        assert any("Database locked while looking for work" in line for line in seen), "".join(seen)
        holder.execute("COMMIT")
        rest, _ = worker.communicate(timeout=120)
    finally:
        holder.close()
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, "".join(seen) + rest
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("SELECT status FROM django_tasks_database_dbtaskresult").fetchall() == [("SUCCESSFUL",)]
        # and it said it was alive
        assert db.execute("SELECT role FROM vssid_heartbeat").fetchall() == [("worker",)]


def _counting_program(tmp_path: Path, name: str, code: int) -> Program:
    """A program that notes the time it started, then exits with `code`."""
    marker = tmp_path / f"{name}.runs"
    script = f"import sys, time; open({str(marker)!r}, 'a').write(f'{{time.monotonic()}}\\n'); sys.exit({code})"
    return Program(name, [sys.executable, "-c", script])


def test_supervisor_restarts_an_exiting_program_with_growing_delays(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    crashing = _counting_program(tmp_path, "worker", 1)
    web = Program("web", [sys.executable, "-c", "import time; time.sleep(120)"], restart=False)
    supervisor = Supervisor([crashing, web], backoff_first=0.2, backoff_max=0.8)
    deadline = time.monotonic() + 60  # a bound for a very slow machine; normally about 2 s
    with caplog.at_level(logging.INFO, logger="vssid.supervisor"):
        code = supervisor.run(tick=0.05, until=lambda: crashing.restarts >= 4 or time.monotonic() > deadline)
    assert code == 0
    starts = [float(line) for line in (tmp_path / "worker.runs").read_text().split()]
    # The last start may not have written its line before the supervisor stopped it.
    assert len(starts) >= 4 and crashing.restarts + 1 - len(starts) in (0, 1)
    # Waits of 0.2, 0.4, 0.8, 0.8 s between an exit and the next start: never a tight loop.
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert all(gap >= wait for gap, wait in zip(gaps, [0.2, 0.4, 0.8, 0.8], strict=False)), gaps
    assert "worker exited with code 1" in caplog.text and "restarting in" in caplog.text
    assert web.process is not None and web.process.poll() is not None  # stopped with the rest


def test_the_web_server_exiting_stops_everything(tmp_path: Path) -> None:
    worker = Program("worker", [sys.executable, "-c", "import time; time.sleep(60)"])
    web = Program("web", [sys.executable, "-c", "import sys; sys.exit(3)"], restart=False)
    started = time.monotonic()
    assert Supervisor([worker, web]).run(tick=0.05) == 3
    assert time.monotonic() - started < 15
    assert worker.process is not None and worker.process.poll() is not None
