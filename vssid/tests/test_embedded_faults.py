"""Fault injection on the embedded default: `make run`'s processes, a registration right after
start, the worker killed with SIGKILL — and the password SMS still arrives, exactly once."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
AN_PHONE = "+84912345678"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), color).save(out, "JPEG", quality=85)
    return out.getvalue()


def _wait(what: str, check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _children(pid: int) -> dict[int, str]:
    """The processes whose parent is `pid`, with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def _worker_pid(supervisor: int) -> int:
    pids = [pid for pid, cmd in _children(supervisor).items() if " run_worker " in f" {cmd} "]
    return pids[0] if len(pids) == 1 else 0


@contextlib.contextmanager
def _serving(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve_embedded", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _sms(path: Path, kind: str) -> list[str]:
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [line["body"] for line in lines if line["kind"] == kind and line["to"] == AN_PHONE]


def test_the_password_sms_arrives_exactly_once_though_the_worker_is_killed(tmp_path: Path) -> None:
    sms_file = tmp_path / "sms.jsonl"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VSSID_VAR_DIR": str(tmp_path),
        "SMS_BACKEND": "file",
        "SMS_FILE_PATH": str(sms_file),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
    }
    for args in (["migrate", "--noinput"], ["seed_demo", "--if-empty", "--people", "50"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stderr[-3000:]

    port = _free_port()
    api = f"http://127.0.0.1:{port}/api/v1"
    log = tmp_path / "serve.log"
    with _serving(env, port, log) as supervisor:

        def up() -> bool:
            try:
                return requests.get(f"{api}/health", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        _wait("the web server", up)
        # Right after start: the first registration, with the worker killed while it is queued.
        first_worker = _wait("the worker", lambda: _worker_pid(supervisor.pid))
        form = {
            "full_name": "Nguyễn Văn An",
            "ssn": "0123456789",
            "date_of_birth": "1990-05-12",
            "sex": "1",
            "phone": "0912345678",
            "email": "an@example.com",
            "province_code": "01",
            "ward_code": "00235",
            "street": "Số 12 phố Tôn Đức Thắng",
            "office_code": "00106",
        }
        files = {
            name: (f"{name}.jpg", _jpeg(color), "image/jpeg")
            for name, color in [("id_front", (200, 30, 30)), ("id_back", (30, 200, 30)), ("portrait", (30, 30, 200))]
        }
        created = requests.post(f"{api}/registrations", data=form, files=files, timeout=60)
        assert created.status_code == 201, created.text
        reference = created.json()["reference"]
        os.kill(first_worker, signal.SIGKILL)

        otp_sms = _wait("the OTP SMS", lambda: _sms(sms_file, "registration_otp"))
        otp = re.search(r"\b(\d{6})\b", otp_sms[-1])
        assert otp is not None
        confirmed = requests.post(f"{api}/registrations/{reference}/confirm", json={"otp": otp.group(1)}, timeout=60)
        assert confirmed.status_code == 200, confirmed.text
        assert requests.get(confirmed.json()["form_url"], timeout=60).content.startswith(b"%PDF")
        # Form 01 is e-mailed by the worker, after the confirmation committed.
        _wait("the e-mail with Form 01", lambda: list((tmp_path / "mail").glob("*.log")))

        login = requests.post(f"{api}/auth/login", json={"username": "canbo.dongda", "password": "VssidDemo@2026"}, timeout=30)
        assert login.status_code == 200, login.text
        staff = {"Authorization": f"Bearer {login.json()['access_token']}"}
        assert requests.post(f"{api}/staff/registrations/{reference}/receive", headers=staff, timeout=30).status_code == 200

        # The worker is killed again just before the approval that queues the password.
        second_worker = _wait("the restarted worker", lambda: (pid := _worker_pid(supervisor.pid)) != first_worker and pid)
        os.kill(second_worker, signal.SIGKILL)
        approved = requests.post(f"{api}/staff/registrations/{reference}/approve", headers=staff, timeout=60)
        assert approved.status_code == 200, approved.text

        passwords = _wait("the password SMS", lambda: _sms(sms_file, "account_password"))
        time.sleep(3)  # a second SMS, if any, would come from the next polls of the worker
        passwords = _sms(sms_file, "account_password")
        assert len(passwords) == 1, passwords
        password = re.search(r"Mat khau: (\S+?)\.", passwords[0])
        assert password is not None, passwords[0]
        citizen = requests.post(f"{api}/auth/login", json={"username": "0123456789", "password": password.group(1)}, timeout=30)
        assert citizen.status_code == 200, citizen.text

        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        assert health.json()["worker"]["status"] == "ok", health.text
    text = log.read_text(errors="replace")
    assert text.count("worker exited with code -9") == 2, text[-3000:]
