"""Public look-ups that work without login (domain.md §1.5): BHXH code, offices, facilities, collection points.

The BHXH-code look-up answers only when exactly one person of the register matches, and only in
masked form ("01******89", "Ng*** V** An"): enough for people to recognise their own code, too
little to harvest the register. Every look-up is counted per client address in LookupThrottle.

Directory searches ignore accents: the query is folded (vssid.text.fold) and matched with
`search_name__contains`, a LIKE '%…%' that the trigram indexes of migration 0002 serve on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from places.models import CollectionPoint, HealthFacility, LookupThrottle, Office, Province, Ward
from registry.models import Person
from vssid.errors import DomainError
from vssid.masking import mask_name, mask_ssn
from vssid.text import fold


@dataclass(frozen=True)
class Budget:
    name: str
    limit: int
    window: dt.timedelta


SSN_BUDGET = Budget("ssn", 10, dt.timedelta(minutes=10))
DIRECTORY_BUDGET = Budget("directory", 120, dt.timedelta(minutes=1))

PAGE_SIZE = 20
MAX_API_PAGE = 100
_DIGITS = re.compile(r"\D")


class LookupRefused(DomainError):
    """A look-up refused: invalid input (400), throttled (429) or no single match (404)."""


# ---- throttle --------------------------------------------------------------------------


def check_budget(budget: Budget, address: str | None, *, now: dt.datetime | None = None) -> None:
    """Count one look-up of `address`; raise `too_many_requests` (429) past the budget.

    Two conditional UPDATEs and, for a new address, one INSERT: no lock is held between
    statements, and concurrent requests each add exactly one.
    """
    now = now or timezone.now()
    key = f"{budget.name}:{address or 'unknown'}"
    window_start = now - budget.window
    rows = LookupThrottle.objects.filter(key=key)
    updated = rows.filter(window_started_at__gt=window_start).update(count=F("count") + 1)
    if not updated:
        updated = rows.filter(window_started_at__lte=window_start).update(count=1, window_started_at=now)
    if not updated:
        try:
            with transaction.atomic():
                LookupThrottle.objects.create(key=key, count=1, window_started_at=now)
        except IntegrityError:  # another request created it in between
            rows.update(count=F("count") + 1)
        return
    row = rows.values_list("count", "window_started_at").get()
    if row[0] > budget.limit:
        retry = max(1, int((row[1] + budget.window - now).total_seconds() // 60) + 1)
        raise LookupRefused(
            "too_many_requests",
            _("Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.") % {"minutes": retry},
            status=429,
        )


# ---- BHXH code ---------------------------------------------------------------------------


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


# ---- directories -------------------------------------------------------------------------


def current_provinces() -> QuerySet[Province]:
    return Province.objects.current().only("code", "name").order_by("name")


def current_wards(province_code: str) -> QuerySet[Ward]:
    return Ward.objects.current().filter(province_id=province_code).only("code", "name", "kind").order_by("name")


def _folded(query: str) -> str:
    return fold(query)[:100]


def search_offices(*, query: str = "", province_code: str = "") -> QuerySet[Office]:
    """Offices in force today (renamed or merged ones are left out)."""
    offices = Office.objects.current().select_related("province").order_by("code")
    if province_code:
        offices = offices.filter(province_id=province_code)
    if folded := _folded(query):
        offices = offices.filter(search_name__contains=folded)
    return offices


def search_facilities(
    *,
    query: str = "",
    province_code: str = "",
    ward_code: str = "",
    level: str = "",
    initial_registration: bool | None = None,
    sick_leave: bool | None = None,
) -> QuerySet[HealthFacility]:
    """Health facilities of provinces in force, with the filters of the BHYT contract look-up."""
    facilities = (
        HealthFacility.objects.filter(province__valid_to__isnull=True).select_related("province", "ward").order_by("code")
    )
    if province_code:
        facilities = facilities.filter(province_id=province_code)
    if ward_code:
        facilities = facilities.filter(ward_id=ward_code)
    if level:
        facilities = facilities.filter(level=level)
    if initial_registration is not None:
        facilities = facilities.filter(accepts_initial_registration=initial_registration)
    if sick_leave is not None:
        facilities = facilities.filter(issues_sick_leave=sick_leave)
    if folded := _folded(query):
        facilities = facilities.filter(search_name__contains=folded)
    return facilities


def search_collection_points(
    *, query: str = "", province_code: str = "", ward_code: str = "", kind: str = ""
) -> QuerySet[CollectionPoint]:
    """Collection points and agents of provinces in force (name or organisation, accents ignored)."""
    points = CollectionPoint.objects.filter(province__valid_to__isnull=True).select_related("province", "ward").order_by("code")
    if province_code:
        points = points.filter(province_id=province_code)
    if ward_code:
        points = points.filter(ward_id=ward_code)
    if kind:
        points = points.filter(kind=kind)
    if folded := _folded(query):
        points = points.filter(search_name__contains=folded)
    return points
