"""The Django admin for the register: identifier and accent-free search, read-only history."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "term",
    ["0123456789", "001090012345", "DN4010123456789", "nguyen van an", "Nguyễn Văn An", "NGUYEN VAN AN"],
)
def test_person_search_by_code_cccd_card_or_name(admin_client_logged: Client, term: str) -> None:
    response = admin_client_logged.get("/admin/registry/person/", {"q": term})
    assert response.status_code == 200
    assert "0123456789" in response.content.decode()


def test_name_search_does_not_match_other_people(admin_client_logged: Client) -> None:
    html = admin_client_logged.get("/admin/registry/person/", {"q": "tran thi binh"}).content.decode()
    assert "0198765432" in html and "0123456789" not in html


def test_history_is_read_only(admin_client_logged: Client) -> None:
    from registry.models import ParticipationPeriod

    period = ParticipationPeriod.objects.filter(person__ssn="0123456789").first()
    assert period is not None
    url = f"/admin/registry/participationperiod/{period.pk}/change/"
    page = admin_client_logged.get(url).content.decode()
    assert 'name="salary_basis"' not in page  # shown, not editable
    admin_client_logged.post(url, {"salary_basis": 1})
    period.refresh_from_db()
    assert period.salary_basis != 1
    assert admin_client_logged.get("/admin/registry/participationperiod/add/").status_code == 403


def test_person_identifiers_cannot_be_edited(admin_client_logged: Client) -> None:
    from registry.models import Person

    an = Person.objects.get(ssn="0123456789")
    page = admin_client_logged.get(f"/admin/registry/person/{an.pk}/change/").content.decode()
    assert 'name="ssn"' not in page and 'name="cccd"' not in page


def test_admin_requires_login(client: Client) -> None:
    response = client.get("/admin/registry/person/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_reference_data_search_ignores_accents(admin_client_logged: Client) -> None:
    html = admin_client_logged.get("/admin/places/healthfacility/", {"q": "bach mai"}).content.decode()
    assert "01929" in html
    html = admin_client_logged.get("/admin/places/office/", {"q": "dong da"}).content.decode()
    assert "00106" in html
