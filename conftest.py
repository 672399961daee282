"""Shared fixtures: a PostgreSQL test database seeded once per session with a small register.

Every test runs inside a transaction that is rolled back, so tests may change the seeded data
freely. Tests that need their own database (the SQLite default, the parallel COPY path) create
it themselves and run manage.py in a subprocess, as a newcomer would.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AS_OF = dt.date(2026, 11, 25)
SEED = 7
PEOPLE = 400
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    from accounts.demo import seed_demo

    with django_db_blocker.unblock():
        seed_demo(people=PEOPLE, seed=SEED, as_of=AS_OF)
    yield
    with django_db_blocker.unblock():
        _end_sessions_left_behind()


def _end_sessions_left_behind(wait_seconds: float = 10.0) -> None:
    """Before the test database is dropped: wait for other sessions on it to end, then end them.

    A worker or server process that a test started and killed can keep its PostgreSQL session a
    moment after it died (the server notices the closed socket on its own time), and DROP DATABASE
    refuses while any session is there. Whatever is still connected after the wait is named on
    stderr, so a real leak stays visible, and terminated so the run's verdict is the tests' own.
    """
    import sys
    import time

    from django.db import connection

    if connection.vendor != "postgresql":
        return
    others = (
        "SELECT pid, application_name, state, left(query, 100) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + wait_seconds
    with connection.cursor() as cursor:
        cursor.execute(others)
        rows = cursor.fetchall()
        while rows and time.monotonic() < deadline:
            time.sleep(0.2)
            cursor.execute(others)
            rows = cursor.fetchall()
        if rows:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            # Written out, not warned: the suite turns warnings into errors, and a warning here would
            # stop the teardown before the sessions were ended, failing a run whose tests all passed.
            sys.stderr.write(f"\nsessions still on the test database at its teardown, terminated: {rows}\n")
    connection.close()


@pytest.fixture
def seeded_register(transactional_db: None) -> None:
    """The register for a transactional (browser) test: the flush after the previous one emptied it."""
    from accounts.demo import is_seeded, seed_demo

    if not is_seeded():
        seed_demo(people=PEOPLE, seed=SEED, as_of=AS_OF)


@pytest.fixture(scope="module")
def register_restored_afterwards(django_db_blocker: Any) -> Iterator[None]:
    """For modules of transactional tests: the register is seeded again once they are done.

    Module scope, so it runs after the per-test flush of the last transactional test; the other
    tests of the session expect the seeded register.
    """
    from django.db import connections

    from accounts.demo import seed_demo

    yield
    with django_db_blocker.unblock():
        seed_demo(people=PEOPLE, seed=SEED, as_of=AS_OF)
        # This teardown has a connection of its own; left open, it would stop the test database
        # from being dropped at the end of the session.
        connections.close_all()


@pytest.fixture
def as_of() -> dt.date:
    return AS_OF


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-quic",
        ],
    }


@pytest.fixture
def admin_client_logged(client: Any) -> Iterator[Any]:
    from accounts.models import User

    client.force_login(User.objects.get(username="admin"))
    yield client
