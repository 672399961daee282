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
    assert "75%" in html and "₫" not in html and re.search(r"\d{1,3}(\.\d{3}){2}\u00a0đ", html)


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


@pytest.mark.django_db
def test_the_page_refuses_a_pension_before_the_age_and_offers_it_on_reduced_capacity(binh_client: Client) -> None:
    # Bình (born 03/11/1992) asking for 03/2045 is 52y4m, below her pension age of 60: no pension.
    html = binh_client.get("/ca-nhan/uoc-tinh/", {"retirement": "2045-03"}).content.decode()
    assert "Chưa đủ tuổi nghỉ hưu vào tháng này" in html and "từ tháng 12/2052" in html
    # With 81 % loss she may retire up to 10 years early: 60 − 52y4m = 7 years 8 months = 92 months,
    # 7 × 2 % + 1 % (8 odd months) = 15 % off her rate (Law SI 2024 art. 66(3)).
    html = binh_client.get("/ca-nhan/uoc-tinh/", {"retirement": "2045-03", "capacity_loss": "81"}).content.decode()
    assert "92 tháng, giảm 15% tỷ lệ hưởng" in html
    assert binh_client.get("/ca-nhan/uoc-tinh/", {"capacity_loss": "50"}).status_code == 400


@pytest.mark.django_db
def test_the_page_names_the_2006_law_for_a_date_before_2016(binh_client: Client) -> None:
    html = binh_client.get("/ca-nhan/uoc-tinh/", {"on": "2015-06-01"}).content.decode()
    assert "Luật BHXH 2006 (quyết định trước 01/01/2016)" in html
