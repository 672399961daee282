"""Quá trình tham gia: totals, tabs, year filters, owner-only access, query counts, and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.services import issue_tokens
from registry import history
from registry.models import ParticipationPeriod, Person
from registry.tests.history_support import (
    AN_SSN,
    BINH_SSN,
    citizen_client,
    expected_months,
    make_long_history,
    periods_of,
    user_client,
)

pytestmark = pytest.mark.django_db


def _bearer(user: User) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_tokens(user).access_token}"}


# ---- month arithmetic --------------------------------------------------------------------------


def test_union_months_counts_overlaps_once() -> None:
    today = dt.date(2026, 11, 25)
    d = dt.date
    assert history.union_months([(d(2020, 1, 1), d(2020, 12, 1))], today) == 12
    assert history.union_months([(d(2020, 1, 1), d(2020, 12, 1)), (d(2020, 6, 1), d(2021, 3, 1))], today) == 15
    assert history.union_months([(d(2020, 1, 1), d(2020, 1, 1)), (d(2020, 3, 1), d(2020, 3, 1))], today) == 2
    assert history.union_months([(d(2026, 1, 1), None)], today) == 11
    assert history.union_months([(d(2020, 1, 1), d(2022, 1, 1)), (d(2020, 5, 1), d(2020, 6, 1))], today) == 25
    assert history.union_months([], today) == 0


def test_format_helpers() -> None:
    assert history.format_vnd(12_800_000) == "12.800.000 đ"
    assert history.format_month(dt.date(2016, 9, 1)) == "09/2016"


# ---- totals against the database ---------------------------------------------------------------


@pytest.mark.parametrize("ssn", [BINH_SSN, AN_SSN])
@pytest.mark.parametrize("scheme", ["bhxh", "bhtn", "bhyt", "bhtnld"])
def test_totals_of_demo_people_match_the_database(ssn: str, scheme: str) -> None:
    person = Person.objects.get(ssn=ssn)
    today = timezone.localdate()
    result = history.participation_history(person.pk, scheme=scheme)
    assert result.total_months == expected_months(periods_of(person, scheme), today)
    late = sum(ParticipationPeriod.objects.filter(person=person, scheme=scheme).values_list("late_months", flat=True))
    assert result.late_months == late
    assert len(result.rows) == ParticipationPeriod.objects.filter(person=person, scheme=scheme).count()


def test_binh_bhxh_total_is_september_2016_to_now() -> None:
    person = Person.objects.get(ssn=BINH_SSN)
    today = timezone.localdate()
    months = (today.year - 2016) * 12 + today.month - 9 + 1
    assert history.participation_history(person.pk, scheme="bhxh").total_months == months


def test_long_history_totals_with_overlaps_gaps_and_late_months() -> None:
    person = make_long_history(80)
    today = timezone.localdate()
    result = history.participation_history(person.pk, scheme="bhxh")
    spans = periods_of(person, "bhxh")
    assert result.total_months == expected_months(spans, today)
    # Overlaps really happen in this history: the plain sum is larger than the union.
    naive = sum(p.months(today) for p in ParticipationPeriod.objects.filter(person=person, scheme="bhxh"))
    assert naive > result.total_months
    assert result.late_months == sum(i % 3 for i in range(80))
    assert len(result.rows) == 80
    assert history.participation_history(person.pk, scheme="bhyt").total_months == 5 * 18


def test_demo_people_of_the_generated_register_too() -> None:
    today = timezone.localdate()
    for person in Person.objects.filter(periods__isnull=False).distinct().order_by("id")[10:30]:
        for scheme in ("bhxh", "bhyt"):
            spans = periods_of(person, scheme)
            assert history.participation_history(person.pk, scheme=scheme).total_months == expected_months(spans, today)


# ---- the page ----------------------------------------------------------------------------------


def test_page_shows_binh_rows_totals_and_formatted_salary() -> None:
    response = citizen_client().get("/ca-nhan/qua-trinh/")
    assert response.status_code == 200
    body = response.content.decode()
    person = Person.objects.get(ssn=BINH_SSN)
    total = history.participation_history(person.pk, scheme="bhxh").total_months
    assert f"{total // 12} năm {total % 12} tháng" in body
    assert "12.800.000 đ" in body
    assert "09/2016" in body
    assert "Tổng thời gian chậm đóng" in body


def test_tabs_switch_scheme() -> None:
    client = citizen_client()
    bhtnld = client.get("/ca-nhan/qua-trinh/?scheme=bhtnld").content.decode()
    bhxh = client.get("/ca-nhan/qua-trinh/?scheme=bhxh").content.decode()
    # BHXH has a row per salary change; BHTNLĐ-BNN one row at the last salary.
    assert bhxh.count("Báo sai") == 4 and bhtnld.count("Báo sai") == 1
    assert "6.000.000 đ" in bhxh and "6.000.000 đ" not in bhtnld
    assert 'href="?scheme=bhtnld" aria-current="page"' in bhtnld
    # An unknown tab falls back to BHXH.
    assert client.get("/ca-nhan/qua-trinh/?scheme=xyz").status_code == 200


def test_year_filter_keeps_overlapping_rows_and_totals() -> None:
    person = Person.objects.get(ssn=BINH_SSN)
    client = citizen_client()
    body = client.get("/ca-nhan/qua-trinh/?scheme=bhxh&from_year=2019&to_year=2021").content.decode()
    assert "01/2019" in body and "09/2016" not in body and "01/2022" not in body
    result = history.participation_history(person.pk, scheme="bhxh", from_year=2019, to_year=2021)
    assert [r.from_display for r in result.rows] == ["01/2019"]
    # Totals stay those of the whole scheme.
    assert result.total_months == history.participation_history(person.pk, scheme="bhxh").total_months
    ongoing = history.participation_history(person.pk, scheme="bhxh", from_year=2026)
    assert [r.from_display for r in ongoing.rows] == ["01/2025"]  # the ongoing row reaches this year


def test_bad_year_range_is_a_clear_error() -> None:
    response = citizen_client().get("/ca-nhan/qua-trinh/?from_year=2022&to_year=2019")
    assert response.status_code == 400
    assert "Khoảng năm không hợp lệ" in response.content.decode()


def test_voluntary_rows_are_marked() -> None:
    person = make_long_history(20)
    User.objects.create_user(username=person.ssn, password="x", role=User.Role.CITIZEN, person=person)
    client = citizen_client(person.ssn)
    assert "Tự nguyện" in client.get("/ca-nhan/qua-trinh/").content.decode()


def test_page_query_count_does_not_grow_with_history(django_assert_max_num_queries: Any) -> None:
    person = make_long_history(150)
    User.objects.create_user(username=person.ssn, password="x", role=User.Role.CITIZEN, person=person)
    client = citizen_client(person.ssn)
    with django_assert_max_num_queries(3):
        response = client.get("/ca-nhan/qua-trinh/")
    assert response.status_code == 200
    assert response.content.decode().count("Báo sai") == 150


def test_anonymous_goes_to_login_and_other_roles_get_404() -> None:
    response = Client().get("/ca-nhan/qua-trinh/")
    assert response.status_code == 302 and "next=" in response["Location"]
    for username in ("canbo.dongda", "nhansu.demo", "lanhdao.hanoi"):
        for url in (
            "/ca-nhan/qua-trinh/",
            "/ca-nhan/qua-trinh/c14-ts.pdf",
            "/ca-nhan/thong-tin-huong/",
            "/ca-nhan/kham-chua-benh/",
            "/ca-nhan/phan-anh/",
        ):
            assert user_client(username).get(url).status_code == 404, (username, url)


# ---- the API -----------------------------------------------------------------------------------


def test_api_participation_owner_only_and_filters() -> None:
    binh = User.objects.get(username=BINH_SSN)
    client = Client()
    response = client.get("/api/v1/me/participation?scheme=bhxh", **_bearer(binh))
    assert response.status_code == 200, response.content
    data = response.json()
    person = Person.objects.get(ssn=BINH_SSN)
    assert data["total_months"] == expected_months(periods_of(person, "bhxh"), timezone.localdate())
    assert [p["from_month"] for p in data["periods"]] == ["09/2016", "01/2019", "01/2022", "01/2025"]
    assert data["periods"][-1]["to_month"] is None
    assert {p["employer_code"] for p in data["periods"]} == {"0101234567DNA03"}
    filtered = client.get("/api/v1/me/participation?scheme=bhxh&from_year=2022&to_year=2022", **_bearer(binh)).json()
    assert [p["from_month"] for p in filtered["periods"]] == ["01/2022"]
    bad = client.get("/api/v1/me/participation?scheme=nope", **_bearer(binh))
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_scheme"
    assert client.get("/api/v1/me/participation").status_code == 401
    staff = User.objects.get(username="canbo.dongda")
    assert client.get("/api/v1/me/participation", **_bearer(staff)).status_code == 403
