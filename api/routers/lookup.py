"""Public look-ups (design.md §6 `/lookup/…`): no login, counted per client address.

The BHXH-code look-up answers 404 `not_found` unless exactly one person matches, and then only a
masked code and name; past a budget every look-up answers 429 `too_many_requests`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from api.schemas import MAX_OFFSET, ErrorOut
from places import lookup
from registry.lookup import SSN_BUDGET, SsnMatch, lookup_ssn
from vssid.clientip import client_ip
from vssid.ratelimit import Rate

router = Router(tags=["lookup"])

ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
T = TypeVar("T")


def _call(request: HttpRequest, budget: Rate, action: Callable[[], T]) -> T:
    lookup.check_budget(budget, client_ip(request))
    return action()


class SsnQuery(Schema):
    cccd: str = Field("", max_length=20, description="12 digits; alone it is enough")
    full_name: str = Field("", max_length=100)
    date_of_birth: dt.date | None = None
    province_code: str = Field("", max_length=2)


class SsnOut(Schema):
    ssn_masked: str = Field(..., examples=["01******89"])
    name_masked: str = Field(..., examples=["Ng*** V** An"])
    province_name: str


@router.get("/lookup/ssn", response={200: SsnOut, **ERRORS}, summary="Masked BHXH code of exactly one matching person")
def ssn(request: HttpRequest, params: Query[SsnQuery]) -> SsnMatch:
    return _call(
        request,
        SSN_BUDGET,
        lambda: lookup_ssn(
            cccd=params.cccd,
            full_name=params.full_name,
            date_of_birth=params.date_of_birth,
            province_code=params.province_code,
        ),
    )


class Paging(Schema):
    q: str = Field("", max_length=100, description="Name, accents optional")
    province_code: str = Field("", max_length=2)
    limit: int = Field(lookup.PAGE_SIZE, ge=1, le=lookup.MAX_API_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ProvinceOut(Schema):
    code: str
    name: str


class WardOut(Schema):
    code: str
    name: str


class OfficeOut(Schema):
    code: str
    name: str
    kind: str
    province: ProvinceOut
    address: str
    phone: str


class OfficePage(Schema):
    count: int
    items: list[OfficeOut]


class FacilityQuery(Paging):
    ward_code: str = Field("", max_length=5)
    level: Literal["ban_dau", "co_ban", "chuyen_sau"] | None = None
    initial_registration: bool | None = Field(None, description="Accepts initial registration (KCB ban đầu)")
    sick_leave: bool | None = Field(None, description="Issues sick-leave certificates")


class HealthFacilityOut(Schema):
    code: str
    name: str
    level: str
    province: ProvinceOut
    ward: WardOut | None
    address: str
    phone: str
    accepts_initial_registration: bool
    issues_sick_leave: bool


class FacilityPage(Schema):
    count: int
    items: list[HealthFacilityOut]


class CollectionPointQuery(Paging):
    ward_code: str = Field("", max_length=5)
    kind: Literal["diem_thu", "dai_ly"] | None = None


class CollectionPointOut(Schema):
    code: str
    name: str
    kind: str
    organisation: str
    province: ProvinceOut
    ward: WardOut | None
    address: str
    phone: str
    opening_hours: str
    voluntary_si: bool
    household_hi: bool


class CollectionPointPage(Schema):
    count: int
    items: list[CollectionPointOut]


def _page(results: QuerySet[Any], paging: Paging) -> dict[str, Any]:
    return {"count": results.count(), "items": list(results[paging.offset : paging.offset + paging.limit])}


@router.get("/lookup/offices", response={200: OfficePage, **ERRORS}, summary="BHXH offices in force")
def offices(request: HttpRequest, params: Query[Paging]) -> dict[str, Any]:
    return _call(
        request,
        lookup.DIRECTORY_BUDGET,
        lambda: _page(lookup.search_offices(query=params.q, province_code=params.province_code), params),
    )


@router.get("/lookup/facilities", response={200: FacilityPage, **ERRORS}, summary="Health facilities (BHYT)")
def facilities(request: HttpRequest, params: Query[FacilityQuery]) -> dict[str, Any]:
    return _call(
        request,
        lookup.DIRECTORY_BUDGET,
        lambda: _page(
            lookup.search_facilities(
                query=params.q,
                province_code=params.province_code,
                ward_code=params.ward_code,
                level=params.level or "",
                initial_registration=params.initial_registration,
                sick_leave=params.sick_leave,
            ),
            params,
        ),
    )


@router.get("/lookup/collection-points", response={200: CollectionPointPage, **ERRORS}, summary="Collection points and agents")
def collection_points(request: HttpRequest, params: Query[CollectionPointQuery]) -> dict[str, Any]:
    return _call(
        request,
        lookup.DIRECTORY_BUDGET,
        lambda: _page(
            lookup.search_collection_points(
                query=params.q, province_code=params.province_code, ward_code=params.ward_code, kind=params.kind or ""
            ),
            params,
        ),
    )
