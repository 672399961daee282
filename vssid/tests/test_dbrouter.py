"""Which requests may read from a replica (vssid.dbrouter.ReplicaMiddleware), without a database.

The real replica is in test_replicas.py; this covers the rules: read-only paths and methods only,
and a client that wrote is pinned to the primary by a signed cookie, which cannot be forged.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from vssid import dbrouter


@pytest.fixture
def middleware(monkeypatch: pytest.MonkeyPatch) -> dbrouter.ReplicaMiddleware:
    monkeypatch.setattr(dbrouter, "replica_aliases", lambda: ["replica0"])

    def view(request: HttpRequest) -> HttpResponse:
        request.replica_ok = dbrouter._request.replica_ok  # type: ignore[attr-defined]
        return HttpResponse(status=201 if request.method == "POST" else 200)

    return dbrouter.ReplicaMiddleware(view)


def replica_ok(middleware: dbrouter.ReplicaMiddleware, request: HttpRequest) -> bool:
    middleware(request)
    return bool(request.replica_ok)  # type: ignore[attr-defined]


def test_only_reads_of_the_listed_paths_may_use_a_replica(middleware: dbrouter.ReplicaMiddleware) -> None:
    rf = RequestFactory()
    assert replica_ok(middleware, rf.get("/api/v1/me/card"))
    assert replica_ok(middleware, rf.get("/api/v1/me/participation?scheme=bhyt"))
    assert not replica_ok(middleware, rf.post("/api/v1/me/flags"))
    assert not replica_ok(middleware, rf.get("/api/v1/me"))
    assert not replica_ok(middleware, rf.get("/staff/"))
    assert dbrouter._request.replica_ok is False  # never left on after a request


def test_a_write_pins_its_client_to_the_primary(middleware: dbrouter.ReplicaMiddleware, settings: Any) -> None:
    rf = RequestFactory()
    wrote = middleware(rf.post("/api/v1/me/flags", HTTP_AUTHORIZATION="Bearer one"))
    cookie = wrote.cookies[dbrouter.PIN_COOKIE]
    assert cookie["httponly"] and cookie["max-age"] == settings.REPLICA_PIN_SECONDS
    # By the cookie (any process) ...
    request = rf.get("/api/v1/me/card")
    request.COOKIES[dbrouter.PIN_COOKIE] = cookie.value
    assert not replica_ok(middleware, request)
    # ... and by the token, in this process.
    assert not replica_ok(middleware, rf.get("/api/v1/me/card", HTTP_AUTHORIZATION="Bearer one"))
    assert replica_ok(middleware, rf.get("/api/v1/me/card", HTTP_AUTHORIZATION="Bearer another"))
    # A forged cookie pins nothing.
    forged = rf.get("/api/v1/me/card")
    forged.COOKIES[dbrouter.PIN_COOKIE] = "1:forged"
    assert replica_ok(middleware, forged)


def test_a_refused_write_pins_nothing(middleware: dbrouter.ReplicaMiddleware) -> None:
    # (the fixture turned replicas on)
    def refused(request: HttpRequest) -> HttpResponse:
        return HttpResponse(status=422)

    refusing = dbrouter.ReplicaMiddleware(refused)
    assert refusing.enabled
    response = refusing(RequestFactory().post("/api/v1/me/flags", HTTP_AUTHORIZATION="Bearer three"))
    assert dbrouter.PIN_COOKIE not in response.cookies
    assert replica_ok(middleware, RequestFactory().get("/api/v1/me/card", HTTP_AUTHORIZATION="Bearer three"))
