"""A name typed without its marks is not stored: the person is asked whether the register's spelling is theirs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from api.tests.support import AN, API, photos
from enrollment.models import Registration
from enrollment.tests.web_support import post_registration, use_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


@pytest.mark.parametrize("typed", ["Nguyen Van An", "NGUYEN VAN AN", "Nguyễn Van An", "Nguyên Văn An"])
def test_the_page_asks_and_stores_nothing(client: Client, typed: str) -> None:
    response = post_registration(client, full_name=typed)
    page = response.content.decode()
    assert response.status_code == 409
    assert "Có phải họ tên của bạn là “Nguyễn Văn An”?" in page and "Họ tên cần viết có dấu" in page
    assert '<button type="submit" name="full_name" value="Nguyễn Văn An"' in page
    assert not Registration.objects.exists()
    # The photos are kept, so answering "yes" is one tap.
    assert page.count('_held" value="') == 3


def test_answering_yes_registers_with_the_registers_spelling(client: Client) -> None:
    page = post_registration(client, full_name="Nguyen Van An").content.decode()
    tokens = {name: page.split(f'name="{name}_held" value="')[1].split('"')[0] for name in ("id_front", "id_back", "portrait")}
    from enrollment.tests.web_support import AN_FORM

    # The button's value comes after the field's in the form data: Django reads the last one.
    data: dict[str, Any] = {**AN_FORM, **{f"{name}_held": token for name, token in tokens.items()}}
    data["full_name"] = ["Nguyen Van An", "Nguyễn Văn An"]
    response = client.post("/dang-ky/", data)
    assert response.status_code == 302, response.content.decode()
    registration = Registration.objects.get()
    assert registration.full_name == "Nguyễn Văn An" and registration.photos_pending
    assert all("/held/" in name for name in (registration.id_front.name, registration.id_back.name, registration.portrait.name))


def test_lower_case_with_marks_is_accepted_and_stored_as_the_register_writes_it(client: Client) -> None:
    assert post_registration(client, full_name="nguyễn văn an").status_code == 302
    assert Registration.objects.get().full_name == "Nguyễn Văn An"


def test_the_api_answers_with_the_question_too(client: Client) -> None:
    response = client.post(f"{API}/registrations", {**AN, "full_name": "Nguyen Van An", **photos()})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "name_without_diacritics" and "Nguyễn Văn An" in body["fields"]["full_name"][0]
    assert not Registration.objects.exists()
