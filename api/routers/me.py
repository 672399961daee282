"""The logged-in citizen's own data (design.md §6 `/me…`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from api.auth import auth_user, citizen_auth
from api.schemas import ErrorOut, MeOut
from registry.models import Person

router = Router(tags=["me"], auth=citizen_auth)


@router.get("/me", response={200: MeOut, 401: ErrorOut, 403: ErrorOut}, summary="Who I am in the register")
def me(request: HttpRequest) -> dict[str, Any]:
    user = auth_user(request)
    person = user.person
    assert isinstance(person, Person)  # noqa: S101 - CitizenAuth admits only citizens with a person
    return {
        "full_name": person.full_name,
        "ssn": person.ssn,
        "cccd": person.cccd,
        "date_of_birth": person.date_of_birth,
        "birth_year": person.birth_year,
        "sex": person.sex,
        "phone": person.phone,
        "email": person.email or user.email,
    }
