"""The demo logins (design.md §7, README): one per role, over the demo register of registry.demo.

Like every demo login, the hospital counter's (`bachmai.tiepdon`) keeps its published password:
no forced change, so a tester can log in with what the README says.

`seed_demo` is the one entry for the whole demo (the `seed_demo` command, the test database, the
benchmarks): registry.demo.loader writes the register, and the logins are written last, in the
transaction that writes the documented people, so a seed is complete or not there at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import make_password

from accounts.models import User
from counter.demo import seed_gateway_credentials
from registry.demo import loader
from registry.demo.fixed import BINH, DEMO_EMPLOYER_CODE, DEMO_OFFICE
from registry.demo.loader import SeedReport

__all__ = ["DEMO_PASSWORD", "USERS", "is_seeded", "seed_demo"]

BACH_MAI = "01929"  # KCB code of Bệnh viện Bạch Mai (places/data/facilities.csv)
DEMO_PASSWORD = "VssidDemo@2026"  # noqa: S105 - published demo credential, documented in the README

USERS: list[dict[str, Any]] = [
    {
        "username": BINH["ssn"],
        "role": User.Role.CITIZEN,
        "person_id": BINH["id"],
        "first_name": "Bình",
        "last_name": "Trần Thị",
        "email": BINH["email"],
    },
    {
        "username": "canbo.dongda",
        "role": User.Role.STAFF,
        "office_id": DEMO_OFFICE,
        "first_name": "Cán bộ",
        "last_name": "Đống Đa",
    },
    {
        "username": "nhansu.demo",
        "role": User.Role.EMPLOYER,
        "employer_id": DEMO_EMPLOYER_CODE,
        "first_name": "Nhân sự",
        "last_name": "Sông Hồng",
    },
    {
        "username": "lanhdao.hanoi",
        "role": User.Role.LEAD,
        "office_id": "001",
        "first_name": "Lãnh đạo",
        "last_name": "BHXH Hà Nội",
    },
    {
        "username": "bachmai.tiepdon",
        "role": User.Role.FACILITY,
        "facility_id": BACH_MAI,
        "officer_name": "Phạm Thu Hà",
        "officer_cccd": "001185001234",
        "first_name": "Tiếp đón",
        "last_name": "Bạch Mai",
    },
    {"username": "admin", "role": User.Role.ADMIN, "is_staff": True, "is_superuser": True, "first_name": "Quản trị"},
]

# Emptied with the register, before the people the logins point to; what hangs off the logins
# (sessions, tokens…) goes with them on PostgreSQL (TRUNCATE … CASCADE).
_USER_TABLES = (
    User.groups.through._meta.db_table,
    User.user_permissions.through._meta.db_table,
    User._meta.db_table,
)


def _create_users() -> None:
    password = make_password(DEMO_PASSWORD)
    for spec in USERS:
        User.objects.create(password=password, **spec)
    loader.reset_sequences([User])
    seed_gateway_credentials(DEMO_PASSWORD)


def is_seeded() -> bool:
    """Whether a complete demo is loaded: the register's documented people and the demo logins."""
    return loader.is_seeded() and User.objects.filter(username=USERS[-1]["username"]).exists()


def seed_demo(
    *, people: int, seed: int, as_of: dt.date, workers: int | None = None, progress: Callable[[str], None] = lambda _: None
) -> SeedReport:
    """Replace the register and the logins with the deterministic demo: same seed and date, same data."""
    return loader.seed_register(
        people=people,
        seed=seed,
        as_of=as_of,
        workers=workers,
        progress=progress,
        also_clear=_USER_TABLES,
        finish=_create_users,
    )
