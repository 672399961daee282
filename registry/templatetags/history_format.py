"""Number formats of the history pages: amounts as "12.800.000 đ"."""

from __future__ import annotations

from django import template

from registry.history import format_vnd

register = template.Library()


@register.filter
def vnd(amount: int | None) -> str:
    return "" if amount is None else format_vnd(int(amount))
