"""Formats are enforced by the database itself, not only by forms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DataError, IntegrityError, connection, transaction

from places.models import HealthFacility, Office, Province
from registry.models import Employer, HealthCard, MedicalVisit, ParticipationPeriod, Person

pytestmark = pytest.mark.django_db
REFUSED = (IntegrityError, DataError)  # a check failing, or a value too long for its column


def make_person(**overrides: object) -> Person:
    fields: dict[str, object] = {
        "ssn": "0100000001",
        "cccd": "001085000001",
        "full_name": "Phạm Thị Hoa",
        "birth_year": 1985,
        "birth_month": 2,
        "birth_day": 14,
        "sex": 2,
        "province_id": "01",
        "phone": "+84901234567",
    }
    fields.update(overrides)
    return Person.objects.create(**fields)


def refused(**overrides: object) -> None:
    with pytest.raises(REFUSED), transaction.atomic():
        make_person(**overrides)


@pytest.mark.parametrize("ssn", ["012345678", "01234567890", "01234567a9", "", "０１２３４５６７８９"])
def test_bad_bhxh_code_is_refused_by_the_database(ssn: str) -> None:
    refused(ssn=ssn)


@pytest.mark.parametrize("cccd", ["00109001234", "0010900123456", "00109001234x"])
def test_bad_cccd_is_refused(cccd: str) -> None:
    refused(cccd=cccd)


def test_duplicate_cccd_is_refused() -> None:
    refused(cccd="001090012345")  # Nguyễn Văn An's


def test_duplicate_bhxh_code_is_refused() -> None:
    refused(ssn="0198765432")  # Trần Thị Bình's


@pytest.mark.parametrize("phone", ["0912345678", "+8491234567", "+1 202 555 0100", "+84212345678"])
def test_phone_must_be_e164(phone: str) -> None:
    refused(phone=phone)


@pytest.mark.parametrize(
    ("month", "day"), [(13, 1), (None, 5), (2, 32), (0, 1)], ids=["month-13", "day-without-month", "day-32", "month-0"]
)
def test_birth_date_parts_are_checked(month: int | None, day: int | None) -> None:
    refused(birth_month=month, birth_day=day)


def test_year_only_birth_date_is_accepted() -> None:
    person = make_person(birth_month=None, birth_day=None, birth_year=1948)
    assert person.date_of_birth is None
    assert person.date_of_birth_display == "1948"


def test_raw_sql_update_cannot_bypass_the_check() -> None:
    person = make_person()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE registry_person SET ssn = %s WHERE id = %s", ["12345", person.pk])


def test_name_search_key_is_folded() -> None:
    person = make_person(full_name="Đặng Thị Ngọc Ánh")
    assert person.search_name == "dang thi ngoc anh"


def test_card_number_format_and_single_active_card() -> None:
    person = Person.objects.get(ssn="0123456789")
    card = person.cards.get(status="active")
    facility = HealthFacility.objects.get(code="01927")
    base = {
        "person": person,
        "participant_group": "DN",
        "level": 4,
        "province_id": "01",
        "initial_facility": facility,
        "valid_from": dt.date(2026, 1, 1),
        "issue_date": dt.date(2026, 1, 1),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthCard.objects.create(number="DN401012345678", status="replaced", **base)  # 14 characters
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthCard.objects.create(number="DN601" + person.ssn, status="replaced", **base)  # level 6
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthCard.objects.create(number=card.number, status="active", **base)  # a second active card
    HealthCard.objects.create(number=card.number, status="replaced", **{**base, "valid_from": dt.date(2025, 1, 1)})


@pytest.mark.parametrize(
    ("number", "columns"),
    [
        ("DN2010123456789", {"level": 2}),  # DN cards carry level 4 only (QĐ 1351, domain.md §3.4)
        ("HS4010123456789", {}),  # the group part says HS, the column DN
        ("DN4790123456789", {}),  # the province part says 79, the column 01
        ("DN3010123456789", {}),  # the level part says 3, the column 4
        ("ZZ4010123456789", {"participant_group": "ZZ"}),  # no such group
    ],
)
def test_card_number_parts_agree_with_the_columns(number: str, columns: dict[str, object]) -> None:
    person = Person.objects.get(ssn="0123456789")
    fields: dict[str, object] = {
        "person": person,
        "participant_group": "DN",
        "level": 4,
        "province_id": "01",
        "initial_facility": HealthFacility.objects.get(code="01927"),
        "valid_from": dt.date(2024, 1, 1),
        "issue_date": dt.date(2024, 1, 1),
        "status": "replaced",
        **columns,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthCard.objects.create(number=number, **fields)


def test_card_clean_checks_the_holders_bhxh_code() -> None:
    """The last 10 characters are the holder's mã số BHXH (domain.md §3.1, §3.3); a CHECK cannot see the
    person's row, so the model's clean refuses it (forms and the admin call it)."""
    from django.core.exceptions import ValidationError

    person = Person.objects.get(ssn="0123456789")
    card = HealthCard(
        person=person,
        number="DN4010198765432",  # Bình's code on An's card
        participant_group="DN",
        level=4,
        province_id="01",
        initial_facility=HealthFacility.objects.get(code="01927"),
        valid_from=dt.date(2024, 1, 1),
        issue_date=dt.date(2024, 1, 1),
        status="replaced",
    )
    with pytest.raises(ValidationError) as info:
        card.full_clean()
    assert "number" in info.value.message_dict
    card.number = "DN4010123456789"
    card.full_clean()
    card.level = 2
    card.number = "DN2010123456789"
    with pytest.raises(ValidationError) as info:
        card.full_clean()
    assert "level" in info.value.message_dict


def test_participation_months_must_be_ordered() -> None:
    person = Person.objects.get(ssn="0123456789")
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipationPeriod.objects.create(
            person=person, scheme="bhxh", from_month=dt.date(2020, 5, 1), to_month=dt.date(2020, 4, 1), salary_basis=1
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ParticipationPeriod.objects.create(person=person, scheme="xyz", from_month=dt.date(2020, 5, 1))


def test_visit_costs_must_add_up() -> None:
    person = Person.objects.get(ssn="0123456789")
    when = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
    with pytest.raises(IntegrityError), transaction.atomic():
        MedicalVisit.objects.create(
            person=person,
            facility=HealthFacility.objects.get(code="01927"),
            admitted_at=when,
            discharged_at=when,
            icd_code="J06",
            diagnosis="Viêm họng",
            total_cost=100,
            insurance_paid=80,
            patient_paid=30,
        )


@pytest.mark.parametrize("code", ["0101234567DN", "012345678DNA03", "123456HC", "0101234567dna03"])
def test_employer_code_format(code: str) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Employer.objects.create(code=code, name="X", participant_group="DN", province_id="01", office_id="00106")


def test_reference_codes_are_checked() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Province.objects.create(code="1", name="X", kind="tinh")
    with pytest.raises(IntegrityError), transaction.atomic():
        Office.objects.create(code="0010", name="X", kind="district", province_id="01")
