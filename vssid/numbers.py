"""Numbers as a Vietnamese reader writes them: "1.234.567", "0,4 %", "1.234.567 đ".

Django's `vi` locale has no thousands grouping and writes "0.4%"; these are the formats of
Vietnamese administrative documents (dot for thousands, comma for decimals, a space before "%",
one currency sign, "đ"). English pages get English separators.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import get_language

NBSP = "\u00a0"
"""Between a number and its unit, so "80 %" never breaks over two lines."""


def _english() -> bool:
    return (get_language() or "vi").startswith("en")


def _swap(text: str) -> str:
    """Python's "1,234.5" to the Vietnamese "1.234,5"."""
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def number(value: int | float | Decimal | str, decimals: int = 0) -> str:
    """Grouped thousands, `decimals` places: 1234567 → "1.234.567"; 1234.5, 1 → "1.234,5"."""
    text = f"{float(value) if decimals else int(Decimal(str(value))):,.{decimals}f}"
    return text if _english() else _swap(text)


def percent(value: int | float | Decimal | str, decimals: int = 1) -> str:
    """A value in percent: 0.4 → "0,4 %", 75 → "75 %" (a zero decimal is dropped), "11.1%" in English."""
    amount = Decimal(str(value))
    text = number(amount, decimals)
    if decimals and amount == amount.to_integral_value():
        text = number(amount, 0)
    return f"{text}%" if _english() else f"{text}{NBSP}%"


def vnd(amount: int | Decimal | None) -> str:
    """1234567 → "1.234.567 đ"; empty for no amount."""
    if amount is None:
        return ""
    return f"{number(amount)}{NBSP}đ"
