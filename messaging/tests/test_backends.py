"""Each SMS backend against a real peer on loopback: a file, an HTTP server, a fake SMSC."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from messaging import backends
from messaging.backends import (
    ConsoleBackend,
    DeliveryError,
    FileBackend,
    HttpBackend,
    SmppBackend,
    Sms,
    UncertainDeliveryError,
    get_sms_backend,
)
from messaging.tests.conftest import PHONE, FakeSmsc, Gateway, closed_port, sms_lines

SMS = Sms(
    to=PHONE, kind="login_otp", body="Ma OTP dang nhap VssID: 731204", created_at=dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
)


def test_file_backend_writes_the_contract_line(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "sms.jsonl"
    FileBackend(path).send(SMS)
    FileBackend(path).send(Sms(to=PHONE, kind="notice", body="Ho so cua Nguyen Van An", created_at=SMS.created_at))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == {
        "to": PHONE,
        "kind": "login_otp",
        "body": "Ma OTP dang nhap VssID: 731204",
        "created_at": "2026-11-25T02:00:00+00:00",
    }
    assert len(lines) == 2


def test_file_backend_keeps_lines_whole_under_concurrent_writers(tmp_path: Path) -> None:
    path = tmp_path / "sms.jsonl"
    body = "x" * 160

    def write_many() -> None:
        backend = FileBackend(path)
        for _ in range(200):
            backend.send(Sms(to=PHONE, kind="notice", body=body, created_at=SMS.created_at))

    threads = [threading.Thread(target=write_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = sms_lines(path)
    assert len(lines) == 800
    assert all(line["body"] == body for line in lines)


def test_file_backend_keeps_non_ascii_readable(tmp_path: Path) -> None:
    # ensure_ascii=False: the file is read by people too. (Queued SMS are ASCII; the format is not.)
    path = tmp_path / "sms.jsonl"
    FileBackend(path).send(Sms(to=PHONE, kind="notice", body="Hồ sơ", created_at=SMS.created_at))
    assert "Hồ sơ" in path.read_text(encoding="utf-8")


def test_console_backend_prints_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    ConsoleBackend().send(SMS)
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert PHONE in out and "731204" in out


def test_http_backend_posts_json_with_the_bearer_token(gateway: Gateway) -> None:
    HttpBackend(gateway.url, "s3cret-token").send(SMS)
    [request] = gateway.requests
    assert request["path"] == "/sms"
    assert request["headers"]["Authorization"] == "Bearer s3cret-token"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["json"] == {"to": PHONE, "kind": "login_otp", "body": "Ma OTP dang nhap VssID: 731204"}


@pytest.mark.parametrize("status", [400, 401, 429, 503])
def test_http_backend_treats_a_refusal_as_certainly_not_sent(gateway: Gateway, status: int) -> None:
    gateway.status = status
    with pytest.raises(DeliveryError, match=str(status)) as excinfo:
        HttpBackend(gateway.url, "t").send(SMS)
    assert not isinstance(excinfo.value, UncertainDeliveryError)


@pytest.mark.parametrize("status", [500, 502, 504])
def test_http_backend_treats_a_server_or_proxy_error_as_uncertain(gateway: Gateway, status: int) -> None:
    # A proxy's 502/504, or a gateway failing halfway, may come after the SMS was queued.
    gateway.status = status
    with pytest.raises(UncertainDeliveryError, match=str(status)):
        HttpBackend(gateway.url, "t").send(SMS)


def test_http_backend_with_the_gateway_down() -> None:
    with pytest.raises(DeliveryError, match="unreachable") as excinfo:
        HttpBackend(f"http://127.0.0.1:{closed_port()}/sms", "t").send(SMS)
    assert not isinstance(excinfo.value, UncertainDeliveryError)


def test_http_backend_timing_out_after_the_request_is_uncertain(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "HTTP_TIMEOUT", 0.3)
    gateway.hang = True
    with pytest.raises(UncertainDeliveryError, match="did not answer"):
        HttpBackend(gateway.url, "t").send(SMS)
    assert len(gateway.requests) == 1  # the gateway has it


def test_smpp_backend_binds_submits_and_unbinds(smsc: FakeSmsc) -> None:
    SmppBackend("127.0.0.1", smsc.port, "vssid", "pw123", "BHXH").send(SMS)
    assert smsc.binds == [("vssid", "pw123")]
    [submit] = smsc.submitted
    assert submit["destination_addr"] == "84912345678"  # E.164 digits, without "+"
    assert (submit["dest_addr_ton"], submit["dest_addr_npi"]) == (1, 1)  # international, ISDN
    assert submit["source_addr"] == "BHXH"
    assert submit["source_addr_ton"] == 5  # alphanumeric sender
    assert submit["short_message"] == b"Ma OTP dang nhap VssID: 731204"
    assert submit["data_coding"] == 1  # IA5/ASCII
    assert smsc.unbound


def test_smpp_backend_reports_a_refused_submit(smsc: FakeSmsc) -> None:
    smsc.submit_status = 0x45  # ESME_RSUBMITFAIL
    with pytest.raises(DeliveryError, match="SMSC refused") as excinfo:
        SmppBackend("127.0.0.1", smsc.port, "vssid", "pw123", "BHXH").send(SMS)
    assert "731204" not in str(excinfo.value) and "912345678" not in str(excinfo.value)
    assert not isinstance(excinfo.value, UncertainDeliveryError)  # the SMSC said no
    assert len(smsc.submitted) == 1


def test_smpp_backend_with_the_smsc_down() -> None:
    with pytest.raises(DeliveryError, match="unreachable") as excinfo:
        SmppBackend("127.0.0.1", closed_port(), "vssid", "pw123", "BHXH").send(SMS)
    assert not isinstance(excinfo.value, UncertainDeliveryError)


def test_smpp_backend_without_an_answer_to_submit_is_uncertain(smsc: FakeSmsc, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "SMPP_TIMEOUT", 0.3)
    smsc.answer_submit = False
    with pytest.raises(UncertainDeliveryError, match="did not answer"):
        SmppBackend("127.0.0.1", smsc.port, "vssid", "pw123", "BHXH").send(SMS)
    assert len(smsc.submitted) == 1  # the SMSC has it


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"SMS_BACKEND": "console"}, ConsoleBackend),
        ({"SMS_BACKEND": "file"}, FileBackend),
        ({"SMS_BACKEND": "smpp", "SMPP_HOST": "smsc.example"}, SmppBackend),
        ({"SMS_BACKEND": "http", "SMS_HTTP_URL": "https://sms.example/send"}, HttpBackend),
    ],
)
def test_the_setting_chooses_the_backend(settings: Any, overrides: dict[str, str], expected: type) -> None:
    for name, value in overrides.items():
        setattr(settings, name, value)
    assert isinstance(get_sms_backend(), expected)


@pytest.mark.parametrize(
    "overrides",
    [{"SMS_BACKEND": "pigeon"}, {"SMS_BACKEND": "smpp", "SMPP_HOST": ""}, {"SMS_BACKEND": "http", "SMS_HTTP_URL": "ftp://x"}],
)
def test_a_bad_configuration_is_reported(settings: Any, overrides: dict[str, str]) -> None:
    from messaging.checks import check_sms_settings

    for name, value in overrides.items():
        setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured):
        get_sms_backend()
    [error] = check_sms_settings()
    assert str(error.id).startswith("messaging.E")
