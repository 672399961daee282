"""The lists a person picks from: Vietnamese alphabetical order, and the offices near where they live."""

from __future__ import annotations

import random
import re

import pytest
from django.test import Client

from enrollment.collation import vietnamese_key
from enrollment.forms import province_choices, ward_choices

# As PyICU 2.17 (ICU 72, locale "vi") sorts them: the letters, then the tones (none, grave,
# hook, tilde, acute, dot below), then case; a space before any letter.
ICU_ORDER = [
    "An Giang", "Ăn", "Ân", "ba", "Ba", "Bà", "Bả", "Bã", "Bá", "Bạ", "Bac", "Bạc Liêu", "Bắc Ninh",
    "Cà Mau", "Cao Bằng", "Dak", "Đà Nẵng", "Đắk Lắk", "Hòa", "Hung", "Hưng", "On", "Ôn", "Ơn", "Yên Bái",
]  # fmt: skip


def test_the_key_sorts_as_icus_vietnamese_collation() -> None:
    shuffled = ICU_ORDER[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=vietnamese_key) == ICU_ORDER


def test_decomposed_text_sorts_as_composed() -> None:
    import unicodedata

    assert vietnamese_key(unicodedata.normalize("NFD", "Đắk Lắk")) == vietnamese_key("Đắk Lắk")


@pytest.mark.django_db
def test_provinces_and_wards_in_vietnamese_order() -> None:
    names = [name for _code, name in province_choices()]
    assert names.index("Cà Mau") < names.index("Cao Bằng")
    assert names == sorted(names, key=vietnamese_key)
    wards = [label.split(" ", 1)[1] for _code, label in ward_choices("01")]
    assert wards == sorted(wards, key=vietnamese_key) and len(wards) > 10


def options(html: str) -> list[str]:
    return re.findall(r'<option value="(\w+)"', html)


@pytest.mark.django_db
def test_choosing_a_province_lists_its_offices_and_a_ward_puts_its_own_first(client: Client) -> None:
    offices = options(client.get("/dang-ky/co-quan/", {"province_code": "01"}).content.decode())
    assert "00106" in offices and "001" in offices and all(code.startswith("001") for code in offices)
    # Đống Đa ward: the office of Đống Đa first, chosen, and said to be the ward's.
    answer = client.get("/dang-ky/co-quan/", {"province_code": "01", "ward_code": "00235"}).content.decode()
    assert options(answer)[0] == "00106"
    assert '<option value="00106" selected>(00106) BHXH cơ sở Đống Đa – phụ trách phường/xã đã chọn</option>' in answer
    # An office the person already chose stays chosen.
    chosen = {"province_code": "01", "ward_code": "00235", "office_code": "00101"}
    answer = client.get("/dang-ky/co-quan/", chosen).content.decode()
    assert '<option value="00101" selected>' in answer and '<option value="00106">' in answer
    # Nonsense gets the whole list, not an error.
    response = client.get("/dang-ky/co-quan/", {"province_code": "x\0", "ward_code": "\0"})
    assert response.status_code == 200 and "<optgroup" in response.content.decode()


@pytest.mark.django_db
def test_the_form_shown_again_lists_the_provinces_offices_but_accepts_any(client: Client) -> None:
    from enrollment.tests.web_support import post_registration

    page = post_registration(client, full_name="").content.decode()
    select = page[page.index('id="id_office_code"') : page.index("</select>", page.index('id="id_office_code"'))]
    assert options(select)[0] == "00106" and "<optgroup" not in select
