from __future__ import annotations

import pytest

from vssid.masking import mask_name, mask_phone, mask_ssn, mask_tail, mask_username


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Nguyễn Văn An", "Ng*** V** An"),
        ("Trần Thị Ngọc Bình", "Tr*** T** N** Bình"),
        ("Lê Thị Hà", "L*** T** Hà"),  # a two-letter family name is not shown whole
        ("Ông Hà", "Ô*** Hà"),
        ("An", "A**"),
        ("", ""),
        ("  Nguyễn   Văn  An ", "Ng*** V** An"),
        ("Nguye\u0302\u0303n Văn An", "Ng*** V** An"),  # decomposed input, same mask
    ],
)
def test_names_keep_the_given_name_and_initials_only(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_the_mask_does_not_tell_family_names_apart_by_length() -> None:
    assert len(mask_name("Lê Văn An")) == len(mask_name("Lý Văn An"))
    assert mask_name("Ngô Văn An").split()[0] == "N***"


@pytest.mark.parametrize(
    ("func", "value", "masked"),
    [
        (mask_ssn, "0123456789", "01******89"),
        (mask_ssn, "123", "***"),
        (mask_tail, "001090012345", "*********345"),
        (mask_tail, "12", "**"),
        (mask_tail, "", ""),
        (mask_phone, "+84912345678", "091****678"),
        (mask_phone, "0912345678", "091****678"),
        (mask_phone, "12345", "*****"),
        (mask_username, "canbo.dongda", "ca********da"),
        (mask_username, "abcd", "****"),
    ],
)
def test_numbers_and_labels(func: object, value: str, masked: str) -> None:
    assert func(value) == masked  # type: ignore[operator]
