"""The "Quá trình tham gia" page and its API: totals, tabs, year filters, owner-only access, query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.services import issue_tokens
from registry import history
from registry.models import Person
from registry.tests.history_support import (
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
    # A row per salary change in every scheme (the register keeps a period per salary).
    assert bhxh.count("Báo sai") == 4 and bhtnld.count("Báo sai") == 4
    assert "6.000.000 đ" in bhxh and "6.000.000 đ" in bhtnld
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
    # One more than the history itself: the months declared by employers (declarations.alerts).
    with django_assert_max_num_queries(4):
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
    # The router renders its dict as it is: the answer must be exactly the declared schema.
    from api.routers.history import ParticipationOut

    assert ParticipationOut.model_validate(data).model_dump(mode="json") == data
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


def test_a_gap_between_periods_is_shown_with_a_report_missing_link() -> None:
    import datetime as dt

    from registry.models import ParticipationPeriod

    person = Person.objects.get(ssn=BINH_SSN)
    first = ParticipationPeriod.objects.filter(person=person, scheme="bhxh").order_by("from_month").first()
    assert first is not None and first.from_month == dt.date(2016, 9, 1)
    ParticipationPeriod.objects.create(
        person=person,
        scheme="bhxh",
        from_month=dt.date(2014, 1, 1),
        to_month=dt.date(2015, 6, 1),
        employer=first.employer,
        salary_basis=4_000_000,
        participant_group="DN",
    )
    client = citizen_client()
    body = client.get("/ca-nhan/qua-trinh/").content.decode()
    assert body.count('class="gap"') == 1 and "Không có dữ liệu đóng" in body
    # The months 07/2015–08/2016 are the gap; its link opens the form with the first one filled in.
    assert "07/2015" in body and "08/2016" in body
    link = "/ca-nhan/phan-anh/?scheme=bhxh&amp;month=2015-07"
    assert link in body and body.count("Báo thiếu<") == 1
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert 'value="2015-07"' in form
    # Contiguous periods (Bình's own, one row per salary change) leave no gap.
    assert 'class="gap"' not in client.get("/ca-nhan/qua-trinh/?from_year=2017").content.decode()
