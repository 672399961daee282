"""The estimator page of the citizen: Bình's estimate, the date and retirement inputs, who reaches it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from accounts.models import User


@pytest.fixture
def binh_client(client: Client) -> Client:
    client.force_login(User.objects.get(username="0198765432"))
    return client


@pytest.mark.django_db
def test_the_page_shows_binhs_estimate_labelled_as_such(binh_client: Client, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(8):
        response = binh_client.get("/ca-nhan/uoc-tinh/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "ước tính" in html and "hệ số trượt giá" in html
    assert "Trần Thị Bình" in html and "12/2052" in html
    assert "75%" in html and "₫" in html and re.search(r"\d{1,3}(\.\d{3}){2} ₫", html)


@pytest.mark.django_db
def test_the_page_takes_a_date_and_a_retirement_month(binh_client: Client) -> None:
    response = binh_client.get("/ca-nhan/uoc-tinh/", {"on": "2024-01-15", "retirement": "2045-03"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "15/01/2024" in html and "03/2045" in html
    assert "Luật BHXH 2014" in html  # the lump-sum date is before 01/07/2025
    assert binh_client.get("/ca-nhan/uoc-tinh/", {"on": "not-a-date"}).status_code == 400


@pytest.mark.django_db
def test_only_citizens_reach_the_estimator(client: Client) -> None:
    assert client.get("/ca-nhan/uoc-tinh/").status_code == 302
    client.force_login(User.objects.get(username="canbo.dongda"))
    assert client.get("/ca-nhan/uoc-tinh/").status_code == 404
