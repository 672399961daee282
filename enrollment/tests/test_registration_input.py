"""What the registration accepts as text: e-mail addresses that can be sent to, lengths that fit
the columns, names in NFC without stacked marks, no NUL; refused with a field error, never a 500."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from api.tests.support import AN, API, error, photos
from enrollment.models import Registration
from enrollment.services import NAME_MAX, TextProblem, clean_text
from enrollment.tests.web_support import post_registration, use_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


def submit(client: Client, **fields: str) -> Any:
    return client.post(f"{API}/registrations", {**AN, **fields, **photos()}, HTTP_ACCEPT_LANGUAGE="vi")


PADDED_NAME = "Nguyễn Văn An" + "\u0301" * 200


def test_an_email_without_a_domain_is_refused_by_the_api(client: Client) -> None:
    body = error(submit(client, email="nguyen@gmail"), 400, "invalid_input")
    assert body["fields"] == {"email": ["Địa chỉ email không hợp lệ."]}
    assert not Registration.objects.filter(ssn=AN["ssn"]).exists()


def test_an_email_without_a_domain_is_refused_by_the_page(client: Client) -> None:
    response = post_registration(client, email="nguyen@gmail")
    assert response.status_code == 400 and "Địa chỉ email không hợp lệ." in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "status", "field"),
    [
        pytest.param({"street": "Số 12 phố Tôn Đức Thắng " * 12}, 400, "street", id="street-300"),
        pytest.param({"email": "a" * 290 + "@example.vn"}, 422, "email", id="email-305"),
        pytest.param({"full_name": PADDED_NAME}, 400, "full_name", id="name-200-marks"),
        pytest.param({"full_name": "Nguyễn Văn An " * 9}, 400, "full_name", id="name-over-100"),
        pytest.param({"full_name": "A" * 301}, 422, "full_name", id="name-raw-301"),
        pytest.param({"phone": "0" * 16}, 422, "phone", id="phone-16"),
        pytest.param({"ward_code": "0" * 6}, 422, "ward_code", id="ward-6"),
        pytest.param({"office_code": "0" * 6}, 422, "office_code", id="office-6"),
        pytest.param({"street": "Số 12\x00"}, 422, "street", id="nul"),
        pytest.param({"full_name": "Nguyễn\u202eVăn An"}, 400, "full_name", id="rtl-override"),
    ],
)
def test_the_api_refuses_what_the_columns_cannot_hold(client: Client, fields: dict[str, str], status: int, field: str) -> None:
    body = error(submit(client, **fields), status, "invalid_input")
    assert list(body["fields"]) == [field]
    assert not Registration.objects.filter(ssn=AN["ssn"]).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"street": "Số 12 phố Tôn Đức Thắng " * 12}, "street", id="street-300"),
        pytest.param({"full_name": PADDED_NAME}, "full_name", id="name-200-marks"),
        pytest.param({"email": "a" * 290 + "@example.vn"}, "email", id="email-305"),
        pytest.param({"street": "Số 12\x00"}, "street", id="nul"),
    ],
)
def test_the_page_refuses_what_the_columns_cannot_hold(client: Client, fields: dict[str, str], field: str) -> None:
    response = post_registration(client, **fields)
    assert response.status_code == 400
    assert f'href="#id_{field}"' in response.content.decode()


def test_a_decomposed_name_is_accepted_and_stored_composed(client: Client) -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn An")
    assert len(nfd) > len("Nguyễn Văn An")
    assert submit(client, full_name=nfd, street=unicodedata.normalize("NFD", AN["street"])).status_code == 201
    registration = Registration.objects.get(ssn=AN["ssn"])
    assert registration.full_name == "Nguyễn Văn An" and registration.street == AN["street"]


def test_a_nul_in_a_choice_and_another_error_is_a_page_not_a_500(client: Client) -> None:
    response = post_registration(client, province_code="0\x00", date_of_birth="31/02/1990", full_name="")
    page = response.content.decode()
    assert response.status_code == 400
    for field in ("province_code", "date_of_birth", "full_name"):
        assert f'href="#id_{field}"' in page, field


def test_the_ward_list_ignores_a_province_that_is_not_a_code(client: Client) -> None:
    response = client.get("/dang-ky/phuong-xa/", {"province_code": "0\x00"})
    assert response.status_code == 200 and response.content.decode().count("<option") == 1


def test_clean_text_rules() -> None:
    assert clean_text("  Nguyễn   Văn  An ", max_length=NAME_MAX) == "Nguyễn Văn An"
    assert clean_text("e\u0302\u0323", max_length=NAME_MAX) == "ệ"  # two marks compose into one letter
    two = unicodedata.normalize("NFC", "x\u0302\u0323")  # no letter composes them: two stay, allowed
    assert clean_text(two, max_length=NAME_MAX) == two
    for bad in ("x\u0302\u0323\u0301", "An\x00", "An\x07", "\u200bAn", "A" * (NAME_MAX + 1)):
        with pytest.raises(TextProblem):
            clean_text(bad, max_length=NAME_MAX)
