"""What a card check reads of the register: the holder named by the card, their cards, the BHYT
periods that explain a reduced card (120–124), the employer of the moment, the last visits and
whether the holder wants a notification.

On PostgreSQL this is one hand-written, prepared query (vssid.db.hot), the lists aggregated to
JSON in the database, the way registry/card.py reads the card: a check is the hospital's hottest
call, and building the same five ORM queries cost more in SQL compilation than the database
spent answering them. Elsewhere (SQLite, the embedded default) the ORM reads the same things.
Both give the same `Snapshot`, so the decision (counter.services) is written once.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from accounts.services import USER_COLUMN_COUNT, access_token_params, access_token_sql, user_for_access_token, user_from_row
from counter.models import CheckNoticeOptOut
from places.models import HealthFacility, Province, Ward
from registry.models import Employer, HealthCard, MedicalVisit, ParticipationPeriod, Person, Scheme, birth_display
from vssid.db.hot import fetch_one_for_read

VISITS_SHOWN: Final = 10


@dataclass(frozen=True)
class Holder:
    id: int
    ssn: str
    full_name: str
    birth_year: int
    birth_month: int | None
    birth_day: int | None
    sex: int
    street: str
    ward_name: str | None
    province_name: str

    @property
    def date_of_birth_display(self) -> str:
        return birth_display(self.birth_year, self.birth_month, self.birth_day)


@dataclass(frozen=True)
class Card:
    id: int
    number: str
    participant_group: str
    level: int
    province_id: str
    province_name: str
    live_area: str
    facility_code: str
    facility_name: str
    valid_from: dt.date
    valid_to: dt.date | None
    five_year_date: dt.date | None
    status: str


@dataclass(frozen=True)
class Period:
    """A BHYT participation period: its months and its employer (code and province)."""

    from_month: dt.date
    to_month: dt.date | None
    employer_code: str | None
    employer_province: str | None


@dataclass(frozen=True)
class Snapshot:
    holder: Holder
    cards: list[Card]
    """Newest first (valid_from, then id)."""
    bhyt_periods: list[Period] | None
    """Oldest first; read only when one of the cards is reduced (None otherwise)."""
    employer: tuple[str, str] | None
    """Code and name of the employer of the ongoing BHYT or BHXH period."""
    visits: list[tuple[int, str, str, str, str, str, str, bool]]
    """Newest first: id, facility code and name, admitted and discharged (yyyyMMddHHmm, local), ICD code, diagnosis, inpatient."""
    notice_account: int | None
    """The holder's citizen login, unless it switched the check notifications off."""
    checking_facility: str | None
    """The name of the checking login's facility (for the notification's text)."""


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


# ---- PostgreSQL: one query ------------------------------------------------------------------------

_P, _C, _PP, _V = (m._meta.db_table for m in (Person, HealthCard, ParticipationPeriod, MedicalVisit))
_W, _R, _F, _E = (m._meta.db_table for m in (Ward, Province, HealthFacility, Employer))
_U, _O = User._meta.db_table, CheckNoticeOptOut._meta.db_table
_REDUCED = HealthCard.Status.REDUCED.value
_BHYT, _BHXH = Scheme.BHYT.value, Scheme.BHXH.value
_CITIZEN = User.Role.CITIZEN.value

_FACILITY = User.Role.FACILITY.value


def _snapshot_sql(facility: str, where: str) -> str:
    """The snapshot's SELECT: `facility` an SQL expression for the checking facility's code, `where` the holder.

    Parameters, in order: the time zone twice, then those of `facility` and `where`.
    """
    # Literals are the models' own constants; every value from a request is a parameter.
    return (
        "SELECT p.id, p.ssn, p.full_name, p.birth_year, p.birth_month, p.birth_day, p.sex, p.street, "  # noqa: S608
        f"(SELECT w.name FROM {_W} w WHERE w.code = p.ward_id), "
        f"(SELECT r.name FROM {_R} r WHERE r.code = p.province_id), "
        "(SELECT json_agg(json_build_array(c.id, c.number, c.participant_group, c.level, c.province_id, r.name, "
        "c.live_area, c.initial_facility_id, f.name, c.valid_from, c.valid_to, c.five_year_date, c.status) "
        "ORDER BY c.valid_from DESC, c.id DESC) "
        f"FROM {_C} c JOIN {_R} r ON r.code = c.province_id JOIN {_F} f ON f.code = c.initial_facility_id "
        "WHERE c.person_id = p.id), "
        # The periods explain a reduced card only (120–124): read them when there is one.
        f"CASE WHEN EXISTS (SELECT 1 FROM {_C} c WHERE c.person_id = p.id AND c.status = '{_REDUCED}') THEN coalesce("
        "(SELECT json_agg(json_build_array(pp.from_month, pp.to_month, pp.employer_id, e.province_id) "
        "ORDER BY pp.from_month) "
        f"FROM {_PP} pp LEFT JOIN {_E} e ON e.code = pp.employer_id WHERE pp.person_id = p.id AND pp.scheme = '{_BHYT}'), "
        "'[]') END, "
        "emp.code, emp.name, "
        "(SELECT json_agg(json_build_array(v.id, v.facility_id, f.name, "
        "to_char(v.admitted_at AT TIME ZONE %s, 'YYYYMMDDHH24MI'), "
        "to_char(v.discharged_at AT TIME ZONE %s, 'YYYYMMDDHH24MI'), "
        "v.icd_code, v.diagnosis, v.inpatient) ORDER BY v.admitted_at DESC) "
        f"FROM (SELECT * FROM {_V} v WHERE v.person_id = p.id ORDER BY v.admitted_at DESC LIMIT {VISITS_SHOWN}) v "
        f"JOIN {_F} f ON f.code = v.facility_id), "
        f"(SELECT u.id FROM {_U} u WHERE u.person_id = p.id AND u.role = '{_CITIZEN}' "
        f"AND NOT EXISTS (SELECT 1 FROM {_O} o WHERE o.user_id = u.id) LIMIT 1), "
        f"(SELECT f.name FROM {_F} f WHERE f.code = {facility}) "
        f"FROM {_P} p LEFT JOIN LATERAL (SELECT e.code, e.name FROM {_PP} pp JOIN {_E} e ON e.code = pp.employer_id "
        f"WHERE pp.person_id = p.id AND pp.to_month IS NULL AND pp.scheme IN ('{_BHYT}', '{_BHXH}') "
        f"ORDER BY pp.from_month DESC LIMIT 1) emp ON true WHERE {where}"
    )


_BY_SSN: Final = _snapshot_sql("%s", "p.ssn = %s")
_BY_CCCD: Final = _snapshot_sql("%s", "p.cccd = %s")


def _with_token(where: str) -> str:
    """The token's user and, for a facility login only, the snapshot: one round trip for the counter's API.

    A token of any other role reads nothing of the register (the guard then refuses it).
    Parameters: the time zone twice, the card's identifier, then accounts.services.access_token_params.
    """
    guard = f" AND u.role = '{_FACILITY}' AND u.facility_id IS NOT NULL"
    snapshot = _snapshot_sql("u.facility_id", where + guard)
    return access_token_sql("s.*", f"LEFT JOIN LATERAL ({snapshot}) s ON true")


_TOKEN_AND_SSN: Final = _with_token("p.ssn = %s")
_TOKEN_AND_CCCD: Final = _with_token("p.cccd = %s")


def _from_row(row: tuple[Any, ...]) -> Snapshot:
    def parsed(value: Any) -> list[Any]:
        if value is None:
            return []
        return json.loads(value) if isinstance(value, str) else list(value)

    holder = Holder(*row[:10])
    cards = [
        Card(*c[:9], _date(c[9]), _date(c[10]), _date(c[11]), c[12])  # type: ignore[arg-type,call-arg]
        for c in parsed(row[10])
    ]
    periods = [Period(_date(p[0]), _date(p[1]), p[2], p[3]) for p in parsed(row[11])]  # type: ignore[arg-type]
    employer = (row[12], row[13]) if row[12] is not None else None
    visits = [tuple(v) for v in parsed(row[14])]
    return Snapshot(
        holder,
        cards,
        periods if row[11] is not None else None,
        employer,
        visits,  # type: ignore[arg-type]
        row[15],
        row[16],
    )


# ---- elsewhere: the ORM -------------------------------------------------------------------------


def _with_orm(person: Person, facility_code: str | None) -> Snapshot:
    holder = Holder(
        person.pk,
        person.ssn,
        person.full_name,
        person.birth_year,
        person.birth_month,
        person.birth_day,
        person.sex,
        person.street,
        person.ward.name if person.ward else None,
        person.province.name,
    )
    cards = [
        Card(
            c.pk,
            c.number,
            c.participant_group,
            c.level,
            c.province_id,
            c.province.name,
            c.live_area,
            c.initial_facility_id,
            c.initial_facility.name,
            c.valid_from,
            c.valid_to,
            c.five_year_date,
            c.status,
        )
        for c in HealthCard.objects.filter(person=person)
        .select_related("initial_facility", "province")
        .order_by("-valid_from", "-id")
    ]
    periods = None
    if any(c.status == HealthCard.Status.REDUCED for c in cards):
        periods = [
            Period(p.from_month, p.to_month, p.employer_id, p.employer.province_id if p.employer else None)
            for p in ParticipationPeriod.objects.filter(person=person, scheme=Scheme.BHYT)
            .select_related("employer")
            .order_by("from_month")
        ]
    current = (
        ParticipationPeriod.objects.filter(person=person, to_month__isnull=True, employer__isnull=False)
        .filter(Q(scheme=Scheme.BHYT) | Q(scheme=Scheme.BHXH))
        .select_related("employer")
        .order_by("-from_month")
        .first()
    )
    employer = (current.employer.code, current.employer.name) if current and current.employer else None

    def minute(value: dt.datetime) -> str:
        return timezone.localtime(value).strftime("%Y%m%d%H%M")

    visits = [
        (
            v.pk,
            v.facility_id,
            v.facility.name,
            minute(v.admitted_at),
            minute(v.discharged_at),
            v.icd_code,
            v.diagnosis,
            v.inpatient,
        )
        for v in MedicalVisit.objects.filter(person=person).select_related("facility").order_by("-admitted_at")[:VISITS_SHOWN]
    ]
    account = (
        User.objects.filter(person_id=person.pk, role=User.Role.CITIZEN)
        .exclude(Exists(CheckNoticeOptOut.objects.filter(user_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
        .first()
    )
    facility = HealthFacility.objects.filter(code=facility_code).values_list("name", flat=True).first()
    return Snapshot(holder, cards, periods, employer, visits, account, facility)


def _identifier(card: str) -> tuple[str, bool] | None:
    """The column value naming the holder of `card` (number, BHXH code or CCCD), and whether it is a CCCD."""
    by_cccd = len(card) == 12
    identifier = card if by_cccd else (card[-10:] if len(card) == 15 else card)
    if not identifier.isascii() or not identifier.isdigit():
        return None
    return identifier, by_cccd


def _hand_written(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the register is read with the hand-written query (PostgreSQL) rather than the ORM."""
    return connections[using].vendor == "postgresql"


def read(card: str, *, facility_code: str | None, using: str = DEFAULT_DB_ALIAS) -> Snapshot | None:
    """The register as a check of `card` (number, BHXH code or CCCD) sees it; None when no one has it.

    `facility_code`: the checking login's facility, whose name the holder's notification gives.
    """
    named = _identifier(card)
    if named is None:
        return None
    identifier, by_cccd = named
    if _hand_written(using):
        params = [settings.TIME_ZONE, settings.TIME_ZONE, facility_code, identifier]
        row = fetch_one_for_read(_BY_CCCD if by_cccd else _BY_SSN, params)
        return None if row is None else _from_row(row)
    people = Person.objects.select_related("ward", "province")
    person = (people.filter(cccd=identifier) if by_cccd else people.filter(ssn=identifier)).first()
    return None if person is None else _with_orm(person, facility_code)


def read_with_token(token: str, card: str) -> tuple[User, Snapshot | None] | None:
    """The user of a live access token and, when it is a facility login, `read(card)` for it: one round trip.

    None when the token is not live (as accounts.services.user_for_access_token). The snapshot is
    None when no one holds the card, or when the user is not a facility login (nothing is read).
    """
    named = _identifier(card)
    if named is None or not _hand_written():
        user = user_for_access_token(token)
        if user is None:
            return None
        facility = user.facility_id if user.role == User.Role.FACILITY else None
        return user, (read(card, facility_code=facility) if facility else None)
    identifier, by_cccd = named
    params = [settings.TIME_ZONE, settings.TIME_ZONE, identifier, *access_token_params(token)]
    row = fetch_one_for_read(_TOKEN_AND_CCCD if by_cccd else _TOKEN_AND_SSN, params)
    if row is None:
        return None
    snapshot = row[USER_COLUMN_COUNT:]
    return user_from_row(row), (_from_row(snapshot) if snapshot[0] is not None else None)
