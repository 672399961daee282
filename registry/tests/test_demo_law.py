"""The demo generator obeys the law: every rule of the list, checked on a generated sample.

The sample is generated in memory (generate_chunk), with the reference data of the test database;
each check also asserts that the sample holds cases of its rule, so none passes for lack of data.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from typing import Any

import pytest

from registry import rules
from registry.demo import fixed
from registry.demo.generator import Context, Rows, generate_chunk
from registry.demo.loader import build_context

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 25)
SAMPLE = 3_000


@pytest.fixture(scope="module")
def sample(django_db_setup: Any, django_db_blocker: Any) -> tuple[Context, Rows]:
    with django_db_blocker.unblock():
        ctx = build_context(SAMPLE, 11, AS_OF)
    rows = generate_chunk(ctx, 0)
    rows.extend(fixed.rows(ctx))
    return ctx, rows


def _people(rows: Any) -> dict[int, dict[str, Any]]:
    out = {}
    for pid, _ssn, _cccd, _name, _fold, year, month, day, sex, _street, _ward, province, *_ in rows.people:
        out[pid] = {"birth": dt.date(year, month or 1, day or 1), "sex": sex, "province": province}
    return out


def _months(first: dt.date, last: dt.date | None) -> range:
    return range(rules.month_index(first), rules.month_index(last or AS_OF) + 1)


def test_no_wage_below_the_minimum_wage_of_its_month(sample: Any) -> None:
    """Minimum wage decrees (rules.MINIMUM_WAGE); region I is the highest, so no region is below it."""
    _, rows = sample
    checked = 0
    for _pid, scheme, first, last, employer, *_rest in rows.periods:
        salary, voluntary = _rest[1], _rest[3]
        if scheme != "bhxh" or voluntary or employer is None:
            continue
        for month in _months(max(first, rules.BHXH_START), last):
            day = rules.month_from_index(month)
            assert salary >= rules.minimum_wage_on(day, 1), (employer, day, salary)
            checked += 1
    assert checked > 10_000


def test_no_private_sector_bhxh_before_1995(sample: Any) -> None:
    """The BHXH fund starts on 01/01/1995 (NĐ 12/CP); only state-sector years before it count."""
    ctx, rows = sample
    public = {e.code for e in ctx.employers if e.public}
    private_early = [p for p in rows.periods if p[1] == "bhxh" and p[4] and p[4] not in public and p[2] < rules.BHXH_START]
    assert not private_early
    assert any(p[1] == "bhxh" and p[4] in public and p[2] < rules.BHXH_START for p in rows.periods)


def test_a_workers_card_is_issued_where_the_employer_pays(sample: Any) -> None:
    ctx, rows = sample
    employers = {e.code: e for e in ctx.employers}
    current_job = {p[0]: p[4] for p in rows.periods if p[1] == "bhxh" and p[3] is None and p[4]}
    people = _people(rows)
    checked = elsewhere = 0
    for pid, _number, group, _level, province, *_ in rows.cards:
        if group in ("DN", "HC") and pid in current_job:
            employer = employers[current_job[pid]]
            assert province == employer.province
            checked += 1
            elsewhere += people[pid]["province"] != employer.province
    assert checked > 100 and elsewhere > 0  # some live in another province than their employer


def test_unemployment_benefit_holders_have_a_tn_card(sample: Any) -> None:
    _, rows = sample
    cards = {c[0]: c[2] for c in rows.cards}
    receiving = [b[0] for b in rows.benefits if b[2] == "tro_cap_that_nghiep" and b[5] <= AS_OF <= b[6]]
    assert receiving
    assert all(cards.get(pid) == "TN" for pid in receiving)


def test_child_and_pupil_cards_by_age(sample: Any) -> None:
    _, rows = sample
    people = _people(rows)
    te = hs = 0
    for pid, _number, group, _level, _province, _area, _facility, valid_from, valid_to, *_ in rows.cards:
        birth = people[pid]["birth"]
        if group == "TE":
            assert valid_to == dt.date(birth.year + 6, 9, 30)
            te += 1
        if group == "HS":
            assert valid_from >= dt.date(birth.year + 6, 10, 1)
            hs += 1
    for pid, scheme, first, *_rest in rows.periods:
        if scheme == "bhyt" and _rest[-2] == "HS":
            assert first >= dt.date(people[pid]["birth"].year + 6, 10, 1)
    assert te > 20 and hs > 20


def test_maternity_leave_lasts_six_whole_months(sample: Any) -> None:
    _, rows = sample
    leaves = [b for b in rows.benefits if b[2] == "thai_san"]
    assert leaves
    for b in leaves:
        assert b[6] == rules.add_months_to_day(b[5], 6) - dt.timedelta(days=1)


def test_pensions_rise_as_the_decrees_raised_them(sample: Any) -> None:
    _, rows = sample
    by_person: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for b in rows.benefits:
        if b[2] == "huu_tri":
            by_person[b[0]].append(b)
    raised_2024 = 0
    for steps in by_person.values():
        steps.sort(key=lambda b: b[5])
        expected = rules.pension_steps(steps[0][7], steps[0][5], AS_OF)
        assert [(b[5], b[7]) for b in steps] == expected
        for before, after in itertools.pairwise(steps):
            assert before[6] == after[5] - dt.timedelta(days=1)
            if after[5] == dt.date(2024, 7, 1):
                assert after[7] == round(before[7] * 115 / 100)  # NĐ 75/2024: +15 %
                raised_2024 += 1
        assert steps[-1][6] is None
    assert raised_2024 > 10


def test_social_allowance_from_75_after_july_2025(sample: Any) -> None:
    _, rows = sample
    people = _people(rows)
    starts = [(p[0], p[2]) for p in rows.periods if p[1] == "bhyt" and p[-2] == "BT"]
    assert starts
    young = 0
    for pid, first in starts:
        birth = people[pid]["birth"]
        age_then = first.year - birth.year - ((first.month, first.day) < (birth.month, birth.day))
        assert age_then >= (75 if first >= rules.LAW_2024_IN_FORCE else 80), (pid, first, birth)
        young += age_then < 80
    assert young > 0  # some are 75–79 under the 2024 law
    assert all(people[c[0]]["birth"] <= dt.date(AS_OF.year - 75, 12, 31) for c in rows.cards if c[2] == "BT")


def test_no_bhtn_for_civil_servants(sample: Any) -> None:
    ctx, rows = sample
    civil = {e.code for e in ctx.employers if e.group == "HC"}
    assert any(p[4] in civil for p in rows.periods if p[1] == "bhxh")
    assert not [p for p in rows.periods if p[1] == "bhtn" and p[4] in civil]


def test_visits_are_paid_as_the_law_says(sample: Any) -> None:
    """rules.card_pays, in date order per person (the 5-year cap counts the year's co-payments)."""
    ctx, rows = sample
    cards = {c[0]: c for c in rows.cards}
    by_person: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for v in rows.visits:
        by_person[v[0]].append(v)
    waived = 0
    for pid, visits in by_person.items():
        card = cards[pid]
        copaid: dict[int, int] = defaultdict(int)
        for v in sorted(visits, key=lambda v: v[2]):
            day = v[2].date()
            paid = rules.card_pays(
                v[7],
                card[3],
                day,
                facility_level=ctx.facility_levels.get(v[1], "co_ban"),
                registered=v[1] == card[6],
                inpatient=v[4],
                five_years=card[9] is not None and card[9] <= day,
                copaid_this_year=copaid[day.year],
            )
            assert (v[8], v[9]) == (paid.insurance, paid.patient)
            copaid[day.year] += v[9]
            waived += paid.rule == "small_visit" and card[3] in (3, 4)
    assert waived > 0
    binh = [v for v in rows.visits if v[0] == fixed.BINH["id"] and v[2].date() == dt.date(2025, 3, 17)]
    assert [(v[7], v[8], v[9]) for v in binh] == [(250_000, 250_000, 0)]
