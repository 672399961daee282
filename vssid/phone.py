"""Vietnamese mobile numbers: stored in E.164 (+84…), read and typed as 09…/03… (design.md §4)."""

from __future__ import annotations

import re

_PHONE_LOCAL = re.compile(r"^0([35789]\d{8})$")
_PHONE_E164 = re.compile(r"^\+84([35789]\d{8})$")
PHONE_E164_REGEX = r"^\+84[35789][0-9]{8}$"


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str) -> str:
    """A Vietnamese mobile number in E.164 (+84…), from `09…`/`03…`, `84…` or `+84…` input."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("+84"):
        candidate = digits
    elif digits.startswith("84") and len(digits) == 11:
        candidate = "+" + digits
    else:
        match = _PHONE_LOCAL.match(digits)
        if not match:
            raise InvalidPhone(raw)
        candidate = "+84" + match.group(1)
    if not _PHONE_E164.match(candidate):
        raise InvalidPhone(raw)
    return candidate


def local_phone(e164: str) -> str:
    """+84912345678 → 0912345678, the form people read and type."""
    return "0" + e164[3:] if e164.startswith("+84") else e164
