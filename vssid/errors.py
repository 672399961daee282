"""The one error type of the services: a refusal with a stable code, a sentence and the fields at fault.

Services raise it (or a subclass naming their domain); the edges translate it once: the API's
single handler answers `{code, message, fields}` with `status` (design.md §6), and the web views
show `message` next to the fields. Nothing catches and re-wraps it on the way.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    #: The API's status for a refusal of input (status 400). A domain whose API has always answered
    #: such refusals with 422 sets 422 here, and its web pages keep answering 400.
    api_input_status: ClassVar[int] = 400

    def __init__(self, code: str, message: str, *, status: int = 400, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.fields: dict[str, list[str]] = fields or {}

    @property
    def api_status(self) -> int:
        return self.api_input_status if self.status == 400 else self.status
