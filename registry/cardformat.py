"""BHYT card number and card-QR formats (pure Python, no Django).

References: ``docs/domain.md`` §3.1, §3.3, §3.4, §3.6, §4 and ``docs/design.md`` §8.

Card number (15 characters)::

    XX Y ZZ NNNNNNNNNN
    |  |  |  └ 10-digit mã số BHXH
    |  |  └─── 2-digit province code of the issuing office
    |  └────── benefit level 1–5
    └───────── 2-letter participant group (mã đối tượng)

Card QR payload: fields 0..12, field 13 the check value, then ``$``, separated
by ``|`` (so the payload ends with ``|$``).  Names, address and guardian are the
lower-case hex of the UTF-8 bytes of the NFC-normalised text.

Field 13 is *our own* check value (the real one is a secret BHXH signature)::

    <kid>.<Ed25519 signature, base64url without padding, 86 chars>-<CRC-16 as 4 hex>

signed with the key ``kid`` over the UTF-8 bytes of fields 0–12 joined by
``|``; the CRC is CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection,
no final xor) over the same bytes, in lower case.  Anyone holding the published
JWK set verifies it (:func:`verify_card_qr`, registry.cardsign).  Real cards'
payloads parse; their check is reported as not ours, never as valid.

Every malformed input raises :class:`FormatError` (a ``ValueError``) with a
stable snake_case ``code``; callers translate by code.
"""

from __future__ import annotations

import binascii
import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from registry.cardsign import JWKSet, SigningKey, b64url, public_keys, verify_signature

__all__ = [
    "DEFAULT_LEVEL",
    "GROUP_CODES",
    "LEVELS_BY_GROUP",
    "PROVINCE_CODES",
    "CardNumber",
    "CardQR",
    "CardQRFields",
    "CheckStatus",
    "FormatError",
    "IdentifierKind",
    "PartialDate",
    "QRCheck",
    "build_card_number",
    "build_qr_payload",
    "check_level_for_group",
    "classify_identifier",
    "compute_qr_check",
    "crc16_ccitt_false",
    "format_date",
    "is_cccd",
    "is_ssn",
    "parse_card_number",
    "parse_date",
    "parse_partial_date",
    "parse_qr_payload",
    "qr_fields",
    "verify_card_qr",
    "verify_qr_check",
]


class FormatError(ValueError):
    """Malformed card number or QR payload.

    ``code`` is a stable snake_case identifier (e.g. ``"card_number_group"``,
    ``"qr_date"``) for callers to translate; ``str(error)`` is an English
    message.  ``field`` is the QR field index concerned, when there is one.
    """

    code: str
    message: str
    field: int | None

    def __init__(self, code: str, message: str, *, field: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"FormatError(code={self.code!r}, message={self.message!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_format_error, (self.code, self.message, self.field))


def _rebuild_format_error(code: str, message: str, field: int | None) -> FormatError:
    return FormatError(code, message, field=field)


# --------------------------------------------------------------------------
# Participant groups (domain.md §3.4)
# --------------------------------------------------------------------------

# Benefit level (mã quyền lợi, 1–5) that each group normally carries.
# fmt: off
DEFAULT_LEVEL: Final[dict[str, int]] = {
    # Paid by employee + employer
    "DN": 4, "HX": 4, "CH": 4, "NN": 4, "TK": 4, "HC": 4, "XK": 4,
    # Paid by the SI fund
    "HT": 3, "TB": 4, "NO": 4, "CT": 4, "XB": 4, "TN": 4, "CS": 4,
    # Paid by the State budget
    "QN": 5, "CA": 5, "CY": 5,
    "CC": 1, "TE": 1,
    "CK": 2, "CB": 2, "KC": 2, "HN": 2, "DT": 2, "DK": 2, "XD": 2, "BT": 2,
    "TS": 2,
    "TC": 3,
    "XN": 4, "MS": 4, "HD": 4, "TQ": 4, "TV": 4, "TA": 4, "TY": 4, "HG": 4,
    "LS": 4, "PV": 4,
    # Budget-supported
    "CN": 3,
    "HS": 4, "SV": 4, "GB": 4,
    # Household
    "GD": 4,
}
# fmt: on

GROUP_CODES: Final[frozenset[str]] = frozenset(DEFAULT_LEVEL)
"""The known 2-letter participant group codes (mã đối tượng)."""

LEVELS_BY_GROUP: Final[dict[str, frozenset[int]]] = {group: frozenset({level}) for group, level in DEFAULT_LEVEL.items()}
"""The benefit levels a card of each group may carry.

QĐ 1351/QĐ-BHXH (2015) gives every group code one mã quyền lợi (domain.md §3.4): a person in several
groups gets the card of the group with the best benefit (Law HI art. 22(2)), not a better level on
another group's code. So "DN" with level 2 is a wrong card, the gateway's result code 053.
"""

# fmt: off
PROVINCE_CODES: Final[frozenset[str]] = frozenset({
    "01", "02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "19", "20", "22", "24", "25",
    "26", "27", "30", "31", "33", "34", "35", "36", "37", "38", "40", "42", "44", "45", "46", "48",
    "49", "51", "52", "54", "56", "58", "60", "62", "64", "66", "67", "68", "70", "72", "74", "75",
    "77", "79", "80", "82", "83", "84", "86", "87", "89", "91", "92", "93", "94", "95", "96",
})
# fmt: on
"""The 63 province codes (GSO, domain.md §3.5); the 34 provinces from 01/07/2025 kept codes of this
list, so a card of any date carries one of them. The same list as places/data/provinces.csv (a test
compares them)."""

# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

_DIGITS: Final = frozenset("0123456789")
_UPPER: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_UPPER_ALNUM: Final = _DIGITS | _UPPER
_HEX_RE: Final = re.compile(r"[0-9A-Fa-f]*")
_DATE_RE: Final = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_YEAR_RE: Final = re.compile(r"[0-9]{4}")
_SPACES: Final = r"[ \t\u00a0]*"
_DASH: Final = r"[-\u2010\u2011\u2012\u2013\u2014\u2212]?"  # hyphens, en/em dash, minus
_FACILITY_RE: Final = re.compile(rf"([0-9]{{2}}){_SPACES}{_DASH}{_SPACES}([0-9]{{3}})")
_LIVE_AREA_RE: Final = re.compile(r"[A-Za-z0-9]{1,4}")
_MANAGER_CODE_RE: Final = re.compile(r"[A-Za-z0-9-]{0,32}")
_PLACEHOLDERS: Final = frozenset({"", "-"})
# Whitespace plus the BOM and NUL some scanners prepend or append.
_STRIP_CHARS: Final = " \t\r\n\v\f\u00a0\ufeff\x00"


def _all_in(text: str, allowed: frozenset[str]) -> bool:
    return all(ch in allowed for ch in text)


def _ascii_upper(text: str) -> str:
    """Upper-case ASCII letters only (``str.upper`` can change the length)."""
    return "".join(chr(ord(ch) - 32) if "a" <= ch <= "z" else ch for ch in text)


def is_ssn(s: str) -> bool:
    """True when ``s`` is a 10-digit mã số BHXH (ASCII digits only)."""
    return isinstance(s, str) and len(s) == 10 and _all_in(s, _DIGITS)


def is_cccd(s: str) -> bool:
    """True when ``s`` is a 12-digit CCCD / số định danh cá nhân."""
    return isinstance(s, str) and len(s) == 12 and _all_in(s, _DIGITS)


IdentifierKind = Literal["ssn", "cccd", "card_number", "qr_payload", "unknown"]


def classify_identifier(s: str) -> IdentifierKind:
    """Guess what a scanned or typed identifier is, by length, like hospital software.

    10 digits → ``"ssn"``; 12 digits → ``"cccd"``; 15 characters shaped like a
    card number (2 letters, 3 digits, 10 letters/digits, any case) →
    ``"card_number"``; more than 100 characters containing ``|`` →
    ``"qr_payload"``; anything else → ``"unknown"``.  Surrounding whitespace is
    ignored.  This only routes the input: parse it to validate it.
    """
    if not isinstance(s, str):
        return "unknown"
    text = s.strip(_STRIP_CHARS)
    if len(text) > 100 and "|" in text:
        return "qr_payload"
    if is_ssn(text):
        return "ssn"
    if is_cccd(text):
        return "cccd"
    if len(text) == 15:
        upper = _ascii_upper(text)
        if _all_in(upper[:2], _UPPER) and _all_in(upper[2:5], _DIGITS) and _all_in(upper[5:], _UPPER_ALNUM):
            return "card_number"
    return "unknown"


# --------------------------------------------------------------------------
# Card number
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardNumber:
    """A parsed 15-character BHYT card number."""

    group: str
    level: int
    province_code: str
    ssn: str

    @property
    def number(self) -> str:
        """The 15-character card number, e.g. ``"HS4010120878811"``."""
        return f"{self.group}{self.level}{self.province_code}{self.ssn}"

    @property
    def is_legacy(self) -> bool:
        """True for an old card whose last 10 characters are not all digits."""
        return not _all_in(self.ssn, _DIGITS)

    def __str__(self) -> str:
        return self.number


def _check_group(group: str) -> None:
    if len(group) != 2 or not _all_in(group, _UPPER):
        raise FormatError(
            "card_number_group",
            f"The participant group must be 2 upper-case letters, got {group!r}.",
        )
    if group not in GROUP_CODES:
        raise FormatError("card_number_group", f"Unknown participant group code {group!r}.")


def _check_province(province_code: str) -> None:
    if len(province_code) != 2 or not _all_in(province_code, _DIGITS):
        raise FormatError(
            "card_number_province",
            f"The province code must be 2 digits, got {province_code!r}.",
        )


def _check_real_province(province_code: str) -> None:
    _check_province(province_code)
    if province_code not in PROVINCE_CODES:
        raise FormatError("card_number_province", f"No province has the code {province_code!r}.")


def check_level_for_group(group: str, level: int) -> None:
    """Refuse a benefit level that the group's cards do not carry (LEVELS_BY_GROUP)."""
    allowed = LEVELS_BY_GROUP.get(group)
    if allowed is not None and level not in allowed:
        levels = ", ".join(str(lv) for lv in sorted(allowed))
        raise FormatError(
            "card_number_level_group",
            f"A card of group {group} carries benefit level {levels}, not {level}.",
        )


def _check_ssn(ssn: str, *, legacy: bool) -> None:
    allowed = _UPPER_ALNUM if legacy else _DIGITS
    if len(ssn) != 10 or not _all_in(ssn, allowed):
        what = "10 letters or digits" if legacy else "10 digits"
        raise FormatError(
            "card_number_ssn",
            f"The social insurance code must be {what}, got {ssn!r}.",
        )


def build_card_number(group: str, level: int, province_code: str, ssn: str) -> str:
    """Build a 15-character card number from its parts, validating each strictly.

    ``group`` must be one of :data:`GROUP_CODES` in upper case, ``level`` an
    ``int`` from 1 to 5 that the group carries (:data:`LEVELS_BY_GROUP`),
    ``province_code`` one of :data:`PROVINCE_CODES` and ``ssn`` 10 digits (the
    holder's own code: the model checks that part against the person).
    """
    if not isinstance(group, str):
        raise FormatError("card_number_group", "The participant group must be text.")
    _check_group(group)
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        raise FormatError(
            "card_number_level",
            f"The benefit level must be a whole number from 1 to 5, got {level!r}.",
        )
    check_level_for_group(group, level)
    if not isinstance(province_code, str):
        raise FormatError("card_number_province", "The province code must be text.")
    _check_real_province(province_code)
    if not isinstance(ssn, str):
        raise FormatError("card_number_ssn", "The social insurance code must be text.")
    _check_ssn(ssn, legacy=False)
    return f"{group}{level}{province_code}{ssn}"


def parse_card_number(text: str, *, legacy: bool = False) -> CardNumber:
    """Parse a 15-character card number.

    Surrounding whitespace is ignored and lower-case letters are accepted.  The
    last 10 characters must be digits, unless ``legacy`` is true, which also
    accepts the letters of old pre-2017 cards (e.g. ``DN401AA31900313``).
    """
    if not isinstance(text, str):
        raise FormatError("card_number_length", "The card number must be text.")
    raw = text.strip(_STRIP_CHARS)
    if len(raw) != 15:
        raise FormatError(
            "card_number_length",
            f"A card number has 15 characters, got {len(raw)}.",
        )
    s = _ascii_upper(raw)
    _check_group(s[0:2])
    if s[2] not in _DIGITS or not 1 <= int(s[2]) <= 5:
        raise FormatError(
            "card_number_level",
            f"The benefit level (3rd character) must be 1 to 5, got {s[2]!r}.",
        )
    _check_province(s[3:5])
    _check_ssn(s[5:], legacy=legacy)
    return CardNumber(group=s[0:2], level=int(s[2]), province_code=s[3:5], ssn=s[5:])


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date of birth that may be known to the year only.

    Formatted ``yyyy`` when year-only, else ``dd/MM/yyyy``.  ``month`` and
    ``day`` are both set or both ``None``.
    """

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise FormatError("qr_date", f"Invalid year {self.year!r}.")
        if not 1 <= self.year <= 9999:
            raise FormatError("qr_date", f"Year {self.year} is out of range.")
        if self.month is None and self.day is None:
            return
        if self.month is None or self.day is None:
            raise FormatError("qr_date", "A date needs both day and month, or neither.")
        try:
            date(self.year, self.month, self.day)
        except (TypeError, ValueError, OverflowError):
            raise FormatError(
                "qr_date",
                f"Invalid date {self.day!r}/{self.month!r}/{self.year!r}.",
            ) from None

    @classmethod
    def from_date(cls, value: date) -> PartialDate:
        return cls(value.year, value.month, value.day)

    @property
    def is_year_only(self) -> bool:
        return self.month is None

    def to_date(self) -> date | None:
        """The full date, or ``None`` when only the year is known."""
        if self.month is None or self.day is None:
            return None
        return date(self.year, self.month, self.day)

    def format(self) -> str:
        if self.month is None or self.day is None:
            return f"{self.year:04d}"
        return f"{self.day:02d}/{self.month:02d}/{self.year:04d}"

    def __str__(self) -> str:
        return self.format()


def format_date(value: date) -> str:
    """``dd/MM/yyyy`` (works for any year, unlike ``strftime`` on some platforms)."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def parse_date(text: str, *, field: int | None = None) -> date:
    """Parse ``d/M/yyyy`` (day and month may lack the leading zero)."""
    m = _DATE_RE.fullmatch(text.strip(" ")) if isinstance(text, str) else None
    if m is None:
        raise FormatError("qr_date", f"Expected a date as dd/MM/yyyy, got {text!r}.", field=field)
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        raise FormatError("qr_date", f"{text!r} is not a valid date.", field=field) from None


def parse_partial_date(text: str, *, field: int | None = None) -> PartialDate:
    """Parse ``yyyy`` or ``d/M/yyyy``; ``00/00/yyyy`` also means year-only."""
    s = text.strip(" ") if isinstance(text, str) else ""
    if _YEAR_RE.fullmatch(s):
        year = int(s)
        if year == 0:
            raise FormatError("qr_date", "Year 0000 is not valid.", field=field)
        return PartialDate(year)
    m = _DATE_RE.fullmatch(s)
    if m is not None and int(m.group(1)) == 0 and int(m.group(2)) == 0:
        year = int(m.group(3))
        if year == 0:
            raise FormatError("qr_date", "Year 0000 is not valid.", field=field)
        return PartialDate(year)
    d = parse_date(s, field=field)
    return PartialDate(d.year, d.month, d.day)


# --------------------------------------------------------------------------
# Check value: Ed25519 signature + CRC-16/CCITT-FALSE
# --------------------------------------------------------------------------


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no xorout.

    ``crc16_ccitt_false(b"123456789") == 0x29B1``. binascii's CRC-CCITT is this very CRC when
    started at 0xFFFF, computed in C (a table loop in Python was the slowest step of a card read).
    """
    return binascii.crc_hqx(data, 0xFFFF)


def _encode(text: str) -> bytes:
    # surrogatepass: never fail on odd input (lone surrogates) from a scanner.
    return text.encode("utf-8", "surrogatepass")


_CHECK_RE: Final = re.compile(r"([A-Za-z0-9]{1,8})\.([A-Za-z0-9_-]{86})-([0-9A-Fa-f]{4})")


def compute_qr_check(body: str, *, key: SigningKey) -> str:
    """Our check value for ``body`` (QR fields 0–12 joined by ``|``).

    ``<kid>.<base64url Ed25519 signature of the UTF-8 body>-<4 lower-case hex CRC-16>``.
    """
    data = _encode(body)
    return f"{key.kid}.{b64url(key.sign(data))}-{crc16_ccitt_false(data):04x}"


class CheckStatus(enum.StrEnum):
    """What :func:`verify_card_qr` found."""

    VALID = "valid"
    BAD_SIGNATURE = "bad_signature"
    """Our format, a published key, but the content was changed (or the signature is forged)."""
    UNKNOWN_KID = "unknown_kid"
    """Our format, signed with a key the JWK set does not hold (never ours, or long retired)."""
    NOT_OURS = "not_ours"
    """A well-formed card payload whose field 13 is not ours (a real VssID card): not verifiable here."""
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class QRCheck:
    """The answer of :func:`verify_card_qr`."""

    status: CheckStatus
    card: CardQR | None = None
    """The parsed content (None only when malformed); trust it only when ``status`` is VALID."""
    kid: str | None = None
    error: FormatError | None = None

    @property
    def valid(self) -> bool:
        return self.status is CheckStatus.VALID


def _check_status(parts: list[str], jwks: JWKSet) -> tuple[CheckStatus, str | None]:
    m = _CHECK_RE.fullmatch(parts[_BODY_FIELDS].strip(" "))
    if m is None:
        return CheckStatus.NOT_OURS, None
    kid, signature, crc = m.groups()
    key = public_keys(jwks).get(kid)
    if key is None:
        return CheckStatus.UNKNOWN_KID, kid
    data = _encode("|".join(parts[:_BODY_FIELDS]))
    if int(crc, 16) != crc16_ccitt_false(data) or not verify_signature(key, signature, data):
        return CheckStatus.BAD_SIGNATURE, kid
    return CheckStatus.VALID, kid


def verify_card_qr(payload: str, jwks: JWKSet) -> QRCheck:
    """Verify a scanned card QR with nothing but a JWK set (pure: no server secret, no network).

    Never raises for bad input: a payload that does not parse is ``MALFORMED`` (with the
    :class:`FormatError`); a real card's payload is ``NOT_OURS``.
    """
    try:
        parts = _split_payload(payload)
        card = parse_qr_payload(payload)
    except FormatError as exc:
        return QRCheck(CheckStatus.MALFORMED, error=exc)
    status, kid = _check_status(parts, jwks)
    return QRCheck(status, card=card, kid=kid)


# --------------------------------------------------------------------------
# QR payload
# --------------------------------------------------------------------------

_FIELD_COUNT: Final = 15  # fields 0..12, check (13), terminator "$" (14)
_BODY_FIELDS: Final = 13


@dataclass(frozen=True, slots=True, kw_only=True)
class CardQRFields:
    """The content of a card QR, without the check value (input to the builder)."""

    card_code: str
    """10-digit mã số BHXH, or the 15-character card number."""
    full_name: str
    date_of_birth: PartialDate
    sex: int
    """1 = male, 2 = female."""
    address: str
    """Address on the card; ``""`` is rendered ``-``."""
    facility_code: str
    """5 digits (province + number), rendered ``"PP - NNN"``."""
    valid_from: date
    valid_to: date
    issue_date: date
    manager_code: str = "-"
    """Field 9, "mã quản lý"; kept as given, may be ``"-"`` or ``""``."""
    guardian_name: str | None = None
    """Parent/guardian (for children); ``None`` is rendered ``-``."""
    live_area: str = ""
    """Live-area code such as ``"K1"``; ``""`` is rendered ``-``."""
    five_year_date: date | None = None
    """5-years-continuous date; ``None`` is rendered ``-``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CardQR(CardQRFields):
    """A parsed card QR payload, including its field 13 check value as printed."""

    check: str

    def to_fields(self) -> CardQRFields:
        """The same content without the check value."""
        return CardQRFields(
            card_code=self.card_code,
            full_name=self.full_name,
            date_of_birth=self.date_of_birth,
            sex=self.sex,
            address=self.address,
            facility_code=self.facility_code,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            issue_date=self.issue_date,
            manager_code=self.manager_code,
            guardian_name=self.guardian_name,
            live_area=self.live_area,
            five_year_date=self.five_year_date,
        )


def _normalise_card_code(code: str, *, field: int | None = 0) -> str:
    """A QR card code: 10 digits, or a 15-character card number (legacy allowed)."""
    if not isinstance(code, str):
        raise FormatError("card_number_length", "The card code must be text.", field=field)
    s = code.strip(" ")
    if len(s) == 10:
        if not is_ssn(s):
            raise FormatError(
                "card_number_ssn",
                f"A 10-character card code must be 10 digits, got {s!r}.",
                field=field,
            )
        return s
    if len(s) == 15:
        try:
            return parse_card_number(s, legacy=True).number
        except FormatError as exc:
            exc.field = field
            raise
    raise FormatError(
        "card_number_length",
        f"The card code must have 10 or 15 characters, got {len(s)}.",
        field=field,
    )


def _to_hex(text: str) -> str:
    return unicodedata.normalize("NFC", text).encode("utf-8").hex()


def _from_hex(text: str, *, field: int, what: str) -> str:
    s = text.strip(" ")
    if len(s) % 2 or not _HEX_RE.fullmatch(s):
        raise FormatError(
            "qr_hex",
            f"The {what} (field {field}) must be hexadecimal with an even length.",
            field=field,
        )
    try:
        decoded = bytes.fromhex(s).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise FormatError(
            "qr_hex",
            f"The {what} (field {field}) is not valid UTF-8 hex.",
            field=field,
        ) from None
    return unicodedata.normalize("NFC", decoded)


def _clean_text(value: str | None, *, code: str, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FormatError(code, f"The {what} must be text.")
    cleaned = unicodedata.normalize("NFC", value).strip()
    return "" if cleaned in _PLACEHOLDERS else cleaned


def _facility_from_text(text: str, *, field: int = 5) -> str:
    m = _FACILITY_RE.fullmatch(text.strip(" "))
    if m is None:
        raise FormatError(
            "qr_facility",
            f"The KCB facility must look like 'PP - NNN', got {text!r}.",
            field=field,
        )
    return m.group(1) + m.group(2)


def _check_date(value: object, *, field: int, what: str) -> date:
    if not isinstance(value, date):
        raise FormatError("qr_date", f"The {what} must be a date.", field=field)
    return value


def qr_fields(card: CardQRFields) -> list[str]:
    """Render fields 0–12 of the payload (validated, canonical)."""
    card_code = _normalise_card_code(card.card_code)

    name = _clean_text(card.full_name, code="qr_name", what="full name")
    if not name:
        raise FormatError("qr_name", "The full name must not be empty.", field=1)

    dob = card.date_of_birth
    if not isinstance(dob, PartialDate):
        raise FormatError("qr_date", "The date of birth must be a PartialDate.", field=2)

    sex = card.sex
    if isinstance(sex, bool) or sex not in (1, 2):
        raise FormatError("qr_sex", f"Sex must be 1 or 2, got {sex!r}.", field=3)

    address = _clean_text(card.address, code="qr_hex", what="address")

    facility = card.facility_code
    if not isinstance(facility, str) or len(facility) != 5 or not _all_in(facility, _DIGITS):
        raise FormatError(
            "qr_facility",
            f"The KCB facility code must be 5 digits, got {facility!r}.",
            field=5,
        )

    valid_from = _check_date(card.valid_from, field=6, what="valid-from date")
    valid_to = _check_date(card.valid_to, field=7, what="valid-to date")
    issue_date = _check_date(card.issue_date, field=8, what="issue date")

    manager = card.manager_code
    if not isinstance(manager, str) or not _MANAGER_CODE_RE.fullmatch(manager):
        raise FormatError(
            "qr_manager_code",
            f"The manager code must be letters, digits or '-', got {manager!r}.",
            field=9,
        )

    guardian = _clean_text(card.guardian_name, code="qr_hex", what="guardian name")

    live_area = card.live_area
    if not isinstance(live_area, str) or not (live_area in _PLACEHOLDERS or _LIVE_AREA_RE.fullmatch(live_area)):
        raise FormatError(
            "qr_live_area",
            f"The live-area code must be empty or like 'K1', got {live_area!r}.",
            field=11,
        )

    five_year = card.five_year_date
    if five_year is not None:
        five_year = _check_date(five_year, field=12, what="5-years-continuous date")

    return [
        card_code,
        _to_hex(name),
        dob.format(),
        str(sex),
        _to_hex(address) if address else "-",
        f"{facility[:2]} - {facility[2:]}",
        format_date(valid_from),
        format_date(valid_to),
        format_date(issue_date),
        manager,
        _to_hex(guardian) if guardian else "-",
        live_area if live_area else "-",
        format_date(five_year) if five_year is not None else "-",
    ]


def build_qr_payload(card: CardQRFields, *, key: SigningKey) -> str:
    """Render the card QR payload, fields 0–12, our check value, then ``$``.

    A :class:`CardQR` may be passed too; its ``check`` is ignored and recomputed.
    """
    body = "|".join(qr_fields(card))
    return f"{body}|{compute_qr_check(body, key=key)}|$"


def _split_payload(text: str) -> list[str]:
    if not isinstance(text, str):
        raise FormatError("qr_field_count", "The QR payload must be text.")
    parts = text.strip(_STRIP_CHARS).split("|")
    if parts[-1].strip(" ") != "$":
        if len(parts) in (_FIELD_COUNT - 1, _FIELD_COUNT):
            raise FormatError("qr_terminator", "The QR payload must end with the terminator '|$'.")
        raise FormatError(
            "qr_field_count",
            f"The QR payload must have {_FIELD_COUNT} '|'-separated fields, got {len(parts)}.",
        )
    if len(parts) != _FIELD_COUNT:
        raise FormatError(
            "qr_field_count",
            f"The QR payload must have {_FIELD_COUNT} '|'-separated fields, got {len(parts)}.",
        )
    return parts


def verify_qr_check(text: str, *, keys: JWKSet) -> bool:
    """True when field 13 is our signature, by a key of ``keys``, of fields 0–12 as given.

    Raises :class:`FormatError` only when ``text`` does not have the payload's
    structure (field count, terminator); the fields themselves are not parsed.
    """
    return _check_status(_split_payload(text), keys)[0] is CheckStatus.VALID


def _printable_ascii(text: str, *, code: str, what: str, field: int) -> str:
    s = text.strip(" ")
    if not (s.isascii() and s.isprintable()):
        raise FormatError(code, f"The {what} (field {field}) has unexpected characters.", field=field)
    return s


def parse_qr_payload(text: str, *, keys: JWKSet | None = None) -> CardQR:
    """Parse a card QR payload (ours or a real card's).

    Accepts 10- or 15-character card codes (including old cards with letters),
    ``-`` placeholders, ``"01 - 043"`` / ``"01 – 043"`` / ``"01-043"`` facilities,
    non-zero-padded dates, a year-only date of birth and surrounding whitespace.
    When ``keys`` (a JWK set) is given the check value (field 13) is verified
    and anything but a valid signature raises ``FormatError`` with code
    ``"qr_check"``; without keys it is kept as printed and not verified
    (:func:`verify_card_qr` tells the reasons apart).
    """
    parts = _split_payload(text)

    card_code = _normalise_card_code(parts[0], field=0)
    full_name = _from_hex(parts[1], field=1, what="full name")
    if not full_name.strip():
        raise FormatError("qr_name", "The full name (field 1) is empty.", field=1)
    dob = parse_partial_date(parts[2], field=2)

    sex_text = parts[3].strip(" ")
    if sex_text not in ("1", "2"):
        raise FormatError("qr_sex", f"Sex (field 3) must be 1 or 2, got {sex_text!r}.", field=3)

    address_text = parts[4].strip(" ")
    address = "" if address_text in _PLACEHOLDERS else _from_hex(address_text, field=4, what="address")
    facility = _facility_from_text(parts[5], field=5)
    valid_from = parse_date(parts[6], field=6)
    valid_to = parse_date(parts[7], field=7)
    issue_date = parse_date(parts[8], field=8)
    manager = _printable_ascii(parts[9], code="qr_manager_code", what="manager code", field=9)

    guardian_text = parts[10].strip(" ")
    guardian = None if guardian_text in _PLACEHOLDERS else _from_hex(guardian_text, field=10, what="guardian name")

    live_area_text = _printable_ascii(parts[11], code="qr_live_area", what="live-area code", field=11)
    live_area = "" if live_area_text in _PLACEHOLDERS else live_area_text

    five_year_text = parts[12].strip(" ")
    five_year = None if five_year_text in _PLACEHOLDERS else parse_date(five_year_text, field=12)

    check = parts[13].strip(" ")
    if keys is not None and _check_status(parts, keys)[0] is not CheckStatus.VALID:
        raise FormatError(
            "qr_check",
            "The QR check value does not match: the card was not issued by us or its content was altered.",
            field=13,
        )

    return CardQR(
        card_code=card_code,
        full_name=full_name,
        date_of_birth=dob,
        sex=int(sex_text),
        address=address,
        facility_code=facility,
        valid_from=valid_from,
        valid_to=valid_to,
        issue_date=issue_date,
        manager_code=manager,
        guardian_name=guardian,
        live_area=live_area,
        five_year_date=five_year,
        check=check,
    )
