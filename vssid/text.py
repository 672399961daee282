"""Vietnamese text helpers shared by every app: NFC storage and accent-free search keys."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# "đ" is a letter of its own, not d + a combining mark, so NFD alone does not strip it.
_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(text: str) -> str:
    """Text as stored: NFC, single spaces, no surrounding blanks."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Search key: lower case, no tone marks or diacritics, đ → d ("Nguyễn Văn An" → "nguyen van an")."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()


def to_ascii_sms(text: str) -> str:
    """Plain ASCII Vietnamese for one-part SMS (design.md §4): diacritics removed, case kept."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.encode("ascii", "ignore").decode("ascii")
