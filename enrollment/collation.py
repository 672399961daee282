"""Vietnamese alphabetical order for the lists a person picks from (provinces, wards, offices).

Code-point order puts "Cà Mau" after "Cao Bằng" (à is U+00E0, after every ASCII letter) and "Đà
Nẵng" after "Yên Bái"; the databases' collations differ from one deployment to the next. The key
here gives the order of the Vietnamese alphabet as ICU's `vi` collation does (checked against
PyICU 2.17 / ICU 72 on every province and ward name of places/data, enrollment/tests):

- letters: a ă â b c d đ e ê … o ô ơ … u ư …, each modified letter a letter of its own;
- then the tone marks, compared only when the letters are equal: none, grave, hook, tilde,
  acute, dot below (ngang, huyền, hỏi, ngã, sắc, nặng);
- then case; a space sorts before any letter, so "Cà Mau" comes before "Cao Bằng".

PyICU itself would be the reference implementation, but it builds from source against the
system's libicu-dev with a C++ compiler (minutes here, and a new system dependency for every
machine); the lists are a few hundred names, sorted in microseconds by this key.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
# Tone marks in the order the dictionary sorts them (secondary differences).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n",
    "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]  # fmt: skip
_RANK = {letter: 100 + n for n, letter in enumerate(_ALPHABET)}
_MODIFIED = {
    ("a", _BREVE): "ă",
    ("a", _CIRCUMFLEX): "â",
    ("e", _CIRCUMFLEX): "ê",
    ("o", _CIRCUMFLEX): "ô",
    ("o", _HORN): "ơ",
    ("u", _HORN): "ư",
}


def vietnamese_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """The sort key: letters, then tones, then case (lower case first)."""
    letters: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch):
            if ch in _TONES and tones:
                tones[-1] = _TONES[ch]
            elif letters:
                base = _ALPHABET[letters[-1] - 100] if letters[-1] >= 100 else ""
                modified = _MODIFIED.get((base, ch))
                if modified:
                    letters[-1] = _RANK[modified]
            continue
        lower = ch.lower()
        if lower in _RANK:
            letters.append(_RANK[lower])
        elif ch.isdigit():
            letters.append(50 + int(ch) if ch.isascii() else 60)
        elif ch.isspace():
            letters.append(1)
        else:
            letters.append(2 + min(ord(ch), 40))  # punctuation: after the space, before digits
        tones.append(0)
        cases.append(0 if ch == lower else 1)
    return tuple(letters), tuple(tones), tuple(cases)


def sort_vietnamese(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    return sorted(items, key=lambda item: vietnamese_key(key(item)))
