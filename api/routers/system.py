from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from api.schemas import ErrorOut, HealthOut
from vssid.health import check_database

router = Router(tags=["system"])


@router.get("/health", response={200: HealthOut, 503: ErrorOut}, summary="Service health")
def health(request: HttpRequest) -> tuple[int, dict[str, str]]:
    ok, detail = check_database()
    if ok:
        return 200, {"status": "ok", "database": detail}
    return 503, {"code": "database_unavailable", "message": detail}
