"""factory-boy factories for the register: a test builds the few rows it needs.

The reference data (provinces, offices, wards, facilities) comes from the session's seed, as it
does in production from places/data; the factories pick Hà Nội and BHXH cơ sở Đống Đa unless told.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from factory.django import DjangoModelFactory

from places.models import Office, Province
from registry.identity import build_cccd
from registry.models import Employer, ParticipationPeriod, Person, Scheme, Sex


def reference_province(code: str = "01") -> Province:
    return Province.objects.get(code=code)


def reference_office(code: str = "00106") -> Office:
    return Office.objects.get(code=code)


class EmployerFactory(DjangoModelFactory[Employer]):
    class Meta:
        model = Employer

    code = factory.Sequence(lambda n: f"{9_100_000_000 + n:010d}DNA03")
    name = factory.Sequence(lambda n: f"Công ty TNHH Thử Nghiệm {n}")
    participant_group = "DN"
    province = factory.LazyFunction(reference_province)
    office = factory.LazyFunction(reference_office)


class PersonFactory(DjangoModelFactory[Person]):
    """A person of the register; `employed=True` adds an ongoing BHXH period at a new employer."""

    class Meta:
        model = Person
        skip_postgeneration_save = True

    class Params:
        employed = factory.Trait(
            period=factory.RelatedFactory("registry.tests.factories.ParticipationPeriodFactory", factory_related_name="person")
        )

    ssn = factory.Sequence(lambda n: f"{9_000_000_000 + n:010d}")
    full_name = factory.Iterator(["Phạm Văn Minh", "Lê Thị Hà", "Đỗ Quang Huy", "Vũ Thị Lan"])
    birth_year = 1990
    birth_month = 1
    birth_day = 15
    sex = factory.Iterator([Sex.MALE, Sex.FEMALE])
    cccd = factory.LazyAttributeSequence(lambda p, n: build_cccd("001", year=p.birth_year, sex=p.sex, serial=900_000 + n))
    province = factory.LazyFunction(reference_province)
    phone = factory.Sequence(lambda n: f"+8490{n % 10_000_000:07d}")
    street = "Số 1 phố Thử Nghiệm"


class ParticipationPeriodFactory(DjangoModelFactory[ParticipationPeriod]):
    class Meta:
        model = ParticipationPeriod

    person = factory.SubFactory(PersonFactory)
    scheme = Scheme.BHXH
    from_month = dt.date(2020, 1, 1)
    to_month = None
    employer = factory.SubFactory(EmployerFactory)
    salary_basis = 8_000_000


def make_people(count: int, **kwargs: Any) -> list[Person]:
    return list(PersonFactory.create_batch(count, **kwargs))
