"""Public look-ups of the directories that work without login (domain.md §1.5): offices, facilities, collection points.

Every public look-up is counted per client address (`check_budget`, on vssid.ratelimit); the
BHXH-code look-up, which reads the register, is registry.lookup's and counts the same way.

Directory searches ignore accents: the query is folded (vssid.text.fold) and matched with
`search_name__contains`, a LIKE '%…%' that the trigram indexes of migration 0002 serve on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from places.models import CollectionPoint, HealthFacility, Office, Province, Ward
from vssid import ratelimit
from vssid.errors import DomainError
from vssid.ratelimit import Rate
from vssid.text import fold

DIRECTORY_BUDGET = Rate("lookup_directory_address", 120, dt.timedelta(minutes=1))

PAGE_SIZE = 20
MAX_API_PAGE = 100


class LookupRefused(DomainError):
    """A look-up refused: invalid input (400), throttled (429) or no single match (404)."""


# ---- throttle --------------------------------------------------------------------------


def check_budget(budget: Rate, address: str | None, *, now: dt.datetime | None = None) -> None:
    """Count one look-up of `address`; raise `too_many_requests` (429) past the budget."""
    try:
        ratelimit.take(budget, address or "unknown", now=now)
    except ratelimit.RateLimited as exc:
        # Whole minutes left in the window, plus the one under way.
        retry = max(1, int(exc.retry_after.total_seconds() // 60) + 1)
        raise LookupRefused(
            "too_many_requests",
            _("Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.") % {"minutes": retry},
            status=429,
        ) from exc


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
