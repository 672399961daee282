"""The public calculator pages: no login, the answer and its law on the page, errors by the field."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_index_links_every_calculator(client: Any) -> None:
    page = client.get("/tinh-toan/").content.decode()
    for path in (
        "bhxh-tu-nguyen",
        "bhyt-ho-gia-dinh",
        "the-bhyt-chi-tra",
        "gia-tri-the-bhyt",
        "tro-cap-that-nghiep",
        "tuoi-nghi-huu",
        "luong-huu",
    ):
        assert f"/tinh-toan/{path}/" in page


def test_voluntary_page_shows_amount_and_both_texts(client: Any) -> None:
    response = client.get(
        "/tinh-toan/bhxh-tu-nguyen/", {"income": 2_000_000, "group": "near_poor", "months": 3, "on": "2025-08-01"}
    )
    page = response.content.decode()
    # 1,320,000 − 396,000 = 924,000 (hand calculation in registry/tests/test_rules_calculators.py).
    assert response.status_code == 200 and "924.000" in page
    assert "41/2024/QH15" in page and "159/2025" in page and "01/08/2025" in page


def test_voluntary_page_refuses_low_income_next_to_the_field(client: Any) -> None:
    response = client.get("/tinh-toan/bhxh-tu-nguyen/", {"income": 1, "on": "2025-08-01"})
    page = response.content.decode()
    assert response.status_code == 400 and "1.500.000" in page and 'href="#id_income"' in page


def test_card_pays_page_for_binhs_visit(client: Any) -> None:
    response = client.get(
        "/tinh-toan/the-bhyt-chi-tra/",
        {"total": 250_000, "level": 4, "facility_level": "co_ban", "registered": "on", "on": "2025-03-17"},
    )
    page = response.content.decode()
    assert "250.000" in page and "15%" in page and "351.000" in page


def test_pension_page_posts_a_history(client: Any) -> None:
    data = {
        "sex": "2",
        "birth": "1970-03",
        "p-TOTAL_FORMS": "4",
        "p-INITIAL_FORMS": "0",
        "p-0-first": "2006-01",
        "p-0-last": "2025-12",
        "p-0-salary": "2000000",
    }
    response = client.post("/tinh-toan/luong-huu/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "2.340.000" in page and "08/2027" in page and "hệ số trượt giá" in page
    bad = client.post("/tinh-toan/luong-huu/", {**data, "p-0-salary": ""})
    assert bad.status_code == 400 and "Nhập tiền lương" in bad.content.decode()
    empty = client.post("/tinh-toan/luong-huu/", {**data, "p-0-first": "", "p-0-last": "", "p-0-salary": ""})
    assert empty.status_code == 400 and "ít nhất một giai đoạn" in empty.content.decode()


def test_estimate_page_links_the_calculators(client: Any) -> None:
    from accounts.models import User

    client.force_login(User.objects.get(username="0198765432"))
    page = client.get("/ca-nhan/uoc-tinh/")
    assert page.status_code == 200 and 'href="/tinh-toan/"' in page.content.decode()


def test_visits_page_explains_binhs_free_visit(client: Any) -> None:
    """Bình's visit of 17/03/2025 cost 250,000, under 15 % of the base salary (351,000): the card paid all
    of it (Law HI art. 22(1)(e), NĐ 146/2018 art. 14(3)), and the page says why."""
    from accounts.models import User

    client.force_login(User.objects.get(username="0198765432"))
    page = client.get("/ca-nhan/kham-chua-benh/", {"year": 2025}).content.decode()
    assert "Viêm đường hô hấp trên cấp" in page
    assert "dưới 15% mức lương cơ sở" in page
    assert "Theo quy định, quỹ BHYT trả" not in page  # the register agrees with the law
