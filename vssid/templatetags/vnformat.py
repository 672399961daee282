"""`{% load vnformat %}`: `{{ n|number }}`, `{{ p|percent }}`, `{{ amount|vnd }}` (vssid.numbers)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from vssid import numbers

register = template.Library()


@register.filter(name="number")
def number_filter(value: int | float | Decimal | str | None, decimals: int = 0) -> str:
    return "" if value is None or value == "" else numbers.number(value, int(decimals))


@register.filter(name="percent")
def percent_filter(value: int | float | Decimal | str | None, decimals: int = 1) -> str:
    return "" if value is None or value == "" else numbers.percent(value, int(decimals))


@register.filter(name="vnd")
def vnd_filter(value: int | Decimal | None) -> str:
    return numbers.vnd(value)
