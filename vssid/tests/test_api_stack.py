"""The lean middleware stack of cookie-less /api/ requests (vssid.wsgi) against the full one.

Each request is sent through both stacks and every header that protects an API answer must be
the same; the answers themselves too. The dispatch sends only cookie-less /api/ requests (not the
Swagger page) to the lean stack.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from accounts.models import User
from accounts.services import issue_tokens
from vssid import wsgi

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "Content-Security-Policy-Report-Only",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Strict-Transport-Security",
    "Content-Language",
    "Content-Type",
    "Cache-Control",
)


@pytest.fixture(autouse=True)
def connection_kept() -> Iterator[None]:
    # As django.test.Client: the test's transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def call(
    app: Any, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
    }
    if body:
        environ["CONTENT_TYPE"] = "application/json"
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    setup_testing_defaults(environ)
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(response_headers)

    chunks = app(environ, start_response)
    content = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    return seen["status"], seen["headers"], content


def vary(headers: dict[str, str]) -> set[str]:
    return {part.strip().lower() for part in headers.get("Vary", "").split(",") if part.strip()}


@pytest.fixture
def citizen_token(db: None) -> str:
    user = User.objects.filter(role=User.Role.CITIZEN, person__isnull=False, must_change_password=False, is_active=True).first()
    assert user is not None
    return issue_tokens(user, device="test").access_token


def requests_of_a_token_client(token: str) -> list[tuple[str, str, dict[str, str], bytes]]:
    bearer = {"Authorization": f"Bearer {token}"}
    return [
        ("GET", "/api/v1/health", {}, b""),
        ("GET", "/api/v1/me/card", bearer, b""),
        ("GET", "/api/v1/me/card", {**bearer, "Accept-Language": "en"}, b""),
        ("GET", "/api/v1/me/participation", bearer, b""),
        ("GET", "/api/v1/me/card", {"Authorization": "Bearer not-a-token"}, b""),
        ("GET", "/api/v1/me/card", {}, b""),
        ("GET", "/api/v1/no-such-endpoint", {"Accept-Language": "en"}, b""),
        ("POST", "/api/v1/auth/login", {}, json.dumps({"identifier": "x"}).encode()),
        ("POST", "/api/v1/auth/login", {}, b"{not json"),
    ]


@pytest.mark.parametrize("https", [False, True])
def test_lean_stack_answers_as_the_full_one_with_every_security_header(citizen_token: str, settings: Any, https: bool) -> None:
    if https:
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        settings.SECURE_HSTS_SECONDS = 31_536_000
    full, lean = WSGIHandler(), wsgi.ApiStackHandler()
    for method, path, headers, body in requests_of_a_token_client(citizen_token):
        if https:
            headers = {**headers, "X-Forwarded-Proto": "https"}
        status_full, headers_full, content_full = call(full, method, path, headers, body)
        status_lean, headers_lean, content_lean = call(lean, method, path, headers, body)
        assert (status_lean, content_lean) == (status_full, content_full), (method, path)
        for name in SECURITY_HEADERS:
            assert headers_lean.get(name) == headers_full.get(name), (method, path, name)
        assert "accept-language" in vary(headers_lean), (method, path)
        assert vary(headers_full) - {"cookie"} <= vary(headers_lean), (method, path)
        # Never a cookie from a token request, lean or full.
        assert "Set-Cookie" not in headers_lean
    # The headers an API answer must carry, whatever the stack.
    _, headers, _ = call(lean, "GET", "/api/v1/health", {"X-Forwarded-Proto": "https"} if https else {})
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert ("Strict-Transport-Security" in headers) is https


def test_the_https_redirect_holds_on_the_lean_stack(settings: Any, db: None) -> None:
    settings.SECURE_SSL_REDIRECT = True
    status, headers, _ = call(wsgi.ApiStackHandler(), "GET", "/api/v1/me/card")
    assert status == 301
    assert headers["Location"].startswith("https://")


def test_only_cookie_less_api_requests_take_the_lean_stack() -> None:
    assert wsgi.takes_lean_stack({"PATH_INFO": "/api/v1/me/card"})
    assert not wsgi.takes_lean_stack({"PATH_INFO": "/api/v1/me/card", "HTTP_COOKIE": "sessionid=x"})
    assert not wsgi.takes_lean_stack({"PATH_INFO": "/api/v1/docs"})
    assert not wsgi.takes_lean_stack({"PATH_INFO": "/the/"})
    assert not wsgi.takes_lean_stack({"PATH_INFO": "/"})


def test_the_application_dispatches_on_cookies(citizen_token: str) -> None:
    app = wsgi.build_application()
    bearer = {"Authorization": f"Bearer {citizen_token}"}
    status, headers, _ = call(app, "GET", "/api/v1/me/card", bearer)
    assert status == 200
    # With a cookie the full stack answers: the language cookie is honoured there.
    status, headers, _ = call(app, "GET", "/api/v1/me/card", {"Authorization": "Bearer nope", "Cookie": "django_language=en"})
    assert status == 401
    assert headers["Content-Language"] == "en"


def test_the_lean_stack_resolves_with_the_urlconf_in_force(settings: Any, db: None) -> None:
    # The lean handler remembers resolved paths: a changed ROOT_URLCONF must not answer from them.
    lean = wsgi.ApiStackHandler()
    assert call(lean, "GET", "/api/bench/caches")[0] == 404
    assert call(lean, "GET", "/api/v1/health")[0] == 200
    settings.ROOT_URLCONF = "bench.urls"
    assert call(lean, "GET", "/api/bench/caches")[0] == 200
    assert call(lean, "GET", "/api/v1/health")[0] == 200
    settings.ROOT_URLCONF = "vssid.urls"
    assert call(lean, "GET", "/api/bench/caches")[0] == 404


def test_the_lean_stack_has_no_view_middleware() -> None:
    # Its handler shares one resolved match between the requests of a path (vssid.wsgi): a view
    # middleware is handed that match's kwargs and could change them for every later request.
    assert wsgi.ApiStackHandler()._view_middleware == []  # type: ignore[attr-defined]
