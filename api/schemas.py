from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, Any] = {}


class HealthOut(Schema):
    status: str
    database: str
