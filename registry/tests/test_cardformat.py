"""Tests for registry.cardformat (pure Python: no database, no Django)."""

from __future__ import annotations

import dataclasses
import pickle
import random
import unicodedata
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from registry.cardformat import (
    DEFAULT_LEVEL,
    GROUP_CODES,
    CardNumber,
    CardQR,
    CardQRFields,
    FormatError,
    PartialDate,
    build_card_number,
    build_qr_payload,
    classify_identifier,
    compute_qr_check,
    crc16_ccitt_false,
    is_cccd,
    is_ssn,
    parse_card_number,
    parse_partial_date,
    parse_qr_payload,
    qr_fields,
    verify_qr_check,
)
from registry.cardsign import SigningKey, jwk_set

KEY = SigningKey("t1", bytes(range(32)))
OTHER_KEY = SigningKey("t2", bytes(range(1, 33)))
JWKS = jwk_set([(KEY.kid, KEY.public)])
# The same kid with another key: what a forger who copies our kid publishes.
OTHER_JWKS = jwk_set([(KEY.kid, OTHER_KEY.public)])

# domain.md §4.1: the real 2017 sample.  Field 4 (address) is elided in the
# doc, so we hex-encode a plausible address; every other field is literal.
SAMPLE_ADDRESS = "Cty phần mềm VNPT- Hà Nội"
SAMPLE_ADDRESS_HEX = SAMPLE_ADDRESS.encode("utf-8").hex()
SAMPLE = (
    "DN401AA31900313|4cc3aa205669e1bb87742048c6b06e67|04/09/1985|1|"
    f"{SAMPLE_ADDRESS_HEX}|01 - 043|01/07/2017|31/12/2017|21/07/2017|"
    "01059710639215|-|4|01/07/2022|1f2fa22c47f0bd18-7102|$"
)


def make_fields(**overrides: object) -> CardQRFields:
    base = CardQRFields(
        card_code="HS4010120878811",
        full_name="Nguyễn Thị Ánh Tuyết",
        date_of_birth=PartialDate(2008, 3, 14),
        sex=2,
        address="Số 7 ngõ 12 phố Huế, phường Hai Bà Trưng, Hà Nội",
        facility_code="01013",
        valid_from=date(2025, 1, 1),
        valid_to=date(2025, 12, 31),
        issue_date=date(2024, 12, 20),
        manager_code="01059710639215",
        guardian_name="Nguyễn Văn Bình",
        live_area="K1",
        five_year_date=date(2030, 1, 1),
    )
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


def valid_payload() -> str:
    return build_qr_payload(make_fields(), key=KEY)


def replace_field(payload: str, index: int, value: str) -> str:
    parts = payload.split("|")
    parts[index] = value
    return "|".join(parts)


# --------------------------------------------------------------------------
# FormatError
# --------------------------------------------------------------------------


def test_format_error_is_value_error_with_code_and_message() -> None:
    err = FormatError("qr_sex", "Sex must be 1 or 2.", field=3)
    assert isinstance(err, ValueError)
    assert err.code == "qr_sex"
    assert err.field == 3
    assert str(err) == "Sex must be 1 or 2."
    clone = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own object, not untrusted data
    assert (clone.code, str(clone), clone.field) == ("qr_sex", str(err), 3)


# --------------------------------------------------------------------------
# Groups, identifiers
# --------------------------------------------------------------------------


def test_group_codes_and_default_levels() -> None:
    assert frozenset(DEFAULT_LEVEL) == GROUP_CODES
    assert len(GROUP_CODES) == 44
    assert DEFAULT_LEVEL["HT"] == 3
    assert DEFAULT_LEVEL["DN"] == 4
    assert DEFAULT_LEVEL["QN"] == 5
    assert DEFAULT_LEVEL["TE"] == 1
    assert DEFAULT_LEVEL["HN"] == 2
    assert DEFAULT_LEVEL["CN"] == 3
    assert DEFAULT_LEVEL["GD"] == 4
    assert all(len(g) == 2 and g.isupper() and g.isascii() for g in GROUP_CODES)
    assert all(1 <= level <= 5 for level in DEFAULT_LEVEL.values())


def test_is_ssn_and_is_cccd() -> None:
    assert is_ssn("0120878811")
    assert not is_ssn("012087881")
    assert not is_ssn("01208788a1")
    assert not is_ssn("０１２０８７８８１１")  # full-width digits
    assert not is_ssn("٠١٢٠٨٧٨٨١١")  # Arabic-Indic digits
    assert is_cccd("001085012345")
    assert not is_cccd("0010850123456")
    assert not is_cccd("0120878811")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("0120878811", "ssn"),
        (" 0120878811\n", "ssn"),
        ("001085012345", "cccd"),
        ("HS4010120878811", "card_number"),
        ("hs4010120878811", "card_number"),
        ("DN401AA31900313", "card_number"),
        (SAMPLE, "qr_payload"),
        ("x" * 101, "unknown"),
        ("", "unknown"),
        ("012087881", "unknown"),
        ("0120878811A", "unknown"),
        ("HS401012087881!", "unknown"),
        ("1234567890ABCDE", "unknown"),
    ],
)
def test_classify_identifier(text: str, kind: str) -> None:
    assert classify_identifier(text) == kind


# --------------------------------------------------------------------------
# Card number
# --------------------------------------------------------------------------


def test_build_card_number_example() -> None:
    assert build_card_number("HS", 4, "01", "0120878811") == "HS4010120878811"


def test_parse_card_number_example() -> None:
    card = parse_card_number("HS4010120878811")
    assert card == CardNumber(group="HS", level=4, province_code="01", ssn="0120878811")
    assert card.number == "HS4010120878811"
    assert str(card) == "HS4010120878811"
    assert not card.is_legacy


def test_parse_card_number_strips_and_uppercases() -> None:
    assert parse_card_number("  hs4010120878811\n").number == "HS4010120878811"


@pytest.mark.parametrize("group", sorted(GROUP_CODES))
def test_card_number_round_trip_every_group(group: str) -> None:
    level = DEFAULT_LEVEL[group]
    number = build_card_number(group, level, "79", "7912345678")
    card = parse_card_number(number)
    assert (card.group, card.level, card.province_code, card.ssn) == (
        group,
        level,
        "79",
        "7912345678",
    )
    assert card.number == number


def test_parse_card_number_legacy() -> None:
    with pytest.raises(FormatError) as info:
        parse_card_number("DN401AA31900313")
    assert info.value.code == "card_number_ssn"
    card = parse_card_number("dn401aa31900313", legacy=True)
    assert card == CardNumber(group="DN", level=4, province_code="01", ssn="AA31900313")
    assert card.is_legacy
    assert card.number == "DN401AA31900313"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "card_number_length"),
        ("   ", "card_number_length"),
        ("HS401012087881", "card_number_length"),
        ("HS40101208788111", "card_number_length"),
        ("HS40101208788ß", "card_number_length"),
        ("ZZ4010120878811", "card_number_group"),
        ("H14010120878811", "card_number_group"),
        ("ĐN4010120878811", "card_number_group"),
        ("HS0010120878811", "card_number_level"),
        ("HS6010120878811", "card_number_level"),
        ("HSX010120878811", "card_number_level"),
        ("HS4A10120878811", "card_number_province"),
        ("HS4٠10120878811", "card_number_province"),
        ("HS401012087881A", "card_number_ssn"),
        ("HS401AA31900313", "card_number_ssn"),
        ("HS401012087881١", "card_number_ssn"),
        ("HS401012 878811", "card_number_ssn"),
    ],
)
def test_parse_card_number_errors(text: str, code: str) -> None:
    with pytest.raises(FormatError) as info:
        parse_card_number(text)
    assert info.value.code == code
    assert str(info.value)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("hs", 4, "01", "0120878811"), "card_number_group"),
        (("ZZ", 4, "01", "0120878811"), "card_number_group"),
        (("H", 4, "01", "0120878811"), "card_number_group"),
        (("HS", 0, "01", "0120878811"), "card_number_level"),
        (("HS", 6, "01", "0120878811"), "card_number_level"),
        (("HS", True, "01", "0120878811"), "card_number_level"),
        (("HS", "4", "01", "0120878811"), "card_number_level"),
        (("HS", 4, "1", "0120878811"), "card_number_province"),
        (("HS", 4, "0A", "0120878811"), "card_number_province"),
        (("HS", 4, "01", "012087881"), "card_number_ssn"),
        (("HS", 4, "01", "01208788AB"), "card_number_ssn"),
        (("HS", 4, "01", "01208788111"), "card_number_ssn"),
        # QĐ 1351/QĐ-BHXH, domain.md §3.4: a pupil's card carries level 4, a pensioner's 3, a child's 1.
        (("HS", 1, "01", "0120878811"), "card_number_level_group"),
        (("HT", 4, "01", "0120878811"), "card_number_level_group"),
        (("TE", 4, "01", "0120878811"), "card_number_level_group"),
        # domain.md §3.5: 03, 05, 97 and 99 are no province's code (the GSO list skips them).
        (("HS", 4, "03", "0120878811"), "card_number_province"),
        (("HS", 4, "99", "0120878811"), "card_number_province"),
        (("HS", 4, "00", "0120878811"), "card_number_province"),
    ],
)
def test_build_card_number_errors(args: tuple[object, ...], code: str) -> None:
    with pytest.raises(FormatError) as info:
        build_card_number(*args)  # type: ignore[arg-type]
    assert info.value.code == code


# --------------------------------------------------------------------------
# Partial dates
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "formatted"),
    [
        ("1985", PartialDate(1985), "1985"),
        ("04/09/1985", PartialDate(1985, 9, 4), "04/09/1985"),
        ("4/9/1985", PartialDate(1985, 9, 4), "04/09/1985"),
        ("00/00/1950", PartialDate(1950), "1950"),
        ("29/2/2024", PartialDate(2024, 2, 29), "29/02/2024"),
    ],
)
def test_parse_partial_date(text: str, expected: PartialDate, formatted: str) -> None:
    parsed = parse_partial_date(text)
    assert parsed == expected
    assert str(parsed) == formatted


def test_partial_date_helpers() -> None:
    assert PartialDate(1985).is_year_only
    assert PartialDate(1985).to_date() is None
    assert PartialDate(1985, 9, 4).to_date() == date(1985, 9, 4)
    assert PartialDate.from_date(date(2001, 1, 2)) == PartialDate(2001, 1, 2)
    for bad in [(1985, 2, None), (1985, None, 3), (2020, 2, 31), (0, None, None)]:
        with pytest.raises(FormatError) as info:
            PartialDate(*bad)
        assert info.value.code == "qr_date"


# --------------------------------------------------------------------------
# CRC and check value
# --------------------------------------------------------------------------


def test_crc16_ccitt_false_known_values() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1
    assert crc16_ccitt_false(b"") == 0xFFFF
    assert crc16_ccitt_false(b"A") == 0xB915


def test_compute_qr_check_format() -> None:
    body = "0120878811|41|1985"
    check = compute_qr_check(body, key=KEY)
    signed, crc = check.rsplit("-", 1)
    kid, signature = signed.split(".")
    assert kid == "t1" and len(signature) == 86 and len(crc) == 4
    assert "=" not in signature
    assert crc == crc.lower()
    assert int(crc, 16) == crc16_ccitt_false(body.encode())
    assert compute_qr_check(body, key=KEY) == check  # Ed25519 is deterministic
    assert compute_qr_check(body, key=OTHER_KEY) != check
    assert compute_qr_check(body, key=OTHER_KEY).endswith(crc)


# --------------------------------------------------------------------------
# QR payload: build and round trip
# --------------------------------------------------------------------------


def test_build_qr_payload_layout() -> None:
    payload = valid_payload()
    parts = payload.split("|")
    assert len(parts) == 15
    assert payload.endswith("|$")
    assert payload.isascii()
    assert parts[0] == "HS4010120878811"
    assert bytes.fromhex(parts[1]).decode() == "Nguyễn Thị Ánh Tuyết"
    assert parts[1] == parts[1].lower()
    assert parts[2] == "14/03/2008"
    assert parts[3] == "2"
    assert parts[5] == "01 - 013"
    assert parts[6:9] == ["01/01/2025", "31/12/2025", "20/12/2024"]
    assert parts[9] == "01059710639215"
    assert bytes.fromhex(parts[10]).decode() == "Nguyễn Văn Bình"
    assert parts[11] == "K1"
    assert parts[12] == "01/01/2030"
    assert parts[13] == compute_qr_check("|".join(parts[:13]), key=KEY)
    assert qr_fields(make_fields()) == parts[:13]


def test_qr_round_trip() -> None:
    fields = make_fields()
    payload = build_qr_payload(fields, key=KEY)
    card = parse_qr_payload(payload, keys=JWKS)
    assert isinstance(card, CardQR)
    assert card.to_fields() == fields
    assert card.check == payload.split("|")[13]
    assert verify_qr_check(payload, keys=JWKS)
    assert not verify_qr_check(payload, keys=OTHER_JWKS)
    # Rebuilding a parsed card gives the same payload.
    assert build_qr_payload(card, key=KEY) == payload


def test_qr_round_trip_placeholders_and_year_only_dob() -> None:
    fields = make_fields(
        card_code="0120878811",
        date_of_birth=PartialDate(1948),
        sex=1,
        address="",
        manager_code="-",
        guardian_name=None,
        live_area="",
        five_year_date=None,
    )
    payload = build_qr_payload(fields, key=KEY)
    parts = payload.split("|")
    assert parts[0] == "0120878811"
    assert parts[2] == "1948"
    assert parts[4] == "-"
    assert parts[9:13] == ["-", "-", "-", "-"]
    card = parse_qr_payload(payload, keys=JWKS)
    assert card.to_fields() == fields
    assert card.date_of_birth.is_year_only
    assert card.guardian_name is None
    assert card.five_year_date is None


def test_qr_empty_manager_code_round_trips() -> None:
    fields = make_fields(manager_code="")
    payload = build_qr_payload(fields, key=KEY)
    assert payload.split("|")[9] == ""
    assert parse_qr_payload(payload, keys=JWKS).manager_code == ""


# Every Vietnamese vowel with every tone mark, upper and lower case, plus đ/Đ.
_VOWELS = "aăâeêioôơuưy"
_TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
ALL_TONED = "".join(unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES)
VIETNAMESE_NAMES = [
    "Lê Việt Hưng",
    "Nguyễn Thị Ánh Tuyết",
    "Trần Đức Thắng",
    "Phạm Thị Hồng Nhung",
    "Hoàng Ngọc Ẩn",
    "Võ Thị Ỷ Lan",
    "Đặng Quỳnh Hương",
    "Bùi Thị Mỹ Dung",
    "Huỳnh Tấn Phước",
    "Lý Ổn Ưng",
    "ĐINH THỊ NGUYỆT ÁNH",
    ALL_TONED,
    ALL_TONED.upper(),
]


@pytest.mark.parametrize("name", VIETNAMESE_NAMES)
def test_qr_round_trip_vietnamese_names(name: str) -> None:
    fields = make_fields(full_name=name, guardian_name=name, address=name + ", Huế")
    card = parse_qr_payload(build_qr_payload(fields, key=KEY), keys=JWKS)
    assert card.full_name == name
    assert card.guardian_name == name
    assert card.address == name + ", Huế"


def test_all_tone_marks_covered() -> None:
    # 12 vowels x 6 tones, each a single precomposed character in NFC.
    assert len(ALL_TONED) == 72
    assert len(set(ALL_TONED)) == 72


@pytest.mark.parametrize("name", VIETNAMESE_NAMES)
def test_qr_nfd_input_normalised_to_nfc(name: str) -> None:
    nfd = unicodedata.normalize("NFD", name)
    nfc = unicodedata.normalize("NFC", name)
    payload_nfd = build_qr_payload(make_fields(full_name=nfd, guardian_name=nfd, address=nfd), key=KEY)
    payload_nfc = build_qr_payload(make_fields(full_name=nfc, guardian_name=nfc, address=nfc), key=KEY)
    assert payload_nfd == payload_nfc
    assert payload_nfd.split("|")[1] == nfc.encode("utf-8").hex()
    card = parse_qr_payload(payload_nfd, keys=JWKS)
    assert card.full_name == nfc
    assert unicodedata.is_normalized("NFC", card.full_name)


def test_parse_normalises_nfd_hex_to_nfc() -> None:
    name = "Lê Việt Hưng"
    nfd_hex = unicodedata.normalize("NFD", name).encode("utf-8").hex()
    payload = replace_field(valid_payload(), 1, nfd_hex.upper())
    assert parse_qr_payload(payload).full_name == name


def test_build_upper_cases_card_code_and_keeps_legacy() -> None:
    payload = build_qr_payload(make_fields(card_code="dn401aa31900313"), key=KEY)
    assert payload.startswith("DN401AA31900313|")


# --------------------------------------------------------------------------
# The real sample (domain.md §4.1)
# --------------------------------------------------------------------------


def test_sample_parses() -> None:
    assert SAMPLE_ADDRESS_HEX.startswith("437479")
    card = parse_qr_payload(SAMPLE)
    assert card.card_code == "DN401AA31900313"
    assert card.full_name == "Lê Việt Hưng"
    assert "Lê Việt Hưng".encode().hex() == "4cc3aa205669e1bb87742048c6b06e67"
    assert card.date_of_birth == PartialDate(1985, 9, 4)
    assert card.sex == 1
    assert card.address == SAMPLE_ADDRESS
    assert card.facility_code == "01043"
    assert card.valid_from == date(2017, 7, 1)
    assert card.valid_to == date(2017, 12, 31)
    assert card.issue_date == date(2017, 7, 21)
    assert card.manager_code == "01059710639215"
    assert card.guardian_name is None
    assert card.live_area == "4"
    assert card.five_year_date == date(2022, 7, 1)
    assert card.check == "1f2fa22c47f0bd18-7102"
    card_number = parse_card_number(card.card_code, legacy=True)
    assert (card_number.group, card_number.level, card_number.province_code) == (
        "DN",
        4,
        "01",
    )


def test_sample_check_cannot_be_verified_with_our_key() -> None:
    assert not verify_qr_check(SAMPLE, keys=JWKS)
    with pytest.raises(FormatError) as info:
        parse_qr_payload(SAMPLE, keys=JWKS)
    assert info.value.code == "qr_check"


@pytest.mark.parametrize(
    "variant",
    [
        SAMPLE + "\n",
        SAMPLE + "\r\n",
        "  " + SAMPLE + "  \t",
        "\ufeff" + SAMPLE,
        SAMPLE.replace("01 - 043", "01 \u2013 043"),
        SAMPLE.replace("01 - 043", "01-043"),
        SAMPLE.replace("01 - 043", "01043"),
        SAMPLE.replace("04/09/1985", "4/9/1985"),
        SAMPLE.replace("|01/07/2017|", "|1/7/2017|"),
        SAMPLE.replace("4cc3aa205669e1bb87742048c6b06e67", "4CC3AA205669E1BB87742048C6B06E67"),
    ],
)
def test_sample_variants_parse(variant: str) -> None:
    card = parse_qr_payload(variant)
    assert card.full_name == "Lê Việt Hưng"
    assert card.facility_code == "01043"
    assert card.date_of_birth == PartialDate(1985, 9, 4)
    assert card.valid_from == date(2017, 7, 1)
    assert card.card_code == "DN401AA31900313"


def test_sample_year_only_dob_and_10_char_code() -> None:
    variant = replace_field(replace_field(SAMPLE, 2, "1985"), 0, "0120878811")
    card = parse_qr_payload(variant)
    assert card.date_of_birth == PartialDate(1985)
    assert str(card.date_of_birth) == "1985"
    assert card.card_code == "0120878811"


# --------------------------------------------------------------------------
# Check verification and tampering
# --------------------------------------------------------------------------


def _tamper_name(payload: str) -> str:
    parts = payload.split("|")
    name_hex = parts[1]
    # "Nguyễn" → "Nguyễm": change one hex digit of the name.
    i = name_hex.index("6e", 10)
    parts[1] = name_hex[:i] + "6d" + name_hex[i + 2 :]
    assert bytes.fromhex(parts[1]).decode() != "Nguyễn Thị Ánh Tuyết"
    return "|".join(parts)


TAMPERS: list[tuple[str, Callable[[str], str]]] = [
    ("name hex", _tamper_name),
    ("valid to", lambda p: p.replace("|31/12/2025|", "|31/12/2026|")),
    ("dob", lambda p: p.replace("|14/03/2008|", "|14/03/2007|")),
    ("sex", lambda p: replace_field(p, 3, "1")),
    ("facility", lambda p: replace_field(p, 5, "01 - 014")),
    ("card code", lambda p: replace_field(p, 0, "HS5010120878811")),
    ("five year", lambda p: replace_field(p, 12, "-")),
    ("check", lambda p: replace_field(p, 13, "0" * 16 + "-" + p.split("|")[13][-4:])),
]


@pytest.mark.parametrize(("what", "tamper"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_tampered_payload_rejected(what: str, tamper: Callable[[str], str]) -> None:
    payload = valid_payload()
    tampered = tamper(payload)
    assert tampered != payload
    assert not verify_qr_check(tampered, keys=JWKS)
    with pytest.raises(FormatError) as info:
        parse_qr_payload(tampered, keys=JWKS)
    assert info.value.code == "qr_check"
    # Without a key the tampered payload is still well formed.
    parse_qr_payload(tampered)


def test_check_accepts_upper_case_crc_and_whitespace() -> None:
    payload = valid_payload()
    parts = payload.split("|")
    parts[13] = parts[13][:-4] + parts[13][-4:].upper()
    upper = "|".join(parts)
    assert verify_qr_check(upper + "\n", keys=JWKS)
    assert parse_qr_payload(upper + "\r\n", keys=JWKS).full_name == "Nguyễn Thị Ánh Tuyết"
    # The signature is base64url: its case is part of it.
    parts[13] = parts[13][:3] + parts[13][3:-5].swapcase() + parts[13][-5:]
    assert not verify_qr_check("|".join(parts), keys=JWKS)


def test_wrong_key_rejected() -> None:
    with pytest.raises(FormatError) as info:
        parse_qr_payload(valid_payload(), keys=OTHER_JWKS)
    assert info.value.code == "qr_check"
    assert info.value.field == 13


# --------------------------------------------------------------------------
# Malformed payloads
# --------------------------------------------------------------------------

_P = valid_payload()

MALFORMED: list[tuple[str, str, str]] = [
    ("empty", "", "qr_field_count"),
    ("blank", "  \n", "qr_field_count"),
    ("dollar only", "$", "qr_field_count"),
    ("too few fields", "|".join(_P.split("|")[:5]) + "|$", "qr_field_count"),
    ("too many fields", _P[:-1] + "x|$", "qr_field_count"),
    ("a|b|c", "a|b|c", "qr_field_count"),
    ("no terminator", _P[:-2], "qr_terminator"),
    ("no dollar", _P[:-1], "qr_terminator"),
    ("wrong terminator", _P[:-1] + "#", "qr_terminator"),
    ("dollar glued", _P[:-2] + "$", "qr_terminator"),
    ("odd-length name hex", replace_field(_P, 1, "4cc3aa2"), "qr_hex"),
    ("non-hex name", replace_field(_P, 1, "4cc3zz"), "qr_hex"),
    ("spaced hex", replace_field(_P, 1, "4c c3"), "qr_hex"),
    ("invalid utf-8 hex", replace_field(_P, 1, "c328"), "qr_hex"),
    ("truncated utf-8 hex", replace_field(_P, 1, "4cc3"), "qr_hex"),
    ("invalid utf-8 address", replace_field(_P, 4, "fffe"), "qr_hex"),
    ("invalid utf-8 guardian", replace_field(_P, 10, "80"), "qr_hex"),
    ("plain-text name", replace_field(_P, 1, "Lê Việt Hưng"), "qr_hex"),
    ("empty name", replace_field(_P, 1, ""), "qr_name"),
    ("blank name", replace_field(_P, 1, "2020"), "qr_name"),
    ("bad date 31/02/2020", replace_field(_P, 6, "31/02/2020"), "qr_date"),
    ("bad dob 31/02/2020", replace_field(_P, 2, "31/02/2020"), "qr_date"),
    ("dob month 13", replace_field(_P, 2, "01/13/2000"), "qr_date"),
    ("dob 2-digit year", replace_field(_P, 2, "01/01/85"), "qr_date"),
    ("dob dash", replace_field(_P, 2, "-"), "qr_date"),
    ("dob 0000", replace_field(_P, 2, "0000"), "qr_date"),
    ("dob iso", replace_field(_P, 2, "1985-09-04"), "qr_date"),
    ("dob day only zero", replace_field(_P, 2, "00/09/1985"), "qr_date"),
    ("valid to empty", replace_field(_P, 7, ""), "qr_date"),
    ("issue date text", replace_field(_P, 8, "hôm nay"), "qr_date"),
    ("five year date bad", replace_field(_P, 12, "32/01/2030"), "qr_date"),
    ("arabic digits date", replace_field(_P, 6, "٠١/٠١/٢٠٢٥"), "qr_date"),
    ("sex 3", replace_field(_P, 3, "3"), "qr_sex"),
    ("sex 0", replace_field(_P, 3, "0"), "qr_sex"),
    ("sex empty", replace_field(_P, 3, ""), "qr_sex"),
    ("sex letter", replace_field(_P, 3, "M"), "qr_sex"),
    ("facility letters", replace_field(_P, 5, "AB - CDE"), "qr_facility"),
    ("facility short", replace_field(_P, 5, "01 - 43"), "qr_facility"),
    ("facility long", replace_field(_P, 5, "010043"), "qr_facility"),
    ("facility empty", replace_field(_P, 5, ""), "qr_facility"),
    ("facility dash", replace_field(_P, 5, "-"), "qr_facility"),
    ("facility double dash", replace_field(_P, 5, "01 -- 043"), "qr_facility"),
    ("card code 14", replace_field(_P, 0, "HS401012087881"), "card_number_length"),
    ("card code empty", replace_field(_P, 0, ""), "card_number_length"),
    ("card code group", replace_field(_P, 0, "ZZ4010120878811"), "card_number_group"),
    ("card code level", replace_field(_P, 0, "HS6010120878811"), "card_number_level"),
    ("card code province", replace_field(_P, 0, "HS4X10120878811"), "card_number_province"),
    ("card code 10 letters", replace_field(_P, 0, "01208788AB"), "card_number_ssn"),
    ("manager code control", replace_field(_P, 9, "01\x0059"), "qr_manager_code"),
    ("manager code unicode", replace_field(_P, 9, "mã"), "qr_manager_code"),
    ("live area unicode", replace_field(_P, 11, "K¹"), "qr_live_area"),
]


@pytest.mark.parametrize(("what", "text", "code"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_payload(what: str, text: str, code: str) -> None:
    for key in (None, JWKS):
        try:
            parse_qr_payload(text, keys=key)
        except FormatError as exc:
            assert exc.code == code, (what, exc.code, str(exc))
            assert str(exc)
        except Exception as exc:  # pragma: no cover - the failure we look for
            pytest.fail(f"{what}: {type(exc).__name__} leaked: {exc}")
        else:  # pragma: no cover
            pytest.fail(f"{what}: no error raised")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"card_code": "HS401012087881"}, "card_number_length"),
        ({"card_code": "ZZ4010120878811"}, "card_number_group"),
        ({"card_code": "HS0010120878811"}, "card_number_level"),
        ({"card_code": "012087881A"}, "card_number_ssn"),
        ({"full_name": "  "}, "qr_name"),
        ({"full_name": "-"}, "qr_name"),
        ({"sex": 3}, "qr_sex"),
        ({"sex": True}, "qr_sex"),
        ({"facility_code": "0101"}, "qr_facility"),
        ({"facility_code": "01 - 013"}, "qr_facility"),
        ({"facility_code": "AB013"}, "qr_facility"),
        ({"valid_to": "31/12/2025"}, "qr_date"),
        ({"date_of_birth": date(2008, 3, 14)}, "qr_date"),
        ({"manager_code": "01|02"}, "qr_manager_code"),
        ({"live_area": "K|1"}, "qr_live_area"),
        ({"live_area": "Khu vực 1"}, "qr_live_area"),
    ],
)
def test_build_rejects_bad_fields(overrides: dict[str, object], code: str) -> None:
    with pytest.raises(FormatError) as info:
        build_qr_payload(make_fields(**overrides), key=KEY)
    assert info.value.code == code


def test_verify_qr_check_on_malformed_structure() -> None:
    with pytest.raises(FormatError) as info:
        verify_qr_check("not a payload", keys=JWKS)
    assert info.value.code == "qr_field_count"


# --------------------------------------------------------------------------
# Fuzz: only FormatError may escape
# --------------------------------------------------------------------------

_FUZZ_ALPHABET = "||||||||$$$-/ 0123456789abcdefABCDEF0123456789xyzKĐđếữ\u2013\n\t\x00\ud800\ufeff٣"


def _fuzz_inputs(rng: random.Random, count: int) -> list[str]:
    seeds = [_P, SAMPLE]
    out: list[str] = []
    for i in range(count):
        mode = i % 4
        if mode == 0:  # random text from a '|'-heavy alphabet
            n = rng.randrange(0, 400)
            out.append("".join(rng.choice(_FUZZ_ALPHABET) for _ in range(n)))
        elif mode == 1:  # random fields, right field count, random content
            fields = [
                "".join(rng.choice(_FUZZ_ALPHABET.replace("|", "")) for _ in range(rng.randrange(0, 20))) for _ in range(14)
            ]
            out.append("|".join(fields) + "|$")
        elif mode == 2:  # point mutations of a valid payload
            chars = list(rng.choice(seeds))
            for _ in range(rng.randrange(1, 6)):
                pos = rng.randrange(len(chars))
                op = rng.randrange(3)
                if op == 0:
                    chars[pos] = rng.choice(_FUZZ_ALPHABET)
                elif op == 1:
                    del chars[pos]
                else:
                    chars.insert(pos, rng.choice(_FUZZ_ALPHABET))
            out.append("".join(chars))
        else:  # swap one field of a valid payload for random junk
            parts = rng.choice(seeds).split("|")
            idx = rng.randrange(len(parts))
            parts[idx] = "".join(rng.choice(_FUZZ_ALPHABET) for _ in range(rng.randrange(0, 30)))
            out.append("|".join(parts))
    return out


def test_fuzz_only_format_error() -> None:
    rng = random.Random(0)
    inputs = _fuzz_inputs(rng, 2000)
    parsed = 0
    for text in inputs:
        for call in (
            lambda t: parse_qr_payload(t),
            lambda t: parse_qr_payload(t, keys=JWKS),
            lambda t: verify_qr_check(t, keys=JWKS),
            lambda t: parse_card_number(t),
            lambda t: parse_card_number(t[:15], legacy=True),
            lambda t: parse_partial_date(t[:12]),
            classify_identifier,
        ):
            try:
                call(text)
                parsed += 1
            except FormatError as exc:
                assert exc.code and str(exc)
            except Exception as exc:  # pragma: no cover - the failure we look for
                pytest.fail(f"{type(exc).__name__} leaked for {text!r}: {exc}")
    assert parsed >= 2000  # classify_identifier never raises


# --------------------------------------------------------------------------
# Real QR image round trip
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(valid_payload(), id="ours"),
        pytest.param(SAMPLE, id="sample"),
    ],
)
def test_qr_image_round_trip(payload: str, tmp_path: Path) -> None:
    segno = pytest.importorskip("segno")
    zxingcpp = pytest.importorskip("zxingcpp")
    image_module = pytest.importorskip("PIL.Image")

    assert payload.isascii()
    qr = segno.make(payload, error="m", micro=False)
    path = tmp_path / "card.png"
    qr.save(str(path), scale=4, border=4)
    with image_module.open(path) as img:
        results = zxingcpp.read_barcodes(img.convert("L"))
    assert len(results) == 1
    assert results[0].text == payload
    card = parse_qr_payload(results[0].text)
    assert card.full_name in ("Nguyễn Thị Ánh Tuyết", "Lê Việt Hưng")


def test_province_codes_are_the_reference_table() -> None:
    """PROVINCE_CODES is pure Python for build_card_number; it must stay the list of provinces.csv."""
    import csv
    from pathlib import Path

    from registry.cardformat import PROVINCE_CODES

    path = Path(__file__).resolve().parents[2] / "places" / "data" / "provinces.csv"
    with path.open(encoding="utf-8") as handle:
        assert {row["code"] for row in csv.DictReader(handle)} == PROVINCE_CODES
    assert len(PROVINCE_CODES) == 63


def test_every_group_has_its_default_level_and_only_that() -> None:
    from registry.cardformat import LEVELS_BY_GROUP

    assert set(LEVELS_BY_GROUP) == GROUP_CODES
    # domain.md §3.4 (QĐ 1351/QĐ-BHXH): HT 3, TE 1, QN 5, CN 3, DN 4.
    assert {g: LEVELS_BY_GROUP[g] for g in ("HT", "TE", "QN", "CN", "DN")} == {
        "HT": {3},
        "TE": {1},
        "QN": {5},
        "CN": {3},
        "DN": {4},
    }
