"""Production hardening: headers, cookies, the client address behind proxies, idle staff sessions."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client, RequestFactory
from django.utils import timezone

from vssid.clientip import client_ip

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _settings_under(env: dict[str, str]) -> dict[str, Any]:
    """The settings a production process computes from its environment."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({k: getattr(settings, k, None) for k in ("
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', "
        "'TRUSTED_PROXY_HOPS', 'TRUSTED_PROXIES', 'CONTENT_SECURITY_POLICY')}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SITE_URL", "SECURE_COOKIES", "HSTS_SECONDS"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "vssid.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_an_https_site_gets_secure_cookies_and_hsts_by_default() -> None:
    https = _settings_under({"SITE_URL": "https://vssid.example.vn", "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"})
    assert https["SESSION_COOKIE_SECURE"] is True and https["CSRF_COOKIE_SECURE"] is True
    assert https["SECURE_HSTS_SECONDS"] == 31_536_000
    assert https["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert https["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["script-src"] == ["'self'"]
    plain = _settings_under({"SITE_URL": "http://127.0.0.1:8000"})
    assert plain["SESSION_COOKIE_SECURE"] is False and plain["SECURE_HSTS_SECONDS"] == 0
    assert plain["SECURE_PROXY_SSL_HEADER"] is None
    proxied = _settings_under({"TRUSTED_PROXY_HOPS": "1", "TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"})
    assert proxied["TRUSTED_PROXY_HOPS"] == 1 and proxied["TRUSTED_PROXIES"] == ["10.0.0.0/8", "127.0.0.1"]


def test_pages_carry_a_content_security_policy_and_hsts_over_https(client: Client, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = client.get("/", secure=True)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Frame-Options"] == "DENY"
    # Swagger UI initialises itself inline: its page is left out of the policy, the API is not.
    assert "Content-Security-Policy" not in client.get("/api/v1/docs")
    assert "Content-Security-Policy" in client.get("/api/v1/openapi.json")


@pytest.mark.parametrize(
    ("hops", "trusted", "remote", "forwarded", "expected"),
    [
        (0, [], "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # no proxy: the header is ignored
        (1, [], "10.0.0.5", "198.51.100.1", "198.51.100.1"),
        (1, [], "10.0.0.5", "1.1.1.1, 198.51.100.1", "198.51.100.1"),  # the client's own entry is not believed
        (2, [], "10.0.0.5", "1.1.1.1, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (1, ["10.0.0.0/8"], "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # bypassed the proxy
        (1, ["10.0.0.0/8"], "10.1.2.3", "198.51.100.1", "198.51.100.1"),
        (1, [], "10.0.0.5", "not-an-address", "10.0.0.5"),
        (1, [], "10.0.0.5", "", "10.0.0.5"),
        (1, [], "10.0.0.5", "[2001:db8::1]:443", "2001:db8::1"),
    ],
)
def test_the_client_address_comes_from_trusted_proxies_only(
    settings: Any, hops: int, trusted: list[str], remote: str, forwarded: str, expected: str
) -> None:
    settings.TRUSTED_PROXY_HOPS, settings.TRUSTED_PROXIES = hops, trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_limits_count_the_forwarded_address_behind_a_proxy(client: Client, settings: Any) -> None:
    # The SSN look-up allows 10 a minute per address: two citizens behind one proxy have one each.
    settings.TRUSTED_PROXY_HOPS = 1
    query = {"cccd": "001090012345"}
    for _ in range(10):
        assert (
            client.get("/api/v1/lookup/ssn", query, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code
            == 200
        )
    assert client.get("/api/v1/lookup/ssn", query, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert client.get("/api/v1/lookup/ssn", query, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200


def test_staff_sessions_end_after_a_working_day_idle_citizens_keep_theirs(client: Client, settings: Any) -> None:
    from django.contrib.sessions.models import Session

    from accounts.models import User

    clerk = User.objects.get(username="canbo.dongda")
    User.objects.filter(pk=clerk.pk).update(must_change_password=False)
    client.force_login(clerk)
    client.get("/staff/")
    assert client.session.get_expiry_age() == settings.STAFF_SESSION_IDLE_SECONDS == 8 * 3600
    stored = Session.objects.get(session_key=client.session.session_key)
    assert dt.timedelta(hours=7, minutes=59) < stored.expire_date - timezone.now() <= dt.timedelta(hours=8)

    # Still working five minutes later: the expiry moves with the clerk.
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        client.get("/staff/")
        stored.refresh_from_db()
        assert stored.expire_date - timezone.now() > dt.timedelta(hours=7, minutes=59)
    # A working day later with nothing done: signed out.
    with time_machine.travel(timezone.now() + dt.timedelta(hours=8, minutes=10)):
        assert client.get("/staff/").status_code == 302

    citizen = Client()
    citizen.force_login(User.objects.get(username="0198765432"))
    citizen.get("/")
    assert citizen.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
