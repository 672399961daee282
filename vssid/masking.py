"""Masks for personal data shown to someone who may not be its owner.

One rule for every page and endpoint, so a name is never more visible on one screen than on
another. A mask hides length too: the number of stars is fixed, so "Lê" and "Nguyễn" are not
told apart by the count.
- names: the given name (last word) in full, which alone identifies nobody; the family name's
  first letters; the middle names' initials: "Nguyễn Văn An" → "Ng*** V** An", "Lê Thị Hà" →
  "L*** T** Hà". One word: its initial only.
- BHXH code: first two and last two digits ("01******89"), as the BHXH-code look-up answers.
- CCCD and other numbers: the last three ("*********345").
- phone: the operator prefix and the last three ("091****678").
"""

from __future__ import annotations

from vssid.text import nfc

STARS = "***"


def mask_name(full_name: str) -> str:
    words = nfc(full_name or "").split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][:1] + "**"
    family, *middle, given = words
    # Never the whole family name: short ones ("Lê", "Ngô") show only their initial.
    keep = 1 if len(family) <= 3 else 2
    return " ".join([family[:keep] + STARS, *(word[:1] + "**" for word in middle), given])


def mask_ssn(ssn: str) -> str:
    if len(ssn) <= 4:
        return "*" * len(ssn)
    return ssn[:2] + "*" * (len(ssn) - 4) + ssn[-2:]


def mask_tail(value: str, keep: int = 3) -> str:
    """Everything but the last `keep` characters starred: CCCD, account numbers."""
    value = value or ""
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


def mask_phone(phone: str) -> str:
    """A phone in E.164 or local form, shown in local form: "+84912345678" → "091****678"."""
    local = "0" + phone[3:] if phone.startswith("+84") else phone
    if len(local) < 7:
        return "*" * len(local)
    return local[:3] + "****" + local[-3:]


def mask_username(username: str) -> str:
    """A label, not an identity: the first two and last two characters ("ca******da")."""
    return mask_ssn(username)
