"""Shared helpers of the history tests: the fixed people, logins, a person with a long history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from accounts.models import User
from registry import rules
from registry.models import Employer, ParticipationPeriod, Person

BINH_SSN = "0198765432"
AN_SSN = "0123456789"


def citizen_client(ssn: str = BINH_SSN) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=ssn))
    return client


def user_client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def expected_months(periods: list[tuple[dt.date, dt.date | None]], today: dt.date) -> int:
    """Months covered, counted month by month into a set (independent of the service's algorithm)."""
    last = today.replace(day=1)
    covered: set[tuple[int, int]] = set()
    for start, end in periods:
        day = start
        stop = min(end or last, last)
        while day <= stop:
            covered.add((day.year, day.month))
            day = (day.replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    return len(covered)


def make_long_history(n: int = 80, *, ssn: str = "0990000001", cccd: str = "001099000001") -> Person:
    """A person with n BHXH periods over many employers, with overlaps, gaps, voluntary runs and late months."""
    person = Person.objects.create(
        ssn=ssn,
        cccd=cccd,
        full_name="Lê Thị Dài Hạn",
        birth_year=1960,
        birth_month=1,
        birth_day=2,
        sex=2,
        province_id="01",
        phone="+84900000111",
    )
    employers = list(Employer.objects.order_by("code")[:12])
    rows = []
    index = rules.month_index(dt.date(1990, 1, 1))
    for i in range(n):
        length = 3 + (i * 7) % 11
        start = rules.month_from_index(index)
        end = rules.month_from_index(index + length - 1)
        voluntary = i % 9 == 4
        rows.append(
            ParticipationPeriod(
                person=person,
                scheme="bhxh",
                from_month=start,
                to_month=None if i == n - 1 else end,
                employer=None if voluntary else employers[i % len(employers)],
                position=f"Vị trí {i}",
                salary_basis=1_000_000 + i * 150_000,
                voluntary=voluntary,
                participant_group="" if voluntary else "DN",
                late_months=i % 3,
            )
        )
        # Every fourth period overlaps the next one by two months; every fifth leaves a gap.
        index += length - (2 if i % 4 == 0 else 0) + (3 if i % 5 == 0 else 0)
    ParticipationPeriod.objects.bulk_create(rows)
    for i in range(5):
        ParticipationPeriod.objects.create(
            person=person,
            scheme="bhyt",
            from_month=dt.date(2000 + i * 3, 1, 1),
            to_month=dt.date(2001 + i * 3, 6, 1),
            employer=employers[0],
            salary_basis=5_000_000,
        )
    return person


def periods_of(person: Person, scheme: str) -> list[tuple[dt.date, dt.date | None]]:
    return list(ParticipationPeriod.objects.filter(person=person, scheme=scheme).values_list("from_month", "to_month"))


def json_of(response: Any) -> Any:
    return response.json()
