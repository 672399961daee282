"""The public BHXH-code look-up (domain.md §1.5): no login, counted per client address.

It answers only when exactly one person of the register matches, and only in masked form
("01******89", "Ng*** V** An"): enough for people to recognise their own code, too little to
harvest the register.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from places.lookup import LookupRefused
from registry.models import Person
from vssid.masking import mask_name, mask_phone, mask_ssn
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
    """The masked BHXH code of the one person matching (CCCD) or (name + date of birth + province);
    see match_person."""
    return masked(match_person(full_name=full_name, date_of_birth=date_of_birth, province_code=province_code, cccd=cccd))


def masked(person: Person) -> SsnMatch:
    """The answer a page may show: the code and name masked, the province."""
    return SsnMatch(mask_ssn(person.ssn), mask_name(person.full_name), person.province.name)


def match_person(
    *,
    full_name: str = "",
    date_of_birth: dt.date | None = None,
    province_code: str = "",
    cccd: str = "",
) -> Person:
    """The one person matching (CCCD) or (name + date of birth + province), for the look-up's answer.

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
    found = list(people.select_related("province").only("ssn", "full_name", "phone", "province__name")[:2])
    if len(found) != 1:
        raise LookupRefused(
            "not_found",
            _("Không tìm thấy đúng một người khớp với thông tin đã nhập. Hãy kiểm tra lại, hoặc tra cứu bằng số CCCD."),
            status=404,
        )
    return found[0]


# The full code is never shown on the page: someone who forgot it gets it by SMS on the phone the
# register holds, so whoever typed the question learns only that such a phone exists.
SMS_OFFER_SALT = "registry.lookup.ssn_sms"
SMS_OFFER_SECONDS = 10 * 60


def sms_offer(person: Person) -> dict[str, str] | None:
    """What the page needs to offer the full code by SMS: a signed, short-lived token naming the
    person (no code in the page) and the masked phone; None when the register has no phone."""
    if not person.phone:
        return None
    return {"token": signing.dumps({"p": person.pk}, salt=SMS_OFFER_SALT), "phone_masked": mask_phone(person.phone)}


def person_of_sms_offer(token: str) -> Person:
    """The person a token of sms_offer names; `invalid_input` (400) once it is expired or altered."""
    try:
        data = signing.loads(token[:500], salt=SMS_OFFER_SALT, max_age=SMS_OFFER_SECONDS)
        return Person.objects.only("ssn", "phone").get(pk=int(data["p"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, Person.DoesNotExist) as exc:
        raise LookupRefused("invalid_input", _("Yêu cầu đã hết hạn. Hãy tra cứu lại."), status=400) from exc
