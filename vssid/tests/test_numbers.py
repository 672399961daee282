"""Vietnamese number formats: "1.234.567", "0,4 %", "1.234.567 đ"; English separators in English."""

from __future__ import annotations

from django.utils import translation

from vssid.numbers import number, percent, vnd


def test_vietnamese_formats() -> None:
    with translation.override("vi"):
        assert number(1234567) == "1.234.567"
        assert number("1234.5", 1) == "1.234,5"
        assert percent(0.4) == "0,4\u00a0%"
        assert percent("11.1") == "11,1\u00a0%"
        assert percent(75) == "75\u00a0%" and percent(80.0) == "80\u00a0%"
        assert vnd(1234567) == "1.234.567\u00a0đ" and vnd(None) == ""


def test_english_formats() -> None:
    with translation.override("en"):
        assert number(1234567) == "1,234,567"
        assert percent(0.4) == "0.4%"
        assert vnd(1234567) == "1,234,567\u00a0đ"
