"""Public look-ups without login: pages and API, accents, paging, masking, the one-match rule, throttling."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from places.lookup import DIRECTORY_BUDGET, LookupRefused, check_budget
from places.models import Office
from registry.lookup import SSN_BUDGET
from registry.models import Person
from vssid.masking import mask_name, mask_ssn
from vssid.models import RateCounter

pytestmark = pytest.mark.django_db
API = "/api/v1"
AN_BY_NAME = {"full_name": "nguyen van an", "date_of_birth": "1990-05-12", "province_code": "01"}


def html(response: Any) -> str:
    return str(response.content.decode())


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content)
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code, body
    return body


# ---- masking and the BHXH code -----------------------------------------------------------


def test_masks() -> None:
    assert mask_ssn("0123456789") == "01******89"
    assert mask_name("Nguyễn Văn An") == "Ng*** V** An"
    assert mask_name("Trần Thị Bình") == "Tr*** T** Bình"


@pytest.mark.parametrize("params", [{"cccd": "001090012345"}, AN_BY_NAME, {**AN_BY_NAME, "full_name": "NGUYỄN  VĂN AN"}])
def test_ssn_api_as_a_stranger_answers_masked(client: Client, params: dict[str, str]) -> None:
    response = client.get(f"{API}/lookup/ssn", params)
    assert response.status_code == 200, response.content
    assert response.json() == {"ssn_masked": "01******89", "name_masked": "Ng*** V** An", "province_name": "Hà Nội"}
    assert "0123456789" not in html(response)


def test_ssn_page_as_a_stranger_answers_masked(client: Client) -> None:
    assert client.get("/tra-cuu/ma-so-bhxh/").status_code == 200
    response = client.post("/tra-cuu/ma-so-bhxh/", {"cccd": "001 090 012 345"})
    assert response.status_code == 200
    page = html(response)
    assert "01******89" in page and "Ng*** V** An" in page
    assert "0123456789" not in page and "Nguyễn Văn An" not in page
    by_name = html(client.post("/tra-cuu/ma-so-bhxh/", AN_BY_NAME))
    assert "01******89" in by_name and "0123456789" not in by_name


def test_ssn_needs_exactly_one_match(client: Client) -> None:
    an = Person.objects.get(ssn="0123456789")
    twin = Person.objects.get(pk=an.pk)
    twin.pk, twin.ssn, twin.cccd = None, "0123400001", "001090099999"
    twin.save()
    several = client.get(f"{API}/lookup/ssn", AN_BY_NAME)
    error(several, 404, "not_found")
    assert "0123400001" not in html(several) and "01******01" not in html(several)
    assert client.post("/tra-cuu/ma-so-bhxh/", AN_BY_NAME).status_code == 404
    # The CCCD still tells them apart; a wrong date or province finds nobody.
    assert client.get(f"{API}/lookup/ssn", {"cccd": "001090099999"}).json()["ssn_masked"] == "01******01"
    error(client.get(f"{API}/lookup/ssn", {**AN_BY_NAME, "date_of_birth": "1990-05-13", "full_name": "x y"}), 404, "not_found")
    error(
        client.get(f"{API}/lookup/ssn", {"cccd": "001090012345", "province_code": ""} | {"cccd": "999999999999"}),
        404,
        "not_found",
    )


def test_ssn_incomplete_question(client: Client) -> None:
    body = error(client.get(f"{API}/lookup/ssn", {"full_name": "Nguyễn Văn An"}), 400, "invalid_input")
    assert set(body["fields"]) == {"date_of_birth", "province_code"}
    error(client.get(f"{API}/lookup/ssn", {"cccd": "123"}), 400, "invalid_input")
    page = client.post("/tra-cuu/ma-so-bhxh/", {"full_name": "An"})
    assert page.status_code == 400
    # One message per problem: each missing field says so once, no general sentence on top as well.
    text = page.content.decode()
    assert text.count("Nhập ngày sinh.") == 1 and text.count("Chọn tỉnh/thành phố.") == 1
    assert "Nhập số CCCD, hoặc họ tên, ngày sinh và tỉnh/thành phố." not in text


def test_eleventh_ssn_lookup_is_throttled(client: Client) -> None:
    for _ in range(SSN_BUDGET.limit):
        assert client.get(f"{API}/lookup/ssn", {"cccd": "001090012345"}).status_code == 200
    error(client.get(f"{API}/lookup/ssn", {"cccd": "001090012345"}), 429, "too_many_requests")
    page = client.post("/tra-cuu/ma-so-bhxh/", {"cccd": "001090012345"})
    assert page.status_code == 429
    assert "01******89" not in html(page) and 'role="alert"' in html(page)
    # Another address has its own budget.
    other = client.get(f"{API}/lookup/ssn", {"cccd": "001090012345"}, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 200


def test_the_window_restarts() -> None:
    start = timezone.now()
    for _ in range(SSN_BUDGET.limit):
        check_budget(SSN_BUDGET, "10.9.9.9", now=start)
    later = start + SSN_BUDGET.window + dt.timedelta(seconds=1)
    check_budget(SSN_BUDGET, "10.9.9.9", now=later)
    row = RateCounter.objects.get(key__startswith=f"{SSN_BUDGET.name}:")
    assert row.count == 1 and row.window_ends_at == later + SSN_BUDGET.window


def test_a_refusal_says_how_many_minutes_to_wait() -> None:
    start = timezone.now()
    for _ in range(SSN_BUDGET.limit):
        check_budget(SSN_BUDGET, "10.9.9.9", now=start)
    with pytest.raises(LookupRefused) as refused:
        check_budget(SSN_BUDGET, "10.9.9.9", now=start + dt.timedelta(minutes=7, seconds=30))
    assert refused.value.status == 429 and refused.value.code == "too_many_requests"
    # 2 min 30 s left: the two whole minutes and the one under way.
    assert re.findall(r"\d+", refused.value.message) == ["3"]


# ---- directories -------------------------------------------------------------------------


def test_offices_as_a_stranger_ignore_accents(client: Client) -> None:
    response = client.get(f"{API}/lookup/offices", {"q": "dong da"})
    assert response.status_code == 200
    codes = [item["code"] for item in response.json()["items"]]
    assert "00106" in codes
    item = next(i for i in response.json()["items"] if i["code"] == "00106")
    assert item["address"] and item["phone"] and item["province"]["code"] == "01"
    page = html(client.get("/tra-cuu/co-quan-bhxh/", {"q": "Đống Đa"}))
    assert "BHXH cơ sở Đống Đa" in page and "tel:" in page


def test_offices_leave_out_those_no_longer_in_force(client: Client) -> None:
    Office.objects.filter(code="00106").update(valid_to=dt.date(2025, 6, 30))
    codes = [i["code"] for i in client.get(f"{API}/lookup/offices", {"q": "dong da"}).json()["items"]]
    assert "00106" not in codes


def test_facilities_search_and_filters(client: Client) -> None:
    items = client.get(f"{API}/lookup/facilities", {"q": "bach mai"}).json()["items"]
    names = [i["name"] for i in items]
    assert "Bệnh viện Bạch Mai" in names
    hospital = next(i for i in items if i["name"] == "Bệnh viện Bạch Mai")
    assert hospital["address"] and hospital["phone"] and hospital["level"] == "chuyen_sau"
    initial = client.get(f"{API}/lookup/facilities", {"q": "bach mai", "initial_registration": "true"}).json()["items"]
    assert "Bệnh viện Bạch Mai" not in [i["name"] for i in initial] and initial
    assert all(i["accepts_initial_registration"] for i in initial)
    level = client.get(f"{API}/lookup/facilities", {"province_code": "01", "level": "ban_dau"}).json()
    assert level["count"] > 0 and all(i["level"] == "ban_dau" for i in level["items"])
    ward = client.get(f"{API}/lookup/facilities", {"ward_code": "00277"}).json()["items"]
    assert ward and all(i["ward"]["code"] == "00277" for i in ward)
    page = html(client.get("/tra-cuu/co-so-kcb/", {"q": "BACH MAI", "province_code": "01"}))
    assert "Bệnh viện Bạch Mai" in page and "<label" in page


def test_collection_points_with_opening_hours(client: Client) -> None:
    body = client.get(f"{API}/lookup/collection-points", {"province_code": "01", "kind": "dai_ly"}).json()
    assert body["count"] > 0 and all(i["kind"] == "dai_ly" for i in body["items"])
    assert any(i["opening_hours"] for i in body["items"])
    first = body["items"][0]
    folded_query = first["name"].split()[-1]
    found = client.get(f"{API}/lookup/collection-points", {"q": folded_query}).json()["items"]
    assert first["code"] in [i["code"] for i in found]
    page = client.get("/tra-cuu/diem-thu/", {"province_code": "01", "kind": "dai_ly"})
    assert page.status_code == 200 and first["name"] in html(page)


def test_pagination(client: Client) -> None:
    first = client.get(f"{API}/lookup/collection-points", {"limit": 100}).json()
    assert first["count"] > 100 and len(first["items"]) == 100
    second = client.get(f"{API}/lookup/collection-points", {"limit": 100, "offset": 100}).json()
    assert not {i["code"] for i in first["items"]} & {i["code"] for i in second["items"]}
    error(client.get(f"{API}/lookup/collection-points", {"limit": 101}), 422, "invalid_input")
    page1 = html(client.get("/tra-cuu/diem-thu/"))
    assert page1.count('class="result-item"') == 20 and 'rel="next"' in page1
    page2 = html(client.get("/tra-cuu/diem-thu/", {"page": 2}))
    assert 'rel="prev"' in page2


@pytest.mark.parametrize("path", ["/lookup/offices", "/lookup/facilities", "/lookup/collection-points"])
def test_an_offset_past_bigint_is_invalid_input(client: Client, path: str) -> None:
    # OFFSET 2**63 overflowed PostgreSQL's bigint: a 500 before the bound.
    body = error(client.get(f"{API}{path}", {"offset": 2**63}, HTTP_ACCEPT_LANGUAGE="vi"), 422, "invalid_input")
    assert body["fields"] == {"offset": ["Tối đa là 1000000000."]}


def test_a_nul_character_in_a_filter_is_invalid_input(client: Client) -> None:
    # PostgreSQL cannot compare text holding NUL: the filter used to answer 500.
    response = client.get(f"{API}/lookup/facilities", {"ward_code": "\x00", "q": "a\x00"}, HTTP_ACCEPT_LANGUAGE="vi")
    body = error(response, 422, "invalid_input")
    assert body["fields"] == {"q": ["Không được chứa ký tự NUL."], "ward_code": ["Không được chứa ký tự NUL."]}
    body = error(client.get(f"{API}/lookup/ssn", {"full_name": "An\x00", "date_of_birth": "1990-05-12"}), 422, "invalid_input")
    assert list(body["fields"]) == ["full_name"]


@pytest.mark.parametrize("url", ["/tra-cuu/co-quan-bhxh/", "/tra-cuu/co-so-kcb/", "/tra-cuu/diem-thu/"])
def test_query_counts_of_list_pages(client: Client, url: str, django_assert_max_num_queries: Any) -> None:
    client.get(url)
    # provinces and wards of the form, throttle update + read, count, page
    with django_assert_max_num_queries(7):
        assert client.get(url, {"province_code": "01"}).status_code == 200


@pytest.mark.parametrize("path", ["/lookup/offices", "/lookup/facilities", "/lookup/collection-points"])
def test_query_counts_of_the_api(client: Client, path: str, django_assert_max_num_queries: Any) -> None:
    client.get(f"{API}{path}")  # the address's first look-up also inserts its throttle row
    with django_assert_max_num_queries(4):  # throttle update + read, count, page
        assert client.get(f"{API}{path}", {"limit": 100}).status_code == 200


def test_directory_lookups_are_throttled_too(client: Client) -> None:
    for _ in range(DIRECTORY_BUDGET.limit):
        check_budget(DIRECTORY_BUDGET, "127.0.0.1")
    error(client.get(f"{API}/lookup/offices"), 429, "too_many_requests")
    assert client.get("/tra-cuu/co-so-kcb/").status_code == 429


def test_index_lists_the_lookups(client: Client) -> None:
    page = html(client.get("/tra-cuu/"))
    for url in ("/tra-cuu/ma-so-bhxh/", "/tra-cuu/co-quan-bhxh/", "/tra-cuu/co-so-kcb/", "/tra-cuu/diem-thu/"):
        assert url in page
