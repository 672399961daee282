from __future__ import annotations

import datetime as dt

import pytest

from places.models import CollectionPoint, HealthFacility, Office, Province, Ward
from places.services import load_reference_data
from vssid.text import fold

pytestmark = pytest.mark.django_db


def test_provinces_before_and_after_the_2025_merger() -> None:
    assert Province.objects.count() == 63
    assert Province.objects.current().count() == 34
    assert Province.objects.in_force_on(dt.date(2025, 6, 30)).count() == 63
    ha_giang = Province.objects.get(code="02")
    assert ha_giang.valid_to == dt.date(2025, 6, 30) and ha_giang.successor_id == "08"
    assert Province.objects.get(code="01").name == "Hà Nội"
    hue = Province.objects.get(code="46")
    assert hue.former_names.get().name == "Thừa Thiên Huế"


def test_hanoi_offices_of_the_portal_and_the_2025_co_so() -> None:
    codes = {"001", *(f"001{n:02d}" for n in range(1, 32) if n != 30)}
    assert codes <= set(Office.objects.values_list("code", flat=True))
    hanoi_co_so = Office.objects.current().filter(province_id="01", kind=Office.Kind.CO_SO)
    assert hanoi_co_so.count() == 23
    dong_da = Office.objects.get(code="00106")
    assert dong_da.name == "BHXH cơ sở Đống Đa"
    assert dong_da.name_on(dt.date(2024, 1, 1)) == "BHXH quận Đống Đa"
    assert dong_da.name_on(dt.date(2025, 8, 1)) == "BHXH cơ sở Đống Đa"
    ha_dong = Office.objects.get(code="00115")
    assert ha_dong.valid_to is not None and ha_dong.successor is not None and ha_dong.successor.is_current


def test_wards_of_hanoi_each_served_by_a_current_office() -> None:
    wards = Ward.objects.filter(province_id="01")
    assert wards.count() == 126
    assert wards.filter(kind="phuong").count() == 51 and wards.filter(kind="xa").count() == 75
    assert not wards.filter(office__isnull=True).exists()
    assert not wards.filter(office__valid_to__isnull=False).exists()


def test_facilities_and_collection_points() -> None:
    assert HealthFacility.objects.filter(province_id="01").count() >= 80
    assert HealthFacility.objects.filter(accepts_initial_registration=True).exists()
    bach_mai = HealthFacility.objects.get(code="01929")
    assert bach_mai.qr_code == "01 - 929"
    assert CollectionPoint.objects.filter(ward__province_id="01").values("ward").distinct().count() == 126


def test_search_ignores_accents() -> None:
    found = HealthFacility.objects.filter(search_name__contains=fold("bach mai"))
    assert "01929" in {f.code for f in found}
    assert Ward.objects.filter(search_name__contains="dong da").exists()


def test_loading_twice_changes_nothing() -> None:
    before = (Province.objects.count(), Office.objects.count(), Ward.objects.count(), HealthFacility.objects.count())
    load_reference_data()
    after = (Province.objects.count(), Office.objects.count(), Ward.objects.count(), HealthFacility.objects.count())
    assert before == after


PROVINCE_LEVEL = (Office.Kind.PROVINCIAL, Office.Kind.REGIONAL)
DAYS_OF_2025 = [dt.date(2025, 3, 31), dt.date(2025, 4, 1), dt.date(2025, 5, 15), dt.date(2025, 6, 30), dt.date(2025, 7, 1)]


def _serving(province: str, day: dt.date) -> list[str]:
    """The province-level offices in force on `day` whose area includes the legacy province:
    its own office, or the office it was merged into before that day, following successors."""
    codes = []
    for office in Office.objects.filter(kind__in=PROVINCE_LEVEL).select_related("successor"):
        if not office.in_force_on(day):
            continue
        area = {office.province_id}
        todo = list(Office.objects.filter(successor=office))
        while todo:
            merged = todo.pop()
            if merged.valid_to is None or merged.valid_to >= day:
                continue
            area.add(merged.province_id)
            todo += list(Office.objects.filter(successor=merged))
        if province in area:
            codes.append(office.code)
    return codes


def test_no_two_offices_serving_the_same_area_overlap_in_time() -> None:
    """QĐ 1733/QĐ-BTC (01/04/2025) and QĐ 2286/QĐ-BTC (01/07/2025), domain.md §5.2: on every day one
    province-level office serves a province, and offices of one province never overlap."""
    offices = list(Office.objects.filter(kind__in=PROVINCE_LEVEL))
    for a in offices:
        for b in offices:
            if a.code < b.code and a.province_id == b.province_id:
                a_from, a_to = a.valid_from or dt.date.min, a.valid_to or dt.date.max
                b_from, b_to = b.valid_from or dt.date.min, b.valid_to or dt.date.max
                assert a_to < b_from or b_to < a_from, (a.code, b.code)
    for province in Province.objects.values_list("code", flat=True):
        for day in DAYS_OF_2025:
            assert len(_serving(province, day)) == 1, (province, day, _serving(province, day))
    # Thái Nguyên's office was "BHXH khu vực X" and also served Bắc Kạn, whose office closed the day before.
    thai_nguyen, bac_kan = Office.objects.get(code="019"), Office.objects.get(code="006")
    assert thai_nguyen.name_on(dt.date(2025, 5, 1)) == "BHXH khu vực X"
    assert thai_nguyen.name_on(dt.date(2025, 3, 31)) == thai_nguyen.name_on(dt.date(2025, 7, 1)) == "BHXH tỉnh Thái Nguyên"
    assert bac_kan.valid_to == dt.date(2025, 3, 31) and bac_kan.successor_id == "019"
    assert _serving("06", dt.date(2025, 4, 1)) == ["019"]
    assert Office.objects.get(code="001").name_on(dt.date(2025, 4, 1)) == "BHXH khu vực I"
