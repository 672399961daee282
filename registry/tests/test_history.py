"""The participation history read from the register: month arithmetic and totals against the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from registry import history
from registry.models import ParticipationPeriod, Person
from registry.tests.history_support import AN_SSN, BINH_SSN, expected_months, make_long_history, periods_of

pytestmark = pytest.mark.django_db


# ---- month arithmetic --------------------------------------------------------------------------


def test_union_months_counts_overlaps_once() -> None:
    today = dt.date(2026, 11, 25)
    d = dt.date
    assert history.union_months([(d(2020, 1, 1), d(2020, 12, 1))], today) == 12
    assert history.union_months([(d(2020, 1, 1), d(2020, 12, 1)), (d(2020, 6, 1), d(2021, 3, 1))], today) == 15
    assert history.union_months([(d(2020, 1, 1), d(2020, 1, 1)), (d(2020, 3, 1), d(2020, 3, 1))], today) == 2
    assert history.union_months([(d(2026, 1, 1), None)], today) == 11
    assert history.union_months([(d(2020, 1, 1), d(2022, 1, 1)), (d(2020, 5, 1), d(2020, 6, 1))], today) == 25
    assert history.union_months([], today) == 0


def test_format_helpers() -> None:
    assert history.format_vnd(12_800_000) == "12.800.000 đ"
    assert history.format_month(dt.date(2016, 9, 1)) == "09/2016"


# ---- totals against the database ---------------------------------------------------------------


@pytest.mark.parametrize("ssn", [BINH_SSN, AN_SSN])
@pytest.mark.parametrize("scheme", ["bhxh", "bhtn", "bhyt", "bhtnld"])
def test_totals_of_demo_people_match_the_database(ssn: str, scheme: str) -> None:
    person = Person.objects.get(ssn=ssn)
    today = timezone.localdate()
    result = history.participation_history(person.pk, scheme=scheme)
    assert result.total_months == expected_months(periods_of(person, scheme), today)
    late = sum(ParticipationPeriod.objects.filter(person=person, scheme=scheme).values_list("late_months", flat=True))
    assert result.late_months == late
    assert len(result.rows) == ParticipationPeriod.objects.filter(person=person, scheme=scheme).count()


def test_binh_bhxh_total_is_september_2016_to_now() -> None:
    person = Person.objects.get(ssn=BINH_SSN)
    today = timezone.localdate()
    months = (today.year - 2016) * 12 + today.month - 9 + 1
    assert history.participation_history(person.pk, scheme="bhxh").total_months == months


def test_long_history_totals_with_overlaps_gaps_and_late_months() -> None:
    person = make_long_history(80)
    today = timezone.localdate()
    result = history.participation_history(person.pk, scheme="bhxh")
    spans = periods_of(person, "bhxh")
    assert result.total_months == expected_months(spans, today)
    # Overlaps really happen in this history: the plain sum is larger than the union.
    naive = sum(p.months(today) for p in ParticipationPeriod.objects.filter(person=person, scheme="bhxh"))
    assert naive > result.total_months
    assert result.late_months == sum(i % 3 for i in range(80))
    assert len(result.rows) == 80
    assert history.participation_history(person.pk, scheme="bhyt").total_months == 5 * 18


def test_demo_people_of_the_generated_register_too() -> None:
    today = timezone.localdate()
    for person in Person.objects.filter(periods__isnull=False).distinct().order_by("id")[10:30]:
        for scheme in ("bhxh", "bhyt"):
            spans = periods_of(person, scheme)
            assert history.participation_history(person.pk, scheme=scheme).total_months == expected_months(spans, today)
