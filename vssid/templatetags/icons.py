"""`{% load icons %}{% icon "card" %}`: the inline SVG icons of vssid.icons."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from vssid import icons

register = template.Library()


@register.simple_tag(name="icon")
def icon_tag(name: str, css_class: str = "icon") -> SafeString:
    return icons.icon(name, css_class)
