from __future__ import annotations

import pytest

from registry.identity import build_cccd, cccd_matches
from vssid.phone import InvalidPhone, local_phone, normalize_phone
from vssid.text import fold, nfc, to_ascii_sms


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0912345678", "+84912345678"),
        ("091 234 5678", "+84912345678"),
        ("+84987654321", "+84987654321"),
        ("84387654321", "+84387654321"),
        ("0912.345.678", "+84912345678"),
    ],
)
def test_phone_numbers_are_stored_in_e164(raw: str, e164: str) -> None:
    assert normalize_phone(raw) == e164
    assert local_phone(e164) == "0" + e164[3:]


@pytest.mark.parametrize("raw", ["", "12345", "0212345678", "091234567", "+849123456789", "abc", "+1 202 555 0100"])
def test_bad_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_cccd_encodes_century_sex_and_year() -> None:
    assert cccd_matches("001090012345", year=1990, sex=1)  # Nguyễn Văn An
    assert cccd_matches("001192054321", year=1992, sex=2)  # Trần Thị Bình
    assert not cccd_matches("001090012345", year=1990, sex=2)
    assert not cccd_matches("001090012345", year=1991, sex=1)
    assert not cccd_matches("00109001234", year=1990, sex=1)
    assert build_cccd("001", year=2008, sex=2, serial=42) == "001308000042"


def test_text_helpers() -> None:
    decomposed = "Nguye\u0302\u0303n Va\u0306n An"
    assert nfc(decomposed) == "Nguyễn Văn An"
    assert fold("  Đặng   Thị Ánh ") == "dang thi anh"
    assert fold(decomposed) == "nguyen van an"
    assert to_ascii_sms("Mật khẩu VssID của bạn") == "Mat khau VssID cua ban"
