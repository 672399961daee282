"""Deterministic demo register: people whose histories, cards, benefits and visits agree.

`generate_chunk(ctx, chunk)` simulates the lives of one block of people and returns plain row
tuples; the loader writes them with COPY (PostgreSQL) or executemany (SQLite). A chunk's rows
depend only on (seed, chunk number, as-of date), so the result is the same whether chunks run
in one process or several.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Generic, TypeVar

from registry import rules
from registry.cardformat import DEFAULT_LEVEL, build_card_number
from registry.demo import names as N
from vssid.text import fold

T = TypeVar("T")
CHUNK = 10_000
FIXED_PEOPLE = 2  # ids 1 and 2 are the documented demo people; generated people start at 3
# Work in the state sector before the 1995 fund counts as contribution time, so pensioners'
# histories reach back that far; compulsory BHYT for workers started in 1993.
HISTORY_START = dt.date(1976, 1, 1)
BHYT_START = dt.date(1993, 1, 1)
VN_TZ = dt.timezone(dt.timedelta(hours=7))
SSN_MULTIPLIER = 48_271_009  # odd and not a multiple of 5: a bijection on 8-digit suffixes
RESERVED_SSN = {"0123456789", "0198765432"}
RESERVED_CCCD = {"001090012345", "001192054321"}
# A CCCD's serial has 6 digits, so the serial scheme below is unique within blocks of a million
# people. The first block's CCCDs carry the province of residence; each later block carries
# provinces of birth of its own, taken from the provinces merged away in 2025 (real CCCDs keep
# the old code), so two blocks never share a prefix and the whole register stays unique.
CCCD_BLOCK = 1_000_000
CCCD_CODES_PER_BLOCK = 3
RESERVED_PHONES = {"+84912345678", "+84987654321"}
PHONE_PREFIXES = (
    "91",
    "94",
    "88",
    "83",
    "84",
    "85",
    "81",
    "82",
    "96",
    "97",
    "98",
    "86",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "38",
    "39",
    "70",
    "76",
    "77",
    "78",
    "79",
    "90",
    "93",
    "89",
    "56",
    "58",
)


class Weighted(Generic[T]):
    """random.choices without rebuilding the cumulative table on every draw."""

    def __init__(self, items: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _ in items]
        self.cum = list(accumulate(weight for _, weight in items))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


@dataclass
class EmployerRow:
    code: str
    name: str
    group: str
    province: str
    ward: str | None
    office: str
    public: bool
    late_payer: bool
    address: str
    phone: str


@dataclass
class Context:
    seed: int
    people: int
    as_of: dt.date
    wards: dict[str, list[str]]  # current wards by province
    provinces: list[str]  # current provinces that have a health facility taking initial registration
    initial_facilities: dict[str, list[str]]
    other_facilities: dict[str, list[str]]
    primary_facilities: set[str]
    employers: list[EmployerRow] = field(default_factory=list)
    facility_levels: dict[str, str] = field(default_factory=dict)  # code → ban_dau / co_ban / chuyen_sau
    employer_weights: list[float] = field(default_factory=list)
    former_provinces: list[str] = field(default_factory=list)  # merged away; CCCD prefixes of later blocks

    def employer_picker(self) -> Weighted[int]:
        return Weighted(list(zip(range(len(self.employers)), self.employer_weights, strict=True)))


@dataclass
class Rows:
    people: list[tuple[object, ...]] = field(default_factory=list)
    periods: list[tuple[object, ...]] = field(default_factory=list)
    cards: list[tuple[object, ...]] = field(default_factory=list)
    benefits: list[tuple[object, ...]] = field(default_factory=list)
    visits: list[tuple[object, ...]] = field(default_factory=list)

    def extend(self, other: Rows) -> None:
        self.people += other.people
        self.periods += other.periods
        self.cards += other.cards
        self.benefits += other.benefits
        self.visits += other.visits


# ---- employers --------------------------------------------------------------------------


def generate_employers(ctx: Context, offices_by_ward: dict[str, str], provincial_office: dict[str, str]) -> None:
    rng = random.Random(f"{ctx.seed}:employers")
    count = max(30, ctx.people // 45)
    used: set[str] = set()
    for i in range(count):
        public = rng.random() < 0.12
        hanoi = rng.random() < 0.7
        province = "01" if hanoi else rng.choice(ctx.provinces)
        wards = ctx.wards.get(province)
        ward = rng.choice(wards) if wards else None
        office = offices_by_ward.get(ward or "", provincial_office.get(province, "001"))
        while True:
            if public:
                code = f"{_rr(rng, 1_000_000, 9_999_999)}HC"
            else:
                prefix = "01" if hanoi else f"{_rr(rng, 2, 99):02d}"
                code = f"{prefix}{_rr(rng, 0, 100_000_000):08d}DN{rng.choice(N.BUSINESS_TYPES)}"
            if code not in used:
                used.add(code)
                break
        if public:
            name = f"{rng.choice(N.PUBLIC_BODIES)} {rng.choice(N.COMPANY_NAME)}"
            group = "HC"
        else:
            name = f"{rng.choice(N.COMPANY_PREFIX)} {rng.choice(N.COMPANY_FIELD)} {rng.choice(N.COMPANY_NAME)}"
            group = "DN"
        name = f"{name} {i + 1}" if rng.random() < 0.3 else name
        ctx.employers.append(
            EmployerRow(
                code=code,
                name=name,
                group=group,
                province=province,
                ward=ward,
                office=office,
                public=public,
                late_payer=rng.random() < 0.05,
                address=f"Số {_rr(rng, 1, 400)} phố {rng.choice(N.STREETS)}",
                phone=f"024.{_rr(rng, 3_000_0000, 3_999_9999)}",
            )
        )
        # Firm sizes are heavy-tailed: a few employ thousands, most a handful.
        ctx.employer_weights.append(min(rng.paretovariate(1.3), 20.0))


# ---- one life ---------------------------------------------------------------------------


# The helpers below run millions of times for a national-scale seed: dates and law tables are
# memoised (pure functions of a month) so a life costs its random draws, not repeated bisects.
_MONTHS: dict[int, dt.date] = {}
_MINIMUM: dict[dt.date, int] = {}
_BASE: dict[dt.date, int] = {}
_CEILING: dict[dt.date, int] = {}
_FOLDED: dict[str, str] = {}
_FOLD_CACHE_LIMIT = 200_000  # distinct full names; bounded so a worker's memory stays flat


def _month(day: dt.date) -> dt.date:
    return day if day.day == 1 else day.replace(day=1)


def _from_index(index: int) -> dt.date:
    month = _MONTHS.get(index)
    if month is None:
        month = _MONTHS[index] = rules.month_from_index(index)
    return month


def _add_months(day: dt.date, months: int) -> dt.date:
    return _from_index(day.year * 12 + day.month - 1 + months)


def _base(day: dt.date) -> int:
    value = _BASE.get(day)
    if value is None:
        value = _BASE[day] = rules.base_salary_on(max(day, rules.BASE_SALARY[0][0]))
    return value


def _minimum(day: dt.date) -> int:
    value = _MINIMUM.get(day)
    if value is None:
        value = _MINIMUM[day] = rules.minimum_wage_on(max(day, rules.MINIMUM_WAGE[0][0]))
    return value


def _ceiling(day: dt.date) -> int:
    value = _CEILING.get(day)
    if value is None:
        value = _CEILING[day] = rules.salary_ceiling_on(max(day, dt.date(1993, 4, 1)))
    return value


def _fold(text: str) -> str:
    value = _FOLDED.get(text)
    if value is None:
        value = fold(text)
        if len(_FOLDED) < _FOLD_CACHE_LIMIT:
            _FOLDED[text] = value
    return value


def _rr(rng: random.Random, start: int, stop: int) -> int:
    """rng.randrange(start, stop) for start < stop: the very same draw, without its argument checks
    (a quarter of the cost; a 10,000-person chunk makes some 280,000 of them)."""
    below: Callable[[int], int] = rng._randbelow  # type: ignore[attr-defined]
    return start + below(stop - start)


def _round_salary(value: float) -> int:
    return int(round(value / 10_000) * 10_000)


def _at_least_minimum(salary: int, month: dt.date) -> int:
    """Never below the minimum wage of the month; region I's, the highest, so whatever the region
    (NĐ 293/2025 and its predecessors, rules.MINIMUM_WAGE)."""
    floor = _minimum(month)
    return salary if salary >= floor else int(math.ceil(floor / 10_000) * 10_000)


# Each minimum-wage change: its first month and region I's wage from then on.
_WAGE_CHANGES = [(_month(change), _minimum(_month(change))) for change, _wages in rules.MINIMUM_WAGE]
_WAGE_MONTHS = [month for month, _ in _WAGE_CHANGES]


def with_minimum_wage(salaries: list[tuple[dt.date, int]], end: dt.date) -> list[tuple[dt.date, int]]:
    """A job's salary steps, raised where a new minimum wage overtook the salary between two raises."""
    out: list[tuple[dt.date, int]] = []
    last = len(salaries) - 1
    for i, (start, salary) in enumerate(salaries):
        stop = salaries[i + 1][0] if i < last else _add_months(end, 1)
        salary = _at_least_minimum(salary, start)
        out.append((start, salary))
        for month, wage in _WAGE_CHANGES[bisect.bisect_right(_WAGE_MONTHS, start) :]:
            if month >= stop:
                break
            if wage > salary:
                salary = _at_least_minimum(salary, month)
                out.append((month, salary))
    return out


@dataclass
class Job:
    employer: int
    start: dt.date  # first month
    end: dt.date | None  # last month; None = ongoing
    salaries: list[tuple[dt.date, int]]  # (first month, salary basis)
    position: str


class Life:
    """Simulates one person; every draw goes through the chunk's RNG in a fixed order."""

    def __init__(self, ctx: Context, rng: random.Random, picker: Weighted[int], person_id: int, index: int) -> None:
        self.ctx, self.rng, self.picker = ctx, rng, picker
        self.id, self.index = person_id, index
        self.today = ctx.as_of
        self.now_month = _month(ctx.as_of)
        self.card_province: str | None = None  # the employer's, for a worker's card

    # -- identity --
    def identity(self, rows: Rows) -> None:
        rng, as_of = self.rng, self.today
        age = _draw_age(rng)
        year = as_of.year - age
        self.sex = 1 if rng.random() < 0.5 else 2
        month, day = _rr(rng, 1, 13), _rr(rng, 1, 29)
        birth = dt.date(year, month, day)
        if birth > as_of:
            birth = birth.replace(year=year - 1)
        self.birth = birth
        self.age = as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))
        year_only = birth.year < 1960 and rng.random() < 0.15
        hanoi = rng.random() < 0.7
        self.province = "01" if hanoi else rng.choice(self.ctx.provinces)
        wards = self.ctx.wards.get(self.province)
        self.ward = rng.choice(wards) if wards else None
        surname = N_SURNAME.pick(rng)
        middle = (N_MIDDLE_M if self.sex == 1 else N_MIDDLE_F).pick(rng)
        given = (N_GIVEN_M if self.sex == 1 else N_GIVEN_F).pick(rng)
        self.full_name = f"{surname} {middle} {given}"
        ssn = f"{self.province}{(self.index * SSN_MULTIPLIER + 1_234_567) % 100_000_000:08d}"
        if ssn in RESERVED_SSN:
            # Suffixes are unique per index, so another prefix cannot collide with anyone.
            ssn = f"{(int(self.province) + 1) % 100:02d}{ssn[2:]}"
        self.ssn = ssn
        century_sex = (birth.year - 1900) // 100 * 2 + (self.sex - 1)
        serial = (self.index * 7_919 + 104_729) % CCCD_BLOCK
        block = self.index // CCCD_BLOCK
        if block:
            first = (block - 1) * CCCD_CODES_PER_BLOCK
            born_in = self.ctx.former_provinces[first + self.index % CCCD_CODES_PER_BLOCK]
        else:
            born_in = self.province
        cccd = f"0{born_in}{century_sex}{birth.year % 100:02d}{serial:06d}"
        if cccd in RESERVED_CCCD:
            # 002 (Hà Giang) is no current province, so no generated person uses that prefix.
            cccd = "002" + cccd[3:]
        phone = ""
        if self.age >= 16 and rng.random() < 0.85:
            local = (self.index * 7_654_321 + 99_991) % 10_000_000
            phone = f"+84{PHONE_PREFIXES[self.index % len(PHONE_PREFIXES)]}{local:07d}"
            if phone in RESERVED_PHONES:
                phone = ""
        email = ""
        if self.age >= 18 and rng.random() < 0.3:
            email = f"{fold(given)}.{fold(surname)}{self.index % 10_000}@example.vn".replace(" ", "")
        street = f"Số {_rr(rng, 1, 300)}, ngõ {_rr(rng, 1, 200)} {rng.choice(N.STREETS)}"
        rows.people.append(
            (
                self.id,
                self.ssn,
                cccd,
                self.full_name,
                _fold(self.full_name),
                birth.year,
                None if year_only else birth.month,
                None if year_only else birth.day,
                self.sex,
                street,
                self.ward,
                self.province,
                phone,
                email,
                None,
            )
        )

    # -- histories --
    def simulate(self, rows: Rows) -> None:
        rng, age = self.rng, self.age
        self.bhyt: list[tuple[dt.date, dt.date | None, str, int | None, int]] = []  # from, to, group, employer, salary
        self.jobs: list[Job] = []
        self.voluntary: list[tuple[dt.date, dt.date | None, int]] = []
        card_group: str | None = None
        card_valid: tuple[dt.date, dt.date | None] | None = None
        birth_month = _month(self.birth)

        # Childhood: TE from birth to 30/09 of the year the child turns six, then HS from the school
        # year that starts the next day (rules.child_card_valid_to, rules.school_card_from).
        te_valid_to = rules.child_card_valid_to(self.birth)
        in_school = self.today >= rules.school_card_from(self.birth)
        te_end = min(_month(te_valid_to), self.now_month)
        if self.birth.year >= 2009:  # TE cards exist for everyone born since the 2008 law
            self.bhyt.append((birth_month, None if not in_school else te_end, "TE", None, 0))
        school_start = rules.school_card_from(self.birth)
        if in_school and school_start.year >= 2010:
            hs_end = dt.date(self.birth.year + 18, 6, 1)
            ongoing_hs = age < 18
            if rng.random() < 0.97:
                self.bhyt.append((school_start, None if ongoing_hs else min(hs_end, self.now_month), "HS", None, 0))
        if not in_school:
            card_group = "TE"
            card_valid = (self.birth, te_valid_to)
        elif age < 18:
            if self.bhyt and self.bhyt[-1][2] == "HS":
                card_group = "HS"
                year = self.today.year if self.today.month >= 10 else self.today.year - 1
                card_valid = (dt.date(year, 10, 1), dt.date(year + 1, 9, 30))
        else:
            card_group, card_valid = self._adult(rows)

        self._write_periods(rows)
        if card_group and card_valid:
            self._write_card(rows, card_group, card_valid)

    def _adult(self, rows: Rows) -> tuple[str | None, tuple[dt.date, dt.date | None] | None]:
        rng, age = self.rng, self.age
        student = age < 23 and rng.random() < 0.55
        if student:
            start = dt.date(self.birth.year + 18, 9, 1)
            if start <= self.today:
                self.bhyt.append((start, None, "SV", None, 0))
            year = self.today.year if self.today.month >= 10 else self.today.year - 1
            return "SV", (dt.date(year, 10, 1), dt.date(year + 1, 9, 30))

        pension_years, pension_months = rules.pension_age(self.sex, self.birth)
        retire = _add_months(_month(self.birth), pension_years * 12 + pension_months + 1)
        retired = retire <= self.now_month
        career_start = _add_months(_month(self.birth), 12 * _rr(rng, 18, 25) + _rr(rng, 0, 12))
        worker = rng.random() < (0.78 if retired else 0.72)
        if not worker or career_start > self.now_month:
            return self._non_worker(retired)

        # Pensioners worked steadily; others may still be at work, between jobs or out.
        end_state = "retired" if retired else rng.choices(("working", "between", "out"), (0.78, 0.1, 0.12))[0]
        career_end = _add_months(retire, -1) if retired else self.now_month
        if end_state == "between":
            career_end = _add_months(self.now_month, -_rr(rng, 1, 10))
        elif end_state == "out":
            career_end = _add_months(self.now_month, -_rr(rng, 12, 120))
        if career_end < career_start:
            return self._non_worker(retired)
        self._career(career_start, career_end, steady=retired, ongoing=end_state == "working")
        months = self._bhxh_months()
        if retired:
            if months // 12 >= rules.pension_minimum_years(retire):
                self._pension(rows, retire, months)
                self.bhyt.append((retire, None, "HT", None, 0))
                return "HT", (max(retire, dt.date(2017, 8, 1)), None)
            return self._non_worker(retired)
        if end_state == "working":
            job = self.jobs[-1]
            employer = self.ctx.employers[job.employer]
            # The card is issued where the employer pays, not where the worker lives.
            self.card_province = employer.province
            start = max(job.start, dt.date(self.today.year, 1, 1))
            return employer.group, (start, dt.date(self.today.year, 12, 31))
        if end_state == "out" and months < 240 and rng.random() < 0.3:
            self._lump_sum(rows, career_end)
        if end_state == "between":
            benefit = self._unemployment(rows, career_end)
            if benefit is not None and benefit[0] <= self.today <= benefit[1]:
                # While on unemployment benefit the BHTN fund pays the BHYT card: group TN.
                self.bhyt.append((_month(benefit[0]), _month(benefit[1]), "TN", None, 0))
                return "TN", benefit
        return self._non_worker(False, after=_add_months(career_end, 1))

    def _non_worker(
        self, retired: bool, after: dt.date | None = None
    ) -> tuple[str | None, tuple[dt.date, dt.date | None] | None]:
        rng = self.rng
        roll = rng.random()
        allowance_from = rules.social_allowance_from(self.birth)
        if allowance_from <= self.today and roll < 0.5:
            group = "BT"
        elif roll < 0.62:
            group = "GD"
        elif roll < 0.68:
            group = "HN"
        elif roll < 0.73:
            group = "CN"
        elif roll < 0.76 and self.province != "01":
            group = "DT"
        else:
            return None, None  # not covered today
        if group == "GD":
            # A household card bought for 12 months and renewed each year since the first purchase;
            # some did not renew, so their card ran out (the hospital gateway's code 010).
            lapsed = rng.random() < 0.08
            bought = _add_months(self.now_month, -_rr(rng, 13, 20) if lapsed else -_rr(rng, 0, 12))
            first = max(_add_months(bought, -12 * _rr(rng, 0, 6)), after or dt.date(2015, 1, 1))
            first = min(max(first, _add_months(_month(self.birth), 18 * 12)), bought)
            valid_to = _add_months(bought, 12) - dt.timedelta(days=1)
            self.bhyt.append((first, _add_months(bought, 11), "GD", None, 0))
            if rng.random() < 0.12 and not retired:
                # Voluntary BHXH next to the household card: income chosen above the poverty line.
                income = _round_salary(rng.choice((1_500_000, 2_000_000, 3_000_000, 5_000_000)))
                self.voluntary.append((first, None, income))
            return "GD", (bought, valid_to)
        start = max(after or dt.date(2018, 1, 1), _add_months(self.now_month, -12 * _rr(rng, 1, 6)))
        if group == "BT":  # from the month after the right began (80 until 06/2025, then 75)
            start = max(start, _add_months(_month(allowance_from), 0 if allowance_from.day == 1 else 1))
        self.bhyt.append((start, None, group, None, 0))
        return group, (dt.date(self.today.year, 1, 1), dt.date(self.today.year, 12, 31))

    def _career(self, start: dt.date, end: dt.date, *, steady: bool, ongoing: bool) -> None:
        rng, ctx = self.rng, self.ctx
        month = max(start, dt.date(1980, 1, 1))
        salary_factor = math.exp(rng.gauss(0.35, 0.45))
        while month <= end:
            employer = self.picker.pick(rng)
            emp = ctx.employers[employer]
            length = max(3, int(rng.lognormvariate(3.6, 0.8)))  # median ≈ 3 years
            job_end = _add_months(month, length - 1)
            last = job_end >= end
            if last:
                job_end = end
            salaries: list[tuple[dt.date, int]] = []
            cursor = month
            while cursor <= job_end:
                base = max(_minimum(cursor), _base(cursor) * 2) if emp.public else _minimum(cursor)
                salary = min(_round_salary(base * salary_factor), _ceiling(cursor))
                salaries.append((cursor, salary))
                salary_factor *= 1 + (0.02 + (0.12 - 0.02) * rng.random())  # rng.uniform(0.02, 0.12), inlined
                cursor = _add_months(cursor, _rr(rng, 12, 37))
            salaries = with_minimum_wage(salaries, job_end)
            positions = N.POSITIONS_PUBLIC if emp.public else (N.POSITIONS_OFFICE if rng.random() < 0.5 else N.POSITIONS_FACTORY)
            self.jobs.append(Job(employer, month, None if (last and ongoing) else job_end, salaries, rng.choice(positions)))
            if last:
                break
            gap = 0 if steady or rng.random() < 0.6 else (_rr(rng, 1, 7) if rng.random() < 0.75 else _rr(rng, 7, 37))
            if gap >= 12 and rng.random() < 0.3:
                income = _round_salary(max(_minimum(job_end), 1_500_000))
                v_start, v_end = _add_months(job_end, 1), _add_months(job_end, gap)
                if v_start >= dt.date(2008, 1, 1) and v_end <= end:
                    self.voluntary.append((v_start, v_end, income))
            month = _add_months(job_end, gap + 1)

    def _bhxh_first(self, job: Job) -> dt.date:
        """State-sector work before 1995 counts as contribution time; private-sector BHXH starts
        with the fund on 01/01/1995 (NĐ 12/CP of 26/01/1995)."""
        return max(job.start, HISTORY_START if self.ctx.employers[job.employer].public else rules.BHXH_START)

    def _bhxh_months(self) -> int:
        total = 0
        for job in self.jobs:
            start = self._bhxh_first(job)
            end = job.end or self.now_month
            if end >= start:
                total += rules.month_index(end) - rules.month_index(start) + 1
        for v_start, v_end, _ in self.voluntary:
            total += rules.month_index(v_end or self.now_month) - rules.month_index(v_start) + 1
        return total

    def _average_salary(self) -> int:
        weighted = months = 0
        for job in self.jobs:
            bounds = [s for s, _ in job.salaries[1:]] + [_add_months(job.end or self.now_month, 1)]
            for (start, salary), stop in zip(job.salaries, bounds, strict=True):
                n = rules.month_index(stop) - rules.month_index(max(start, self._bhxh_first(job)))
                if n > 0:
                    weighted += n * salary
                    months += n
        return weighted // months if months else 0

    # -- benefits --
    def _decision(self, kind: str, day: dt.date) -> str:
        return f"{_rr(self.rng, 100, 99999)}/QĐ-BHXH-{kind}-{day.year}"

    def _bank(self) -> tuple[str, str]:
        return self.rng.choice(N.BANKS), f"{_rr(self.rng, 0, 10_000):04d}"

    def _pension(self, rows: Rows, retire: dt.date, months: int) -> None:
        average = self._average_salary()
        amount = max(rules.monthly_pension(self.sex, months, average, retire), rules.minimum_pension(retire))
        bank, last4 = self._bank()
        decision_day = retire - dt.timedelta(days=_rr(self.rng, 10, 40))
        last_employer = self.ctx.employers[self.jobs[-1].employer].code if self.jobs else None
        # One row per amount: the decision at retirement, then each decree's increase (rules.pension_steps).
        steps = rules.pension_steps(amount, retire, self.today)
        for i, (start, step_amount) in enumerate(steps):
            end = steps[i + 1][0] - dt.timedelta(days=1) if i + 1 < len(steps) else None
            day = decision_day if i == 0 else start - dt.timedelta(days=_rr(self.rng, 5, 25))
            rows.benefits.append(
                (
                    self.id,
                    "hang_thang",
                    "huu_tri",
                    self._decision("HT", day),
                    day,
                    start,
                    end,
                    step_amount,
                    last_employer,
                    bank,
                    last4,
                )
            )

    def _lump_sum(self, rows: Rows, career_end: dt.date) -> None:
        decision_day = _add_months(career_end, 12 + _rr(self.rng, 1, 12)) + dt.timedelta(days=_rr(self.rng, 0, 27))
        if decision_day > self.today:
            return
        before = after = 0
        for job in self.jobs:
            start, end = self._bhxh_first(job), job.end or career_end
            for m in range(rules.month_index(start), rules.month_index(end) + 1):
                if m < 2014 * 12:
                    before += 1
                else:
                    after += 1
        amount = rules.lump_sum(before, after, self._average_salary())
        if amount <= 0:
            return
        bank, last4 = self._bank()
        rows.benefits.append(
            (
                self.id,
                "mot_lan",
                "bhxh_mot_lan",
                self._decision("ML", decision_day),
                decision_day,
                decision_day,
                decision_day,
                amount,
                None,
                bank,
                last4,
            )
        )

    def _unemployment(self, rows: Rows, career_end: dt.date) -> tuple[dt.date, dt.date] | None:
        """The benefit after the last job, when the law grants it; returns its first and last day."""
        job = self.jobs[-1]
        if career_end < rules.BHTN_START or self.rng.random() < 0.4:
            return None
        paid = [
            _from_index(m)
            for j in self.jobs
            if rules.bhtn_covers(self.ctx.employers[j.employer].group)
            for m in range(rules.month_index(max(j.start, rules.BHTN_START)), rules.month_index(j.end or career_end) + 1)
        ]
        contract_end = _add_months(career_end, 1) - dt.timedelta(days=1)
        applied = contract_end + dt.timedelta(days=_rr(self.rng, 1, 30))
        eligibility = rules.unemployment_eligibility(paid, contract_end, applied)
        if not eligibility.eligible or eligibility.starts_on is None:
            return None
        salary = job.salaries[-1][1]
        amount, months = rules.unemployment_benefit([salary] * 6, len(paid), career_end)
        start = eligibility.starts_on
        if months == 0 or start > self.today:
            return None
        end = rules.add_months_to_day(start, months) - dt.timedelta(days=1)
        bank, last4 = self._bank()
        rows.benefits.append(
            (
                self.id,
                "that_nghiep",
                "tro_cap_that_nghiep",
                self._decision("TN", start),
                start - dt.timedelta(days=5),
                start,
                end,
                amount,
                self.ctx.employers[job.employer].code,
                bank,
                last4,
            )
        )
        return start, end

    def _work_benefits(self, rows: Rows) -> None:
        """Sickness, maternity and convalescence during recent employment."""
        rng = self.rng
        for job in self.jobs:
            start = max(job.start, dt.date(2016, 1, 1))
            end = job.end or self.now_month
            if end < start:
                continue
            emp_code = self.ctx.employers[job.employer].code
            for year in range(start.year, end.year + 1):
                if rng.random() < 0.08:
                    day = dt.date(year, _rr(rng, 1, 13), _rr(rng, 1, 28))
                    if day > self.today or not (start <= _month(day) <= end):
                        continue
                    days = _rr(rng, 2, 11)
                    salary = job.salaries[-1][1]
                    amount = rules.sickness_benefit(salary, days)
                    rows.benefits.append(
                        (
                            self.id,
                            "odts",
                            "om_dau",
                            self._decision("OD", day),
                            day + dt.timedelta(days=days + 20),
                            day,
                            day + dt.timedelta(days=days - 1),
                            amount,
                            emp_code,
                            "",
                            "",
                        )
                    )
                    if rng.random() < 0.25:
                        rest = day + dt.timedelta(days=days)
                        rows.benefits.append(
                            (
                                self.id,
                                "odts",
                                "duong_suc",
                                self._decision("DS", rest),
                                rest + dt.timedelta(days=25),
                                rest,
                                rest + dt.timedelta(days=4),
                                rules.convalescence_benefit(5, rest),
                                emp_code,
                                "",
                                "",
                            )
                        )
                age_then = year - self.birth.year
                if self.sex == 2 and 21 <= age_then <= 38 and rng.random() < 0.09:
                    day = dt.date(year, _rr(rng, 1, 13), _rr(rng, 1, 28))
                    if day > self.today or not (start <= _month(day) <= end):
                        continue
                    amount = rules.maternity_benefit(job.salaries[-1][1], day)
                    leave_end = rules.maternity_leave_end(day)
                    rows.benefits.append(
                        (
                            self.id,
                            "odts",
                            "thai_san",
                            self._decision("TS", day),
                            day + dt.timedelta(days=30),
                            day,
                            leave_end,
                            amount,
                            emp_code,
                            "",
                            "",
                        )
                    )

    # -- rows --
    def _write_periods(self, rows: Rows) -> None:
        ctx = self.ctx
        late_window = _add_months(self.now_month, -12)
        for job in self.jobs:
            emp = ctx.employers[job.employer]
            bounds = [s for s, _ in job.salaries[1:]] + [None]
            for (start, salary), nxt in zip(job.salaries, bounds, strict=True):
                end = _add_months(nxt, -1) if nxt else job.end
                late = 0
                if emp.late_payer and (end is None or end >= late_window):
                    late = _rr(self.rng, 1, 4)
                schemes = [("bhxh", self._bhxh_first(job))]
                if rules.bhtn_covers(emp.group):
                    schemes.append(("bhtn", rules.BHTN_START))
                for scheme, scheme_start in schemes:
                    s = max(start, scheme_start)
                    if end is not None and end < s:
                        continue
                    rows.periods.append(
                        (
                            self.id,
                            scheme,
                            s,
                            end,
                            emp.code,
                            job.position,
                            salary,
                            "VND",
                            False,
                            emp.group,
                            late if scheme == "bhxh" else 0,
                        )
                    )
                # BHYT and BHTNLĐ follow the same salary stages, so the C14-TS shows a new row
                # wherever the salary changed in those sections too.
                if end is None or end >= BHYT_START:
                    self.bhyt.append((max(start, BHYT_START), end, emp.group, job.employer, salary))
                s = max(start, rules.BHTNLD_START)
                if end is None or end >= s:
                    rows.periods.append((self.id, "bhtnld", s, end, emp.code, job.position, salary, "VND", False, emp.group, 0))
        for v_start, v_end, income in self.voluntary:
            rows.periods.append((self.id, "bhxh", v_start, v_end, None, "", income, "VND", True, "", 0))
        for b_start, b_end, group, employer, salary in self.bhyt:
            code = ctx.employers[employer].code if employer is not None else None
            rows.periods.append(
                (self.id, "bhyt", b_start, b_end, code, "", salary, "VND", employer is None and group == "GD", group, 0)
            )
        if self.jobs:
            self._work_benefits(rows)

    def _continuous_bhyt_start(self) -> dt.date | None:
        spans = sorted((s, e or self.now_month) for s, e, *_ in self.bhyt)
        if not spans:
            return None
        start, _ = spans[-1]
        for s, e in reversed(spans[:-1]):
            # A break of up to 3 months does not interrupt "5 years continuous".
            if rules.month_index(start) - rules.month_index(e) > 4:
                break
            start = min(start, s)
        return start

    def _write_card(self, rows: Rows, group: str, valid: tuple[dt.date, dt.date | None]) -> None:
        ctx, rng = self.ctx, self.rng
        level = DEFAULT_LEVEL.get(group, 4)
        province = self.card_province or self.province
        if province not in ctx.initial_facilities:
            province = self.province
        facility = rng.choice(ctx.initial_facilities[province])
        continuous = self._continuous_bhyt_start()
        five_year = continuous.replace(year=continuous.year + 5) if continuous else None
        valid_from, valid_to = valid
        issue = valid_from if valid_from >= dt.date(2017, 8, 1) else dt.date(2017, 8, 1)
        if issue > self.today:
            issue = self.today
        number = build_card_number(group, level, province, self.ssn)
        rows.cards.append(
            (self.id, number, group, level, province, "", facility, valid_from, valid_to, five_year, issue, "active")
        )
        if valid_to is not None and valid_to < self.today:
            return  # an expired card is not used at hospitals any more
        self._visits(rows, facility, level, five_year, province)

    def _visits(self, rows: Rows, home_facility: str, level: int, five_year: dt.date | None, province: str) -> None:
        """Visits of the last two years, paid as the law says (rules.card_pays): in date order, so
        the year's co-payments are known for the 5-year cap."""
        rng, age = self.rng, self.age
        rate = 3.0 if age < 6 else 1.0 if age < 18 else 0.8 if age < 60 else 2.5
        count = _poisson(rng, rate * 2)  # the last two years
        if not count:
            return
        elsewhere = self.ctx.other_facilities.get(province) or [home_facility]
        drawn = []
        for _ in range(count):
            code, name, inpatient, cost, who = DIAG[rng.randrange(len(DIAG))]
            if (
                (who == "child" and age >= 15)
                or (who == "old" and age < 45)
                or (who == "woman" and (self.sex != 2 or not 18 <= age <= 45))
            ):
                code, name, inpatient, cost, who = DIAG[0]
            when = self.today - dt.timedelta(days=_rr(rng, 1, 730))
            at_home = rng.random() < 0.7
            facility = home_facility if at_home else rng.choice(elsewhere)
            total = int(round(cost * math.exp(rng.gauss(0, 0.45)) / 1000) * 1000)
            stay = dt.timedelta(days=_rr(rng, 2, 10)) if inpatient else dt.timedelta(hours=_rr(rng, 1, 4))
            admitted = dt.datetime.combine(when, dt.time(7 + _rr(rng, 0, 10), _rr(rng, 0, 60)), VN_TZ)
            drawn.append((admitted, facility, at_home, inpatient, code, name, total, stay))
        copaid: dict[int, int] = {}
        for admitted, facility, at_home, inpatient, code, name, total, stay in sorted(drawn):
            day = admitted.date()
            paid = rules.card_pays(
                total,
                level,
                day,
                facility_level=self.ctx.facility_levels.get(facility, "co_ban"),
                registered=at_home,
                inpatient=inpatient,
                five_years=five_year is not None and five_year <= day,
                copaid_this_year=copaid.get(day.year, 0),
            )
            copaid[day.year] = copaid.get(day.year, 0) + paid.patient
            rows.visits.append(
                (self.id, facility, admitted, admitted + stay, inpatient, code, name, total, paid.insurance, paid.patient)
            )


def _poisson(rng: random.Random, lam: float) -> int:
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


# Vietnam's age pyramid, roughly (share per year of age in each band).
_AGE_BANDS = ((0, 15, 23.5), (15, 25, 14.0), (25, 55, 45.0), (55, 65, 10.0), (65, 80, 6.0), (80, 91, 1.5))
_AGE_PICKER = Weighted([((lo, hi), w) for lo, hi, w in _AGE_BANDS])


def _draw_age(rng: random.Random) -> int:
    lo, hi = _AGE_PICKER.pick(rng)
    return _rr(rng, lo, hi)


N_SURNAME = Weighted(N.SURNAMES)
N_MIDDLE_M = Weighted(N.MIDDLE_MALE)
N_MIDDLE_F = Weighted(N.MIDDLE_FEMALE)
N_GIVEN_M = Weighted(N.GIVEN_MALE)
N_GIVEN_F = Weighted(N.GIVEN_FEMALE)
DIAG = N.DIAGNOSES


def generate_chunk(ctx: Context, chunk: int) -> Rows:
    rng = random.Random(f"{ctx.seed}:{chunk}:{ctx.as_of.isoformat()}")
    picker = ctx.employer_picker()
    rows = Rows()
    first = chunk * CHUNK
    for index in range(first, min(first + CHUNK, ctx.people)):
        life = Life(ctx, rng, picker, FIXED_PEOPLE + 1 + index, index)
        life.identity(rows)
        life.simulate(rows)
    return rows


def max_people(ctx_former_provinces: int) -> int:
    """The most people whose CCCDs the block scheme keeps unique, given the former provinces."""
    return CCCD_BLOCK * (1 + ctx_former_provinces // CCCD_CODES_PER_BLOCK)


def chunk_count(people: int) -> int:
    return (people + CHUNK - 1) // CHUNK
