"""Identifiers of a person: the 10-digit BHXH code and the 12-digit CCCD (personal identification number)."""

from __future__ import annotations

import re

SSN_REGEX = r"^[0-9]{10}$"
CCCD_REGEX = r"^[0-9]{12}$"


def cccd_century_sex_digit(year: int, sex: int) -> int:
    """The 4th digit of a CCCD encodes century and sex: 0/1 for 1900s male/female, 2/3 for 2000s…"""
    if year < 1900:
        return 8 if sex == 1 else 9  # the scheme's slot for people born in the 1800s
    century_index = (year - 1900) // 100  # 1900s → 0, 2000s → 1, 2100s → 2
    return century_index * 2 + (0 if sex == 1 else 1)


def cccd_matches(cccd: str, *, year: int, sex: int) -> bool:
    """Whether a CCCD's century/sex digit and 2-digit birth year agree with the person's data."""
    if not re.fullmatch(CCCD_REGEX, cccd or ""):
        return False
    return int(cccd[3]) == cccd_century_sex_digit(year, sex) and cccd[4:6] == f"{year % 100:02d}"


def build_cccd(province_code: str, *, year: int, sex: int, serial: int) -> str:
    """A CCCD for a birth province (3 digits, e.g. "001" for Hà Nội), year, sex and 6-digit serial."""
    return f"{int(province_code):03d}{cccd_century_sex_digit(year, sex)}{year % 100:02d}{serial % 1_000_000:06d}"
