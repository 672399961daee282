"""Reads on a real streaming replica (vssid.dbrouter), with the machine's PostgreSQL binaries.

The test makes its own throwaway primary (initdb, on a free port of 5440–5460, WAL for
replication) and a replica of it (pg_basebackup -R, hot standby), so the shared cluster is never
reconfigured; then serves the app with gunicorn against both and shows that
- the card is read from the replica (replay paused, the primary changed: the old name comes back);
- a citizen who just wrote reads the primary for REPLICA_PIN_SECONDS, then the replica again;
- writes never go to the replica (a hot standby refuses them: any would be a 500);
- a replica lagging past REPLICA_MAX_LAG_S is skipped;
- the app keeps answering when the replica is stopped.
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINH_SSN, PASSWORD = "0198765432", "VssidDemo@2026"


def _pg_bin() -> Path | None:
    for version in ("15", "16", "17", "14", "13"):
        path = Path(f"/usr/lib/postgresql/{version}/bin")
        if all((path / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup", "postgres")):
            return path
    return None


PG_BIN = _pg_bin()
pytestmark = pytest.mark.skipif(PG_BIN is None, reason="no PostgreSQL server binaries (initdb, pg_basebackup) on this machine")


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; as root the cluster is run by the postgres account.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port(taken: set[int]) -> int:
    for port in range(5440, 5461):
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port in 5440–5460")


def _any_free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _sql(port: int, query: str, params: tuple[Any, ...] = ()) -> Any:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="vssid", autocommit=True, connect_timeout=5) as db:
        cursor = db.execute(query, params)
        return cursor.fetchone() if cursor.description else None


def _until(check: Callable[[], Any], what: str, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = check()
        except OSError:  # a server still starting
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


@dataclass
class Cluster:
    tmp: Path
    primary: int
    replica: int
    servers: dict[str, int]
    logs: dict[str, Path]

    def pg_ctl(self, name: str, *args: str) -> None:
        assert PG_BIN is not None
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.tmp / name), *args]), check=True, capture_output=True)


def _run(command: list[str], **kwargs: Any) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if result.returncode:
        raise RuntimeError(f"{command[:3]} failed: {result.stdout[-2000:]}{result.stderr[-2000:]}")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    assert PG_BIN is not None
    tmp = Path(tempfile.mkdtemp(prefix="vssid-replica-"))
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    primary = _free_port(set())
    replica = _free_port({primary})
    servers: dict[str, subprocess.Popen[bytes]] = {}
    logs: dict[str, Path] = {}
    started: list[str] = []
    try:
        _run(
            _as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(tmp / "primary"),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            )
        )
        options = f"-p {primary} -k {tmp} -c listen_addresses=127.0.0.1 -c wal_level=replica -c max_wal_senders=4 -c fsync=off"
        _run(
            _as_postgres(
                [str(PG_BIN / "pg_ctl"), "-D", str(tmp / "primary"), "-o", options, "-l", str(tmp / "primary.log"), "-w", "start"]
            )
        )
        started.append("primary")
        _sql_postgres = f"postgres://postgres@127.0.0.1:{primary}/vssid"
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=primary, user="postgres", dbname="postgres", autocommit=True) as db:
            db.execute("CREATE DATABASE vssid")
        env = {**os.environ, "DATABASE_URL": _sql_postgres, "VSSID_VAR_DIR": str(tmp / "var"), "DATABASE_REPLICA_URLS": ""}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        _run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env)
        _run([sys.executable, "manage.py", "seed_demo", "--people", "20"], cwd=ROOT, env=env)
        _run(
            _as_postgres(
                [
                    str(PG_BIN / "pg_basebackup"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(primary),
                    "-U",
                    "postgres",
                    "-D",
                    str(tmp / "replica"),
                    "-R",
                    "-X",
                    "stream",
                    "-c",
                    "fast",
                ]
            )
        )
        options = f"-p {replica} -k {tmp} -c listen_addresses=127.0.0.1 -c hot_standby=on"
        _run(
            _as_postgres(
                [str(PG_BIN / "pg_ctl"), "-D", str(tmp / "replica"), "-o", options, "-l", str(tmp / "replica.log"), "-w", "start"]
            )
        )
        started.append("replica")
        assert _sql(replica, "SELECT pg_is_in_recovery()")[0] is True
        ports = {}
        # "steady": a replica may lag for minutes; "strict": skipped past 3 s.
        for name, max_lag in (("steady", "600"), ("strict", "3")):
            port = _any_free_port()
            logs[name] = tmp / f"gunicorn-{name}.log"
            server_env = {
                **env,
                "DATABASE_REPLICA_URLS": f"postgres://postgres@127.0.0.1:{replica}/vssid",
                "REPLICA_MAX_LAG_S": max_lag,
                "REPLICA_PIN_SECONDS": "2",
                "REPLICA_CHECK_INTERVAL_S": "0.3",
                "LOG_LEVEL": "WARNING",
                "DEBUG": "",
            }
            command = [
                str(ROOT / ".venv/bin/gunicorn"),
                "vssid.wsgi",
                "-w",
                "1",
                "-b",
                f"127.0.0.1:{port}",
                "--error-logfile",
                str(logs[name]),
            ]
            servers[name] = subprocess.Popen(command, cwd=ROOT, env=server_env)
            ports[name] = port
        for name, port in ports.items():
            _until(functools.partial(_answers, port), f"gunicorn {name} answers", timeout=120)
        yield Cluster(tmp, primary, replica, ports, logs)
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=30)
        for name in started:
            assert PG_BIN is not None
            subprocess.run(
                _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(tmp / name), "-m", "immediate", "stop"]),
                capture_output=True,
                check=False,
            )
        shutil.rmtree(tmp, ignore_errors=True)


def _request(
    port: int, method: str, path: str, token: str = "", body: dict[str, Any] | None = None
) -> tuple[int, dict[str, str], Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), json.loads(raw) if raw.startswith((b"{", b"[")) else raw


def _get(port: int, path: str, token: str = "") -> tuple[int, Any]:
    status, _headers, body = _request(port, "GET", path, token)
    return status, body


def _answers(port: int) -> bool:
    return _get(port, "/api/v1/health")[0] == 200


def _card_name(port: int, token: str) -> str:
    status, body = _get(port, "/api/v1/me/card", token)
    assert status == 200, body
    return str(body["full_name"])


def _caught_up(cluster: Cluster) -> bool:
    lsn = _sql(cluster.primary, "SELECT pg_current_wal_lsn()::text")[0]
    return bool(_sql(cluster.replica, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,))[0])


def test_reads_on_the_replica_writes_on_the_primary_and_answers_without_the_replica(cluster: Cluster) -> None:
    steady, strict = cluster.servers["steady"], cluster.servers["strict"]
    status, headers, body = _request(steady, "POST", "/api/v1/auth/login", body={"username": BINH_SSN, "password": PASSWORD})
    assert status == 200, body
    assert "vssid_primary=" in headers.get("Set-Cookie", "")  # a write pins the client to the primary
    token = body["access_token"]
    # The fresh token is not on a replica that lags: it is looked up on the primary.
    old_name = _card_name(steady, token)
    _, history = _get(steady, "/api/v1/me/participation", token)
    period_id = history["periods"][0]["id"]

    # Replay paused right after the replica caught up: from now on it shows the past.
    _sql(cluster.primary, "CREATE TABLE IF NOT EXISTS replica_probe (at timestamptz); INSERT INTO replica_probe VALUES (now())")
    _until(lambda: _caught_up(cluster), "the replica replays the primary")
    _sql(cluster.replica, "SELECT pg_wal_replay_pause()")
    new_name = old_name + " Mới"
    _sql(cluster.primary, "UPDATE registry_person SET full_name = %s WHERE ssn = %s", (new_name, BINH_SSN))

    # Reads land on the replica: the card still shows the name the replica has.
    assert _card_name(steady, token) == old_name

    # A write goes to the primary (a hot standby would refuse it: a 500), and its author reads the
    # primary for a moment (read-your-writes), then the replica again.
    status, _headers, flag = _request(
        steady, "POST", "/api/v1/me/flags", token, {"period_id": period_id, "message": "Sai tên đơn vị"}
    )
    assert status == 201, flag
    assert _sql(cluster.primary, "SELECT count(*) FROM registry_periodflag WHERE id = %s", (flag["id"],)) == (1,)
    status, flags = _get(steady, "/api/v1/me/flags", token)
    assert status == 200 and flag["id"] in {f["id"] for f in flags}
    _until(lambda: flag["id"] not in {f["id"] for f in _get(steady, "/api/v1/me/flags", token)[1]}, "the pin expires")

    # Past REPLICA_MAX_LAG_S the replica is skipped: the strict server answers from the primary.
    _until(lambda: _card_name(strict, token) == new_name, "a lagging replica is skipped")

    # Replay resumed, the replica catches up and serves the new name.
    _sql(cluster.replica, "SELECT pg_wal_replay_resume()")
    _until(lambda: _card_name(steady, token) == new_name, "the replica catches up")

    # The replica goes away: every answer still comes, from the primary.
    cluster.pg_ctl("replica", "-m", "immediate", "stop")
    for _ in range(5):
        assert _card_name(steady, token) == new_name
        assert _get(steady, "/api/v1/me/participation", token)[0] == 200
        assert _card_name(strict, token) == new_name
    for log in cluster.logs.values():
        assert "Traceback" not in (log.read_text() if log.exists() else ""), log.read_text()[-3000:]
