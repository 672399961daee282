"""The adoption campaign for office leads and staff (design.md §6 `/campaign/adoption`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from api.auth import auth_user, staff_auth
from api.schemas import ErrorOut
from employers.campaign import Adoption, adoption_by, trend
from employers.services import campaign_office_for_user

router = Router(tags=["campaign"], auth=staff_auth)
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class AdoptionFilter(Schema):
    group_by: Literal["employer", "office", "ward"] = "employer"


class GroupOut(Schema):
    code: str
    name: str
    insured: int
    accounts: int
    in_progress: int
    share: float


class WeekOut(Schema):
    week: int
    day: dt.date
    insured: int
    accounts: int
    share: float


class AdoptionOut(Schema):
    office_code: str
    office_name: str
    group_by: str
    insured: int
    accounts: int
    in_progress: int
    share: float
    groups: list[GroupOut]
    trend: list[WeekOut]


def _group(row: Adoption) -> dict[str, Any]:
    return {
        "code": row.key,
        "name": row.label,
        "insured": row.insured,
        "accounts": row.accounts,
        "in_progress": row.in_progress,
        "share": round(row.share, 4),
    }


@router.get("/campaign/adoption", response={200: AdoptionOut, **ERRORS}, summary="Adoption of VssID in the office's scope")
def adoption(request: HttpRequest, filters: Query[AdoptionFilter]) -> dict[str, Any]:
    office = campaign_office_for_user(auth_user(request))
    total, rows = adoption_by(office, filters.group_by)
    return {
        "office_code": office.code,
        "office_name": office.name,
        "group_by": filters.group_by,
        "insured": total.insured,
        "accounts": total.accounts,
        "in_progress": total.in_progress,
        "share": round(total.share, 4),
        "groups": [_group(r) for r in rows],
        "trend": [
            {"week": p.week, "day": p.day, "insured": p.insured, "accounts": p.accounts, "share": round(p.share, 4)}
            for p in trend(office.code)
        ],
    }
