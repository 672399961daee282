"""GET /me/participation reads plain values in one query; its answer is the one the ORM path gives.

registry.history.participation_history (ORM instances, the web page's) is the reference: for
people of the seeded register chosen for late months, gaps between periods, voluntary and
ongoing periods and several schemes, every scheme and year filter must answer the same JSON.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.services import issue_tokens
from api.routers.history import ParticipationOut
from registry import history
from registry.models import ParticipationPeriod, Person

pytestmark = pytest.mark.django_db

SCHEMES = ("bhxh", "bhtn", "bhyt", "bhtnld")
FILTERS: list[dict[str, int]] = [
    {},
    {"from_year": 2019},
    {"to_year": 2012},
    {"from_year": 2005, "to_year": 2016},
    {"from_year": 2026},
]


def _old_body(person_id: int, scheme: str, **years: int) -> dict[str, Any]:
    """The answer as the handler built it from participation_history before the plain query."""
    result = history.participation_history(
        person_id, scheme=scheme, from_year=years.get("from_year"), to_year=years.get("to_year")
    )
    return {
        "scheme": result.scheme,
        "total_months": result.total_months,
        "total_text": result.total_display,
        "late_months": result.late_months,
        "late_text": result.late_display,
        "from_year": result.from_year,
        "to_year": result.to_year,
        "periods": [{**row.__dict__, "from_month": row.from_display, "to_month": row.to_display or None} for row in result.rows],
    }


def _gap_people() -> list[int]:
    """People with a month missing between two BHXH periods (a gap in the history)."""
    out = []
    for person_id in (
        ParticipationPeriod.objects.filter(scheme="bhxh", voluntary=False)
        .values("person_id")
        .annotate(n=Count("id"))
        .filter(n__gte=4)
        .order_by("person_id")
        .values_list("person_id", flat=True)[:60]
    ):
        spans = sorted(
            ParticipationPeriod.objects.filter(person_id=person_id, scheme="bhxh").values_list("from_month", "to_month")
        )
        if any(end is not None and (nxt - end).days > 31 for (_, end), (nxt, _) in itertools.pairwise(spans)):
            out.append(person_id)
    return out[:3]


def _people() -> list[int]:
    periods = ParticipationPeriod.objects.order_by("person_id")
    late = list(periods.filter(late_months__gt=0).values_list("person_id", flat=True).distinct()[:3])
    voluntary = list(periods.filter(voluntary=True).values_list("person_id", flat=True).distinct()[:2])
    schemes = list(
        Person.objects.annotate(n=Count("periods__scheme", distinct=True))
        .filter(n=4, periods__to_month__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
        .distinct()[:2]
    )
    child = list(
        Person.objects.filter(~Q(periods__scheme="bhxh"), periods__scheme="bhyt")
        .order_by("-birth_year", "id")
        .values_list("id", flat=True)[:1]
    )
    gaps = _gap_people()
    assert late and voluntary and schemes and child and gaps, (late, voluntary, schemes, child, gaps)
    return list(dict.fromkeys(late + voluntary + schemes + child + gaps))


def _client(person_id: int) -> tuple[Client, dict[str, Any]]:
    person = Person.objects.get(pk=person_id)
    user = User.objects.filter(person=person).first() or User.objects.create_user(
        username=person.ssn, password=None, role=User.Role.CITIZEN, person=person
    )
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {issue_tokens(user).access_token}"}


def test_api_answers_what_the_orm_path_answers_for_every_scheme_and_filter() -> None:
    people = _people()
    late_seen = gap_periods = 0
    for person_id in people:
        client, headers = _client(person_id)
        for scheme in SCHEMES:
            for years in FILTERS:
                query = "&".join(f"{k}={v}" for k, v in {"scheme": scheme, **years}.items())
                response = client.get(f"/api/v1/me/participation?{query}", **headers)
                assert response.status_code == 200, response.content
                data = response.json()
                assert data == _old_body(person_id, scheme, **years), (person_id, query)
                assert ParticipationOut.model_validate(data).model_dump(mode="json") == data
                late_seen += data["late_months"] > 0
                gap_periods += len(data["periods"])
    assert late_seen and gap_periods


def test_the_default_scheme_and_a_scheme_named_twice() -> None:
    person_id = _people()[0]
    client, headers = _client(person_id)
    assert client.get("/api/v1/me/participation", **headers).json() == _old_body(person_id, "bhxh")
    # Whichever of the two values the router reads, the periods are those of the scheme answered.
    twice = client.get("/api/v1/me/participation?scheme=bhyt&scheme=bhxh", **headers).json()
    assert twice == _old_body(person_id, twice["scheme"])


def test_one_statement_and_no_model_instances(monkeypatch: pytest.MonkeyPatch) -> None:
    person_id = _people()[0]
    client, headers = _client(person_id)
    client.get("/api/v1/me/participation", **headers)  # first use prepares the statement
    built: list[type] = []
    original = ParticipationPeriod.from_db.__func__  # type: ignore[attr-defined]

    def spy(cls: type, *args: Any, **kwargs: Any) -> Any:
        built.append(cls)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(ParticipationPeriod, "from_db", classmethod(spy))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/me/participation?scheme=bhyt", **headers)
    assert response.status_code == 200 and response.json()["periods"]
    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert built == []


def test_errors_stay_as_they_were() -> None:
    client, headers = _client(_people()[0])
    bad = client.get("/api/v1/me/participation?scheme=nope", **headers)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_scheme"
    years = client.get("/api/v1/me/participation?from_year=2022&to_year=2019", **headers)
    assert years.status_code == 400 and years.json()["code"] == "invalid_years"
    assert client.get("/api/v1/me/participation", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert client.get("/api/v1/me/participation?scheme=" + "x" * 11, **headers).status_code in (400, 422)


def test_month_text_matches_the_date_format() -> None:
    for day in (dt.date(1976, 1, 1), dt.date(1999, 12, 1), dt.date(2026, 11, 1)):
        index = day.year * 12 + day.month - 1
        assert history._month_text(index) == history.format_month(day)
