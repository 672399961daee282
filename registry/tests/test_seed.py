"""The demo register: the documented people, the counts and the rules that tie rows together."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth.hashers import check_password
from django.db.models import Count, F, Q

from conftest import AS_OF, PEOPLE, SEED
from registry import rules
from registry.cardformat import DEFAULT_LEVEL, parse_card_number
from registry.demo import cardstates
from registry.demo.generator import generate_chunk
from registry.demo.loader import build_context, is_seeded
from registry.models import BenefitPayment, Employer, HealthCard, MedicalVisit, ParticipationPeriod, Person

pytestmark = pytest.mark.django_db


def test_fixed_people_are_present_exactly_as_documented() -> None:
    an = Person.objects.get(ssn="0123456789")
    assert (an.cccd, an.full_name, an.date_of_birth, an.sex, an.province_id, an.phone) == (
        "001090012345",
        "Nguyễn Văn An",
        dt.date(1990, 5, 12),
        1,
        "01",
        "+84912345678",
    )
    assert not hasattr(an, "account") or an.account is None
    binh = Person.objects.get(ssn="0198765432")
    assert (binh.cccd, binh.full_name, binh.date_of_birth, binh.sex, binh.phone) == (
        "001192054321",
        "Trần Thị Bình",
        dt.date(1992, 11, 3),
        2,
        "+84987654321",
    )
    assert binh.account.username == "0198765432"
    assert check_password("VssidDemo@2026", binh.account.password)
    assert binh.account.password.startswith("argon2")
    # Both are employed today by the same employer, whose office is Đống Đa (00106).
    jobs = ParticipationPeriod.objects.filter(person__in=[an, binh], scheme="bhxh", to_month__isnull=True)
    assert {j.employer_id for j in jobs} == {"0101234567DNA03"}
    assert Employer.objects.get(pk="0101234567DNA03").office_id == "00106"
    assert is_seeded()


def test_counts() -> None:
    # The two documented people and one per card state of the card check (registry.demo.cardstates).
    fixed = 2 + len(cardstates.CASES)
    assert Person.objects.count() == PEOPLE + fixed
    covered = HealthCard.objects.filter(status="active").count()
    assert 0.85 * (PEOPLE + fixed) <= covered <= PEOPLE + fixed  # about 93 % of Vietnamese hold a card
    assert ParticipationPeriod.objects.count() > 5 * PEOPLE
    assert MedicalVisit.objects.count() > PEOPLE
    assert BenefitPayment.objects.filter(kind="huu_tri").exists()
    assert BenefitPayment.objects.filter(kind="thai_san").exists()
    assert Employer.objects.count() >= 30


def test_population_looks_real() -> None:
    people = list(Person.objects.values("birth_year", "full_name", "sex"))
    ages = [AS_OF.year - p["birth_year"] for p in people]
    assert min(ages) <= 1 and 80 <= max(ages) <= 91
    nguyen = sum(p["full_name"].startswith("Nguyễn ") for p in people) / len(people)
    assert 0.28 < nguyen < 0.48
    women = [p for p in people if p["sex"] == 2]
    assert sum(" Thị " in p["full_name"] for p in women) / len(women) > 0.25
    groups = dict(HealthCard.objects.values_list("participant_group").annotate(n=Count("id")))
    for group in ("DN", "HS", "TE", "HT", "GD"):
        assert groups.get(group, 0) > 0, group


def test_card_numbers_agree_with_the_person_and_the_group() -> None:
    for card in HealthCard.objects.select_related("person"):
        parsed = parse_card_number(card.number)
        assert parsed.ssn == card.person.ssn
        assert parsed.group == card.participant_group and parsed.level == card.level
        assert card.level == DEFAULT_LEVEL[card.participant_group]
        assert parsed.province_code == card.province_id
        assert card.initial_facility.accepts_initial_registration


def test_cards_fit_the_age_of_their_holder() -> None:
    for card in HealthCard.objects.filter(participant_group__in=["TE", "HS", "HT"]).select_related("person"):
        p = card.person
        age = AS_OF.year - p.birth_year - ((AS_OF.month, AS_OF.day) < (p.birth_month or 1, p.birth_day or 1))
        birth = dt.date(p.birth_year, p.birth_month or 1, p.birth_day or 1)
        if card.participant_group == "TE":
            assert rules.child_card_valid_to(birth) >= AS_OF and card.valid_to == rules.child_card_valid_to(birth)
        elif card.participant_group == "HS":
            assert rules.school_card_from(birth) <= AS_OF and age < 19
        else:
            assert age >= 55


def test_pensioners_have_a_pension_and_enough_years() -> None:
    pensions = BenefitPayment.objects.filter(kind="huu_tri").select_related("person")
    assert pensions
    first: dict[int, BenefitPayment] = {}
    for row in pensions.order_by("-from_date"):
        first[row.person_id] = row  # the decision at retirement; later rows are the decrees' increases
    for pension in first.values():
        person = pension.person
        assert person.cards.filter(status="active", participant_group="HT").exists()
        months = sum(p.months(AS_OF) for p in person.periods.filter(scheme="bhxh"))
        assert months // 12 >= rules.pension_minimum_years(pension.from_date)
        # Nothing is paid into the pension fund through an employer after retirement.
        assert not person.periods.filter(scheme="bhxh", voluntary=False, to_month__gte=pension.from_date).exists()
        assert pension.amount >= rules.base_salary_on(pension.from_date)


def test_histories_are_consistent() -> None:
    born_late = ParticipationPeriod.objects.filter(~Q(scheme="bhyt"), from_month__year__lt=F("person__birth_year") + 15)
    assert not born_late.exists(), "nobody works before 15"
    assert not ParticipationPeriod.objects.filter(scheme="bhtn", from_month__lt=rules.BHTN_START).exists()
    assert not ParticipationPeriod.objects.filter(to_month__gt=dt.date(AS_OF.year + 1, 12, 1)).exists()
    for period in ParticipationPeriod.objects.filter(scheme="bhxh", voluntary=False, from_month__gte=dt.date(1995, 1, 1))[:2000]:
        assert period.salary_basis <= rules.salary_ceiling_on(period.from_month)
    # Maternity is paid to women only, and only while employed.
    assert not BenefitPayment.objects.filter(kind="thai_san", person__sex=1).exists()
    # Every active card holder is covered by a BHYT period.
    holders = HealthCard.objects.filter(status="active").values_list("person_id", flat=True)
    with_bhyt = set(ParticipationPeriod.objects.filter(scheme="bhyt").values_list("person_id", flat=True))
    assert set(holders) <= with_bhyt


def test_medical_visits_add_up_and_match_the_card() -> None:
    assert not MedicalVisit.objects.exclude(total_cost=F("insurance_paid") + F("patient_paid")).exists()
    assert not MedicalVisit.objects.filter(insurance_paid__gt=F("total_cost")).exists()
    assert not MedicalVisit.objects.filter(admitted_at__date__gt=AS_OF).exists()
    at_home = MedicalVisit.objects.filter(person__cards__initial_facility=F("facility"), person__cards__status="active")
    for visit in at_home.select_related("person", "facility")[:500]:
        card = visit.person.cards.get(status="active")
        day = visit.admitted_at.astimezone(dt.timezone(dt.timedelta(hours=7))).date()
        if card.five_year_date is not None and card.five_year_date <= day:
            continue  # the yearly cap depends on the visits before it: test_demo_law checks those
        paid = rules.card_pays(visit.total_cost, card.level, day, inpatient=visit.inpatient, facility_level=visit.facility.level)
        assert (visit.insurance_paid, visit.patient_paid) == (paid.insurance, paid.patient)


def _digest(people: int, seed: int, as_of: dt.date) -> str:
    ctx = build_context(people, seed, as_of)
    rows = generate_chunk(ctx, 0)
    h = hashlib.sha256()
    for table in (rows.people, rows.periods, rows.cards, rows.benefits, rows.visits):
        h.update(repr(table).encode())
    return h.hexdigest()


def test_generation_is_deterministic_for_a_seed() -> None:
    assert _digest(300, SEED, AS_OF) == _digest(300, SEED, AS_OF)
    assert _digest(300, SEED, AS_OF) != _digest(300, SEED + 1, AS_OF)
