"""The citizen's health-insurance card (thẻ BHYT) as shown in VssID, and its QR payload.

domain.md §1.3 (the "Thẻ BHYT" screen), §3.3–3.8 (number, levels, facility code, validity) and §4
(the QR payload); design.md §8 (our check value, an Ed25519 signature by the key of
registry.cardkeys).

Open-ended cards: cards since 08/2017 print only "valid from", and the register may hold no
expiry (`HealthCard.valid_to` empty, e.g. a worker whose employer keeps paying). The QR layout
needs a date in field 7 and the screen shows "từ … đến …", so such a card is printed as valid
**to 31/12 of the current year** — the end of the contribution year, the way the paper card was
renewed each year — and `valid_to_open_ended` says the date is ours, not the register's.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from places.models import HealthFacility, Province, Ward
from registry.cardformat import CardQRFields, PartialDate, build_qr_payload
from registry.cardkeys import signing_key
from registry.cardsign import SigningKey
from registry.models import HealthCard, Person, Sex
from vssid.db.hot import fetch_one_for_read


@dataclass(frozen=True)
class CardView:
    """Everything printed on the card and encoded in its QR."""

    card_number: str
    full_name: str
    date_of_birth: str
    """``dd/MM/yyyy``, or ``yyyy`` when only the year of birth is known."""
    sex: int
    sex_label: str
    address: str
    facility_code: str
    facility_name: str
    valid_from: dt.date
    valid_to: dt.date
    valid_to_open_ended: bool
    issue_date: dt.date
    five_year_date: dt.date | None
    level: int
    live_area: str
    benefit_text: str
    expired: bool
    qr_payload: str


class NoActiveCard(Exception):
    """The person has no card in use (never issued, withdrawn, or reduced)."""


def printed_valid_to(card: CardRecord, today: dt.date) -> tuple[dt.date, bool]:
    """The "valid to" date as printed, and whether it was filled in by us (module docstring)."""
    if card.valid_to is not None:
        return card.valid_to, False
    return dt.date(max(today.year, card.valid_from.year), 12, 31), True


# The "Thông tin quyền lợi" texts (domain.md §3.4 and §7.6); lazy, so a card read translates
# only the one of its level.
_BENEFIT_TEXTS = {
    1: gettext_lazy(
        "Mức hưởng 1: được quỹ BHYT thanh toán 100% chi phí khám bệnh, chữa bệnh trong phạm vi quyền lợi, "
        "không giới hạn tỷ lệ thanh toán thuốc, hóa chất, vật tư y tế và dịch vụ kỹ thuật cao; "
        "được thanh toán chi phí vận chuyển."
    ),
    2: gettext_lazy(
        "Mức hưởng 2: được quỹ BHYT thanh toán 100% chi phí khám bệnh, chữa bệnh trong phạm vi quyền lợi; "
        "có giới hạn tỷ lệ thanh toán một số thuốc, hóa chất, vật tư y tế và dịch vụ kỹ thuật cao."
    ),
    3: gettext_lazy("Mức hưởng 3: được quỹ BHYT thanh toán 95% chi phí khám bệnh, chữa bệnh trong phạm vi quyền lợi."),
    4: gettext_lazy(
        "Mức hưởng 4: được quỹ BHYT thanh toán 80% chi phí khám bệnh, chữa bệnh trong phạm vi quyền lợi. "
        "Khám chữa bệnh không đúng nơi đăng ký ban đầu mà không có giấy chuyển tuyến: nội trú tại cơ sở cấp "
        "chuyên sâu được thanh toán 40% mức hưởng, trừ trường hợp cấp cứu."
    ),
    5: gettext_lazy(
        "Mức hưởng 5: được quỹ BHYT thanh toán 100% chi phí khám bệnh, chữa bệnh, kể cả chi phí ngoài phạm vi danh mục BHYT."
    ),
}


def benefit_text(level: int, live_area: str = "") -> str:
    """The "Thông tin quyền lợi" text for a benefit level (domain.md §3.4 and §7.6)."""
    text = str(_BENEFIT_TEXTS.get(level, ""))
    if live_area:
        text += " " + _(
            "Thẻ có mã nơi sinh sống %(area)s: nội trú tại cơ sở cấp chuyên sâu ngoài nơi đăng ký ban đầu vẫn được hưởng đủ mức."
        ) % {"area": live_area}
    return text


@dataclass(frozen=True)
class CardRecord:
    """The columns of the card, its holder, address and initial facility that the card shows."""

    number: str
    level: int
    live_area: str
    valid_from: dt.date
    valid_to: dt.date | None
    five_year_date: dt.date | None
    issue_date: dt.date
    full_name: str
    birth_year: int
    birth_month: int | None
    birth_day: int | None
    sex: int
    street: str
    ward_name: str | None
    province_name: str
    facility_code: str
    facility_name: str


# The card is what the citizen opens most, and at a hospital counter, so it is read with one
# hand-written, prepared query (vssid.db.hot; unique partial index card_one_active_per_person):
# building the same four-join select_related through the ORM's compiler cost several times the
# query itself. The status is a literal so that a generic plan can use the partial index.
CARD_COLUMNS: Final = (
    "c.number, c.level, c.live_area, c.valid_from, c.valid_to, c.five_year_date, c.issue_date, "  # noqa: S608 - names from models
    "p.full_name, p.birth_year, p.birth_month, p.birth_day, p.sex, p.street, "
    f"(SELECT w.name FROM {Ward._meta.db_table} w WHERE w.code = p.ward_id), "
    f"(SELECT r.name FROM {Province._meta.db_table} r WHERE r.code = p.province_id), "
    "c.initial_facility_id, "
    f"(SELECT f.name FROM {HealthFacility._meta.db_table} f WHERE f.code = c.initial_facility_id)"
)
"""The columns of a CardRecord, from the card (alias c) and its holder (alias p)."""
_ACTIVE = f"c.status = '{HealthCard.Status.ACTIVE.value}'"
_ACTIVE_CARD_SQL = (
    f"SELECT {CARD_COLUMNS} FROM {HealthCard._meta.db_table} c JOIN {Person._meta.db_table} p ON p.id = c.person_id "  # noqa: S608 - names from models
    f"WHERE c.person_id = %s AND {_ACTIVE}"
)


def active_card_joins(person_id: str) -> str:
    """LEFT JOINs that give CARD_COLUMNS the card in use of the person `person_id` (a column of the caller's query).

    For a caller that reads the card in the same round trip as something else (the API's card
    answer: the token, its user and the card, api/routers/card.py); every column is NULL when
    the person has no card in use.
    """
    return (
        f"LEFT JOIN {HealthCard._meta.db_table} c ON c.person_id = {person_id} AND {_ACTIVE} "
        f"LEFT JOIN {Person._meta.db_table} p ON p.id = c.person_id"
    )


def card_record(columns: Sequence[Any]) -> CardRecord | None:
    """The CardRecord of CARD_COLUMNS read through active_card_joins; None without a card in use."""
    return CardRecord(*columns) if columns[0] is not None else None


def active_card_for_person(person_id: int) -> CardRecord:
    """The person's card in use, with its facility and the person's address, in one query."""
    row = fetch_one_for_read(_ACTIVE_CARD_SQL, [person_id])
    if row is None:
        raise NoActiveCard
    return CardRecord(*row)


def _address(card: CardRecord) -> str:
    parts = [card.street.strip(), card.ward_name or "", card.province_name]
    return ", ".join(p for p in parts if p)


def card_view(card: CardRecord, *, today: dt.date | None = None) -> CardView:
    """What the card shows, and its QR payload (domain.md §4.2, design.md §8)."""
    return _card_view(card, today or timezone.localdate(), get_language(), signing_key())


# A pure function of the card's columns, the day, the language and the signing key, and the card
# is reopened far more often than it changes (each visit to a counter, each launch of the app):
# memoised per process, so a card is signed once a day. Any change to the card or its holder makes
# a new CardRecord; a rotated key (its kid is part of SigningKey) a new signature.
@functools.lru_cache(maxsize=4096)
def _card_view(card: CardRecord, today: dt.date, language: str | None, key: SigningKey) -> CardView:
    valid_to, open_ended = printed_valid_to(card, today)
    if card.birth_month and card.birth_day:
        dob = PartialDate(card.birth_year, card.birth_month, card.birth_day)
    else:
        # A month without a day cannot be printed in the QR: only the year is.
        dob = PartialDate(card.birth_year)
    address = _address(card)
    payload = build_qr_payload(
        CardQRFields(
            card_code=card.number,
            full_name=card.full_name,
            date_of_birth=dob,
            sex=card.sex,
            address=address,
            facility_code=card.facility_code,
            valid_from=card.valid_from,
            valid_to=valid_to,
            issue_date=card.issue_date,
            manager_code="-",
            guardian_name=None,
            live_area=card.live_area,
            five_year_date=card.five_year_date,
        ),
        key=key,
    )
    sex_label, benefit = _texts(card.sex, card.level, card.live_area, language)
    return CardView(
        card_number=card.number,
        full_name=card.full_name,
        date_of_birth=dob.format(),
        sex=card.sex,
        sex_label=sex_label,
        address=address,
        facility_code=card.facility_code,
        facility_name=card.facility_name,
        valid_from=card.valid_from,
        valid_to=valid_to,
        valid_to_open_ended=open_ended,
        issue_date=card.issue_date,
        five_year_date=card.five_year_date,
        level=card.level,
        live_area=card.live_area,
        benefit_text=benefit,
        expired=card.valid_to is not None and card.valid_to < today,
        qr_payload=payload,
    )


# A card not seen yet today is built on most card requests of a large register; its texts depend
# on a handful of values and the language only, and looking them up in the catalogue each time
# cost some 6 µs a card (0.1 µs memoised).
@functools.lru_cache(maxsize=128)
def _texts(sex: int, level: int, live_area: str, language: str | None) -> tuple[str, str]:
    """The sex label and benefit text of a card in `language`, the one active (a key, not read here)."""
    return _("Nam") if sex == Sex.MALE else _("Nữ"), benefit_text(level, live_area)


class Login(Protocol):
    """What the card needs to know of a login (accounts' User): whose it is."""

    @property
    def is_authenticated(self) -> bool: ...
    @property
    def role(self) -> str: ...
    @property
    def person_id(self) -> int | None: ...


CITIZEN_ROLE: Final = "citizen"
"""The role of a citizen's login (accounts.models.User.Role.CITIZEN), the only one with a card."""


def citizen_person_id(user: Login) -> int:
    """The person of a logged-in citizen; anyone else (staff, HR, lead, admin) gets a 404."""
    if not user.is_authenticated or user.role != CITIZEN_ROLE or user.person_id is None:
        raise Http404
    return int(user.person_id)


def card_for_citizen(user: Login, *, today: dt.date | None = None) -> CardView:
    """The logged-in citizen's own card in use; raises NoActiveCard when there is none."""
    return card_view(active_card_for_person(citizen_person_id(user)), today=today)
