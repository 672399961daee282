"""One error shape for the whole API (design.md §6): {code, message, fields}."""

from __future__ import annotations

from typing import Any

from vssid.errors import DomainError


class ApiError(DomainError):
    """A refusal decided at the API edge itself (a bad query, a missing token), status first."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> None:
        super().__init__(code, message, status=status, fields=fields)
