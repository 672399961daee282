"""Thông tin hưởng and Sổ khám chữa bệnh: pages and API, own data only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from accounts.services import issue_tokens
from registry.models import BenefitPayment, MedicalVisit, Person
from registry.tests.history_support import BINH_SSN, citizen_client

pytestmark = pytest.mark.django_db


def _bearer(username: str = BINH_SSN) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_tokens(User.objects.get(username=username)).access_token}"}


def test_benefits_tabs_show_binh_maternity_with_masked_account() -> None:
    client = citizen_client()
    odts = client.get("/ca-nhan/thong-tin-huong/?tab=odts").content.decode()
    assert "2087/QĐ-BHXH-TS-2021" in odts and "Thai sản" in odts
    assert "•••• 4821" in odts and "Vietcombank" in odts
    benefit = BenefitPayment.objects.get(decision_number="2087/QĐ-BHXH-TS-2021")
    assert f"{benefit.amount:,}".replace(",", ".") + " đ" in odts
    lump = client.get("/ca-nhan/thong-tin-huong/?tab=mot_lan").content.decode()
    assert "2087/QĐ-BHXH-TS-2021" not in lump
    assert client.get("/ca-nhan/thong-tin-huong/?tab=bogus").status_code == 200


def test_benefits_api() -> None:
    data = Client().get("/api/v1/me/benefits", **_bearer()).json()
    person = Person.objects.get(ssn=BINH_SSN)
    assert [b["decision_number"] for b in data] == list(
        BenefitPayment.objects.filter(person=person).order_by("-decision_date", "-id").values_list("decision_number", flat=True)
    )
    assert all(len(b["bank_account_last4"]) <= 4 for b in data)
    assert Client().get("/api/v1/me/benefits?tab=that_nghiep", **_bearer()).json() == []
    assert Client().get("/api/v1/me/benefits?tab=x", **_bearer()).status_code == 400


def test_visits_by_year_page() -> None:
    client = citizen_client()
    latest = client.get("/ca-nhan/kham-chua-benh/").content.decode()
    assert "J06" in latest and "Viêm đường hô hấp trên cấp" in latest and "O80" not in latest
    y2021 = client.get("/ca-nhan/kham-chua-benh/?year=2021").content.decode()
    assert "O80" in y2021 and "Nội trú" in y2021 and "6.200.000 đ" in y2021 and "4.960.000 đ" in y2021 and "1.240.000 đ" in y2021
    empty = client.get("/ca-nhan/kham-chua-benh/?year=2019").content.decode()
    assert "Không có thông tin khám chữa bệnh trong năm 2019" in empty


def test_visits_api() -> None:
    data = Client().get("/api/v1/me/medical-visits", **_bearer()).json()
    person = Person.objects.get(ssn=BINH_SSN)
    assert len(data) == MedicalVisit.objects.filter(person=person).count()
    assert {v["icd_code"] for v in data} >= {"O80", "J06"}
    assert [v["icd_code"] for v in Client().get("/api/v1/me/medical-visits?year=2021", **_bearer()).json()] == ["O80"]
    assert Client().get("/api/v1/me/medical-visits").status_code == 401


def test_list_pages_query_counts(django_assert_max_num_queries: Any) -> None:
    client = citizen_client()
    for url in ("/ca-nhan/thong-tin-huong/?tab=odts", "/ca-nhan/kham-chua-benh/?year=2021", "/ca-nhan/phan-anh/"):
        with django_assert_max_num_queries(4):
            assert client.get(url).status_code == 200
