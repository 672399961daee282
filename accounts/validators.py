"""Password validators of AUTH_PASSWORD_VALIDATORS, with their messages in Vietnamese.

Django's MinimumLengthValidator speaks English under LANGUAGE_CODE "vi" (Django 5.2 changed its
message and the Vietnamese catalogue still holds the old one), so it is subclassed here with our
own sentence. The others of Django that we use do come in Vietnamese (accounts/tests/test_password_rules.py
checks that).
"""

from __future__ import annotations

import itertools
import re

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import PASSWORD_MAX_LENGTH
from vssid.text import fold

_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_NOT_LETTER = re.compile(r"[^a-z]")
MAX_NAME_PARTS = 6  # the combinations of name parts grow fast; real names have 2-5 parts


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return _("Mật khẩu quá ngắn: cần ít nhất %(min_length)d ký tự.") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("Mật khẩu phải có ít nhất %(min_length)d ký tự.") % {"min_length": self.min_length}


class MaximumLengthValidator:
    """A bound, so a password can always be typed back and hashing it stays cheap (login refuses longer ones)."""

    def __init__(self, max_length: int = PASSWORD_MAX_LENGTH) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: User | None = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("Mật khẩu quá dài: tối đa %(max_length)d ký tự.") % {"max_length": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("Mật khẩu dài tối đa %(max_length)d ký tự.") % {"max_length": self.max_length}


def _name_forms(full_name: str) -> set[str]:
    """The user's name as a password might hold it: its parts without accents, in any order and
    subset ("Trần Thị Bình" → "binh", "tranthibinh", "binhtran", …)."""
    parts = [_NOT_LETTER.sub("", part) for part in fold(full_name).split()][:MAX_NAME_PARTS]
    parts = [part for part in parts if part]
    return {"".join(combination) for size in range(1, len(parts) + 1) for combination in itertools.permutations(parts, size)}


def _phone_digits(e164: str) -> str:
    """The national significant number (+84912345678 → 912345678): inside both 0912345678 and 84912345678."""
    digits = re.sub(r"\D", "", e164 or "")
    return digits[2:] if digits.startswith("84") else digits.lstrip("0")


class PersonalDataValidator:
    """Refuse a password built from the user's own name, BHXH code, CCCD or phone number, or the
    password that was issued (by SMS, or to new staff) and must be replaced.

    Compared without accents, case, spaces or punctuation: "Tran-Thi-Binh 1992" is the name,
    "0987.654.321" and "+84987654321" are the phone.
    """

    def validate(self, password: str, user: User | None = None) -> None:
        if user is None:
            return
        compact = _NOT_ALNUM.sub("", fold(password))
        letters = _NOT_LETTER.sub("", compact)
        person = user.person if user.person_id else None
        full_name = person.full_name if person else f"{user.last_name} {user.first_name}"
        names = _name_forms(full_name)
        whole_name = "".join(fold(full_name).split())
        if (letters and letters in names) or (len(whole_name) >= 4 and whole_name in compact):
            raise ValidationError(_("Mật khẩu không được chứa họ tên của bạn."), code="password_has_name")
        if person is not None:
            numbers = [
                (person.ssn, _("Mật khẩu không được chứa mã số BHXH của bạn.")),
                (person.cccd, _("Mật khẩu không được chứa số CCCD của bạn.")),
                (_phone_digits(person.phone), _("Mật khẩu không được chứa số điện thoại của bạn.")),
            ]
            for number, message in numbers:
                if len(number) >= 6 and number in compact:
                    raise ValidationError(message, code="password_has_identifier")
        # While a change is forced, the current password is the one issued: the change must replace it.
        if user.pk and user.must_change_password and user.has_usable_password() and check_password(password, user.password):
            raise ValidationError(
                _("Không được giữ mật khẩu được cấp (gửi qua SMS): hãy chọn mật khẩu mới."), code="password_issued"
            )

    def get_help_text(self) -> str:
        return _("Mật khẩu không được chứa họ tên, mã số BHXH, số CCCD hay số điện thoại của bạn.")
