"""Doubles at the network edge only: a file for SMS, a real HTTP server and a fake SMSC on loopback."""

from __future__ import annotations

import contextlib
import http.server
import json
import signal
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PHONE = "+84912345678"
TASKS_IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
# Transactional tests empty only these apps' tables, so the register seeded for the session stays.
OUTBOX_APPS = ["messaging", "django_tasks", "django_tasks_db"]


@pytest.fixture
def sms_file(settings: Any, tmp_path: Path) -> Path:
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "var" / "sms.jsonl"  # the folder does not exist yet
    return Path(settings.SMS_FILE_PATH)


def sms_lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def closed_port() -> int:
    """A loopback port nobody listens on: connecting is refused at once, like a gateway that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def restore_signals() -> Iterator[None]:
    """db_worker and run_periodic install signal handlers; give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


# --- An SMS gateway speaking HTTP --------------------------------------------------------------


@dataclass
class Gateway:
    url: str
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Read the request, then never answer: the client cannot tell whether the SMS went out.
    hang: bool = False
    released: threading.Event = field(default_factory=threading.Event)


@contextlib.contextmanager
def serve_gateway() -> Iterator[Gateway]:
    """An HTTP SMS gateway on loopback for the time of the block (the `gateway` fixture)."""
    state = Gateway(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            state.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(self.rfile.read(length))})
            if state.hang:
                state.released.wait(30)
                return
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.released.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    with serve_gateway() as state:
        yield state


# --- A fake SMSC speaking SMPP 3.4 --------------------------------------------------------------

BIND_TRANSMITTER, SUBMIT_SM, UNBIND = 0x00000002, 0x00000004, 0x00000006
RESPONSE = 0x80000000


def _recv_exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        part = conn.recv(size - len(data))
        if not part:
            return b""
        data += part
    return data


def _cstring(body: bytes, at: int) -> tuple[str, int]:
    end = body.index(b"\0", at)
    return body[at:end].decode("ascii"), end + 1


def parse_submit_sm(body: bytes) -> dict[str, Any]:
    """The mandatory fields of submit_sm (SMPP 3.4 §4.4.1), read by hand, not by the client library."""
    pdu: dict[str, Any] = {}
    pdu["service_type"], i = _cstring(body, 0)
    pdu["source_addr_ton"], pdu["source_addr_npi"] = body[i], body[i + 1]
    pdu["source_addr"], i = _cstring(body, i + 2)
    pdu["dest_addr_ton"], pdu["dest_addr_npi"] = body[i], body[i + 1]
    pdu["destination_addr"], i = _cstring(body, i + 2)
    i += 3  # esm_class, protocol_id, priority_flag
    _, i = _cstring(body, i)  # schedule_delivery_time
    _, i = _cstring(body, i)  # validity_period
    pdu["registered_delivery"], _, pdu["data_coding"], _, sm_length = body[i : i + 5]
    pdu["short_message"] = body[i + 5 : i + 5 + sm_length]
    return pdu


@dataclass
class FakeSmsc:
    port: int
    submit_status: int = 0
    # Take submit_sm and never answer: the client cannot tell whether the SMS went out.
    answer_submit: bool = True
    binds: list[tuple[str, str]] = field(default_factory=list)
    submitted: list[dict[str, Any]] = field(default_factory=list)
    unbound: bool = False


@pytest.fixture
def smsc() -> Iterator[FakeSmsc]:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    state = FakeSmsc(port=listener.getsockname()[1])

    def respond(conn: socket.socket, command_id: int, status: int, sequence: int, body: bytes = b"") -> None:
        conn.sendall(struct.pack(">IIII", 16 + len(body), command_id | RESPONSE, status, sequence) + body)

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(10)
            while header := _recv_exact(conn, 16):
                length, command_id, _, sequence = struct.unpack(">IIII", header)
                body = _recv_exact(conn, length - 16)
                if command_id == BIND_TRANSMITTER:
                    system_id, i = _cstring(body, 0)
                    password, _ = _cstring(body, i)
                    state.binds.append((system_id, password))
                    respond(conn, command_id, 0, sequence, b"FAKESMSC\0")
                elif command_id == SUBMIT_SM:
                    state.submitted.append(parse_submit_sm(body))
                    if not state.answer_submit:
                        continue
                    # An error response carries no body (SMPP 3.4 §4.4.2).
                    respond(conn, command_id, state.submit_status, sequence, b"" if state.submit_status else b"msg-0001\0")
                elif command_id == UNBIND:
                    state.unbound = True
                    respond(conn, command_id, 0, sequence)
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield state
    thread.join(10)
    listener.close()
