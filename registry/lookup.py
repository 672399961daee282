"""The public BHXH-code look-up (domain.md §1.5): no login, counted per client address.

It answers only when exactly one person of the register matches, and only in masked form
("01******89", "Ng*** V** An"): enough for people to recognise their own code, too little to
harvest the register.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from places.lookup import LookupRefused
from registry.models import Person
from vssid.masking import mask_name, mask_ssn
from vssid.ratelimit import Rate
from vssid.text import fold

# As many as an address may try for a registration's match (enrollment.services.MATCHES_PER_ADDRESS).
SSN_BUDGET = Rate("lookup_ssn_address", 10, dt.timedelta(minutes=10))

_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class SsnMatch:
    ssn_masked: str
    name_masked: str
    province_name: str


def lookup_ssn(
    *,
    full_name: str = "",
    date_of_birth: dt.date | None = None,
    province_code: str = "",
    cccd: str = "",
) -> SsnMatch:
    """The masked BHXH code of the one person matching (CCCD) or (name + date of birth + province).

    Raises `invalid_input` (400) for an incomplete question and `not_found` (404) when no person or
    more than one matches; both cases give the same answer, so the result reveals nothing more.
    A person whose record knows only the year (or month) of birth matches on what is known.
    """
    cccd = _DIGITS.sub("", cccd)
    people: QuerySet[Person]
    if cccd:
        if len(cccd) != 12:
            raise LookupRefused(
                "invalid_input", _("Dữ liệu tra cứu không hợp lệ."), fields={"cccd": [_("Số CCCD gồm 12 chữ số.")]}
            )
        people = Person.objects.filter(cccd=cccd)
    else:
        fields: dict[str, list[str]] = {}
        if not fold(full_name):
            fields["full_name"] = [_("Nhập họ và tên.")]
        if date_of_birth is None:
            fields["date_of_birth"] = [_("Nhập ngày sinh.")]
        if not province_code:
            fields["province_code"] = [_("Chọn tỉnh/thành phố.")]
        if fields:
            raise LookupRefused("invalid_input", _("Nhập số CCCD, hoặc họ tên, ngày sinh và tỉnh/thành phố."), fields=fields)
        assert date_of_birth is not None  # noqa: S101 - checked above
        people = Person.objects.filter(
            search_name=fold(full_name),
            province_id=province_code,
            birth_year=date_of_birth.year,
        ).filter(
            Q(birth_month__isnull=True)
            | Q(birth_month=date_of_birth.month, birth_day__isnull=True)
            | Q(birth_month=date_of_birth.month, birth_day=date_of_birth.day)
        )
    found = list(people.select_related("province").only("ssn", "full_name", "province__name")[:2])
    if len(found) != 1:
        raise LookupRefused(
            "not_found",
            _("Không tìm thấy đúng một người khớp với thông tin đã nhập. Hãy kiểm tra lại, hoặc tra cứu bằng số CCCD."),
            status=404,
        )
    person = found[0]
    return SsnMatch(mask_ssn(person.ssn), mask_name(person.full_name), person.province.name)
