"""Property-based runs over the OpenAPI document: no input may make the API answer 5xx.

Schemathesis reads /api/v1/openapi.json from the project's WSGI entry, in-process, and sends
generated requests (valid and invalid ones) to every operation: once without a token, and once
per role with a bearer token, so the guarded operations are exercised past their 401.

Each example runs in a savepoint that is rolled back, and gets a freshly issued token: a logout,
a password change or a rotated refresh token in one example cannot leak into the next, and the
throttles stored in the database start from zero every time (a 429 is a valid answer anyway).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import schemathesis
from django.core.signals import got_request_exception
from django.db import transaction
from django.http import HttpResponse
from django.test.client import ClientHandler
from hypothesis import HealthCheck, settings
from schemathesis import BaseSchema, Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import User
from accounts.services import issue_tokens

pytestmark = pytest.mark.django_db

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class InProcessApp:
    """The project as a WSGI application that shares the test's database connection.

    Django's own WSGI handler closes the connection around every request, which would end the
    transaction pytest-django rolls back after the test; the test client's handler does not.
    Unhandled exceptions are kept so a 500 is reported with its traceback.
    """

    def __init__(self) -> None:
        self.handler = ClientHandler(enforce_csrf_checks=False)
        self.exception: BaseException | None = None
        got_request_exception.connect(self._keep, dispatch_uid="schemathesis-in-process-app")

    def _keep(self, sender: object, request: object = None, **kwargs: Any) -> None:
        self.exception = sys.exc_info()[1]

    def take_exception(self) -> BaseException | None:
        exception, self.exception = self.exception, None
        return exception

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # The API answers plain (never streaming) responses.
        response: HttpResponse = self.handler(environ)  # type: ignore[assignment]
        headers = [*response.items(), *(("Set-Cookie", c.output(header="").strip()) for c in response.cookies.values())]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [response.content]


APP = InProcessApp()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)

# Not the default set: positive_data_acceptance expects 2xx for any schema-valid input, which the
# register rightly refuses (an unknown login, a person not in the register, a reference that does
# not exist), and the negative checks would judge ninja's coercions, not this project's code.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# A few examples per operation and role keep the whole file near a minute on two cores; the
# coverage phase adds its boundary cases (empty, too long, wrong types) on top of these.
FUZZ = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# The demo logins of the seeded register (conftest.py) for each role that has operations.
LOGINS = {
    "citizen": "0198765432",  # Trần Thị Bình
    "staff": "canbo.dongda",
    "lead": "lanhdao.hanoi",
    "employer": "nhansu.demo",
    "facility": "bachmai.tiepdon",
}
# The security schemes of the OpenAPI document each role's token gets past.
SCHEMES = {
    "citizen": {"CitizenAuth", "CitizenCardAuth", "CitizenParticipationAuth", "BearerAuth"},
    "staff": {"StaffAuth", "BearerAuth"},
    "lead": {"StaffAuth", "BearerAuth"},
    "employer": {"EmployerAuth", "BearerAuth"},
    "facility": {"FacilityAuth", "CardCheckAuth", "BearerAuth"},
}


def _for_role(role: str) -> BaseSchema:
    """The operations a token of `role` is meant for (the others answer 403 before any input)."""

    def guarded_by(ctx: Any) -> bool:
        security = ctx.operation.definition.raw.get("security") or []
        return any(name in SCHEMES[role] for entry in security for name in entry)

    return schema.include(guarded_by)


def _example_savepoint() -> Any:
    """A savepoint rolled back after each example, marked as the test's own like TestCase's.

    Actions open durable transactions; Django lets them nest only in atomic blocks that belong to
    a test case, which is what this savepoint stands for.
    """
    atomic = transaction.atomic()
    atomic._from_testcase = True  # type: ignore[attr-defined]
    return atomic


def _exercise(case: Case[Any], role: str | None) -> None:
    # The signal is connected for the whole run: an exception an earlier test provoked on purpose
    # (a request made to fail) would otherwise be reported here as this case's crash.
    APP.take_exception()
    with _example_savepoint():
        headers = {"Accept-Language": "vi"}
        if role is not None:
            user = User.objects.get(username=LOGINS[role])
            headers["Authorization"] = f"Bearer {issue_tokens(user, device='schemathesis').access_token}"
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    crash = APP.take_exception()
    if crash is not None:
        raise AssertionError(f"{case.operation.label} crashed:\n{case.as_curl_command(headers=headers)}") from crash
    case.validate_response(response, checks=CHECKS, headers=headers)


@schema.parametrize()
@FUZZ
def test_anonymous(case: Case[Any], db: None) -> None:
    _exercise(case, None)


@_for_role("citizen").parametrize()
@FUZZ
def test_citizen(case: Case[Any], db: None) -> None:
    _exercise(case, "citizen")


@_for_role("staff").parametrize()
@FUZZ
def test_staff(case: Case[Any], db: None) -> None:
    _exercise(case, "staff")


@_for_role("lead").parametrize()
@FUZZ
def test_lead(case: Case[Any], db: None) -> None:
    _exercise(case, "lead")


@_for_role("employer").parametrize()
@FUZZ
def test_employer(case: Case[Any], db: None) -> None:
    _exercise(case, "employer")


@_for_role("facility").parametrize()
@FUZZ
def test_facility(case: Case[Any], db: None) -> None:
    _exercise(case, "facility")


def test_every_guarded_operation_is_exercised_with_a_token() -> None:
    """A new security scheme needs a role above, or its operations would only ever see a 401."""
    covered = set().union(*SCHEMES.values())
    used = {
        name
        for operations in schema.raw_schema["paths"].values()
        for operation in operations.values()
        for entry in operation.get("security", [])
        for name in entry
    }
    assert used <= covered, used - covered
