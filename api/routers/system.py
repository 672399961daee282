from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from api.schemas import ErrorOut, HealthOut
from vssid.health import check_database

router = Router(tags=["system"])


@router.get("/health", response={200: HealthOut, 503: ErrorOut}, summary="Service health")
def health(request: HttpRequest) -> Status[Any]:
    ok, detail = check_database()
    if ok:
        return Status(200, {"status": "ok", "database": detail})
    return Status(503, {"code": "database_unavailable", "message": detail, "fields": {}})
