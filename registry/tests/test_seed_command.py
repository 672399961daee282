"""seed_demo as a newcomer runs it: in a subprocess, on a database of its own."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from registry.demo import cardstates

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_embedded_default_migrates_and_seeds_on_sqlite(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "VSSID_VAR_DIR": str(tmp_path)}
    manage("migrate", "--noinput", env=env)
    out = manage("seed_demo", "--people", "300", "--as-of", "2026-11-25", env=env)
    assert f"people {300 + 2 + len(cardstates.CASES)}" in out
    assert "already loaded" in manage("seed_demo", "--if-empty", env=env)
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM registry_person").fetchone()[0] == 300 + 2 + len(cardstates.CASES)
        name = db.execute("SELECT full_name FROM registry_person WHERE ssn = '0123456789'").fetchone()[0]
        assert name == "Nguyễn Văn An"
        assert db.execute("SELECT count(*) FROM accounts_user").fetchone()[0] == 6  # accounts.demo.USERS
        # Django registers REGEXP on its connections; a plain client needs it too to write.
        db.create_function("REGEXP", 2, lambda pattern, value: value is not None and re.search(pattern, value) is not None)
        with pytest.raises(sqlite3.IntegrityError):
            # The checks hold in the embedded database too.
            db.execute("UPDATE registry_person SET ssn = 'abc' WHERE ssn = '0123456789'")
    # Loading again replaces the people, and the audit trail about them goes with them: its
    # references have no constraint to cascade along (audit.models), and a row left behind would
    # show the old Bình's viewers to whoever takes her id.
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        db.execute(
            "INSERT INTO audit_auditevent (at, actor_label, action, object_type, object_id, detail, person_id, actor_id) "
            "SELECT '2026-11-25 08:00:00', u.username, 'card.check', 'card', p.ssn, '{}', p.id, u.id "
            "FROM registry_person p, accounts_user u WHERE p.ssn = '0198765432' AND u.username = 'bachmai.tiepdon'"
        )
        assert db.execute("SELECT count(*) FROM audit_auditevent WHERE action = 'card.check'").fetchone()[0] == 1
    manage("seed_demo", "--people", "300", "--as-of", "2026-11-25", env=env)
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM audit_auditevent WHERE action = 'card.check'").fetchone()[0] == 0
    # The hand-written hot queries (vssid.db.hot) run on SQLite too, with the ORM's conversions.
    out = manage("shell", "-c", SQLITE_HOT_PATHS, env=env)
    assert out.strip().splitlines()[-1] == "ok 0198765432 Trần Thị Bình"


SQLITE_HOT_PATHS = """
import datetime as dt
from accounts.models import User
from accounts.services import issue_tokens, revoke_access_token, user_for_access_token
from api.routers.card import user_and_card_for_access_token
from registry.card import card_for_citizen
from registry.cardkeys import published_jwks
from registry.cardformat import parse_qr_payload
binh = User.objects.get(person__ssn="0198765432")
pair = issue_tokens(binh, device="test")
user = user_for_access_token(pair.access_token)
assert user is not None and user.pk == binh.pk and user.is_active is True, user
assert isinstance(user.date_joined, dt.datetime) and user.date_joined.tzinfo is not None, user.date_joined
card = card_for_citizen(user)
assert isinstance(card.valid_from, dt.date), card
assert parse_qr_payload(card.qr_payload, keys=published_jwks()).full_name == card.full_name
same_user, record = user_and_card_for_access_token(pair.access_token)
assert same_user.pk == binh.pk and record is not None and record.number == card.card_number, record
revoke_access_token(pair.access_token)
assert user_and_card_for_access_token(pair.access_token) is None
assert user_for_access_token(pair.access_token) is None
print("ok", user.person.ssn, card.full_name)
"""


@pytest.fixture
def scratch_postgres() -> object:
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL")
    name = f"vssid_scratch_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(
        host=default["HOST"], port=default["PORT"] or 5432, user=default["USER"], dbname="postgres", autocommit=True
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgres://{default['USER']}@{default['HOST']}:{default['PORT'] or 5432}/{name}"
    try:
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_parallel_copy_on_postgresql_is_deterministic(scratch_postgres: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": scratch_postgres, "VSSID_VAR_DIR": str(tmp_path)}
    manage("migrate", "--noinput", env=env)
    digests = []
    for _ in range(2):
        out = manage("seed_demo", "--people", "25000", "--seed", "3", "--as-of", "2026-11-25", "--workers", "2", env=env)
        assert f"people {25_000 + 2 + len(cardstates.CASES):,}" in out
        with psycopg.connect(scratch_postgres.replace("postgres://", "postgresql://")) as db:
            counts = db.execute(
                "SELECT (SELECT count(*) FROM registry_person), (SELECT count(*) FROM registry_participationperiod),"
                " (SELECT count(*) FROM registry_healthcard WHERE status = 'active'),"
                " (SELECT md5(string_agg(ssn || cccd || full_name, ',' ORDER BY id)) FROM registry_person),"
                " (SELECT md5(string_agg(person_id || scheme || from_month || salary_basis, ','"
                "   ORDER BY person_id, scheme, from_month, salary_basis)) FROM registry_participationperiod)"
            ).fetchone()
            # Sequences continue after the loaded ids, so new rows do not collide.
            row = db.execute("SELECT nextval(pg_get_serial_sequence('registry_person', 'id'))").fetchone()
        assert counts is not None and row is not None
        next_id = row[0]
        fixed = 2 + len(cardstates.CASES)
        assert counts[0] == 25_000 + fixed and next_id > 25_000 + fixed
        digests.append(counts)
    assert digests[0] == digests[1]
