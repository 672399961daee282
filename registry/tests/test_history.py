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


def months_late(periods: list[tuple[dt.date, dt.date | None, int]], today: dt.date) -> int:
    """Late months counted month by month into a set: each period's last `late` months (to this month)."""
    now = (today.year, today.month)
    late: set[tuple[int, int]] = set()
    for start, end, count in periods:
        y, m = min((end.year, end.month) if end else now, now)
        while count > 0 and (y, m) >= (start.year, start.month):
            late.add((y, m))
            y, m, count = (y - 1, 12, count - 1) if m == 1 else (y, m - 1, count - 1)
    return len(late)


def test_late_months_of_overlapping_periods_count_once() -> None:
    # Worked example: employer A 01–12/2020 with 3 months late (10, 11, 12/2020) and employer B
    # 06–12/2020 with 2 months late (11, 12/2020). The C14-TS total is 3 months late, not 5.
    today, d = dt.date(2026, 11, 25), dt.date
    spans = history.late_spans([(d(2020, 1, 1), d(2020, 12, 1), 3), (d(2020, 6, 1), d(2020, 12, 1), 2)], today)
    assert spans == [(d(2020, 10, 1), d(2020, 12, 1)), (d(2020, 11, 1), d(2020, 12, 1))]
    assert history.union_months(spans, today) == 3
    # Side by side (A ends 06/2020 with 2 late, B 07–12/2020 with 2 late): 4, nothing shared.
    spans = history.late_spans([(d(2020, 1, 1), d(2020, 6, 1), 2), (d(2020, 7, 1), d(2020, 12, 1), 2)], today)
    assert history.union_months(spans, today) == 4
    # More late months than the period has: the period's own months only; an open period up to now.
    assert history.late_spans([(d(2026, 9, 1), d(2026, 10, 1), 5)], today) == [(d(2026, 9, 1), d(2026, 10, 1))]
    assert history.late_spans([(d(2025, 1, 1), None, 2)], today) == [(d(2026, 10, 1), d(2026, 11, 1))]


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
    rows = ParticipationPeriod.objects.filter(person=person, scheme=scheme)
    assert result.late_months == months_late([(p.from_month, p.to_month, p.late_months) for p in rows], today)
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
    late = [(p.from_month, p.to_month, p.late_months) for p in ParticipationPeriod.objects.filter(person=person, scheme="bhxh")]
    assert result.late_months == months_late(late, today)
    assert result.late_months <= sum(i % 3 for i in range(80))
    assert len(result.rows) == 80
    assert history.participation_history(person.pk, scheme="bhyt").total_months == 5 * 18


def test_demo_people_of_the_generated_register_too() -> None:
    today = timezone.localdate()
    for person in Person.objects.filter(periods__isnull=False).distinct().order_by("id")[10:30]:
        for scheme in ("bhxh", "bhyt"):
            spans = periods_of(person, scheme)
            assert history.participation_history(person.pk, scheme=scheme).total_months == expected_months(spans, today)
