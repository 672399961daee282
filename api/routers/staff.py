"""The registration queue of an office, for its staff (design.md §5 step 3, §6 `/staff/…`).

Every look-up goes through enrollment.services.get_registration_for_staff: a registration of
another office answers 404 `not_found`, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from accounts.services import new_password
from api.auth import auth_user, staff_auth
from api.schemas import MAX_OFFSET, ErrorOut, Reference, RejectIn, StaffRegistrationDetailOut, StaffRegistrationPage
from enrollment.actions import do_approve_registration, do_receive_registration, do_reject_registration
from enrollment.models import Registration
from enrollment.services import staff_queue, view_for_staff

router = Router(tags=["staff"], auth=staff_auth)

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_PAGE = 100


class QueueFilter(Schema):
    status: Literal["submitted", "received", "approved", "rejected", "expired"] | None = Field(
        None, description="Default: the open ones (submitted and received)"
    )
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@router.get("/staff/registrations", response={200: StaffRegistrationPage, **ERRORS}, summary="The office's queue")
def queue(request: HttpRequest, filters: Query[QueueFilter]) -> dict[str, Any]:
    registrations = staff_queue(auth_user(request), filters.status)
    return {
        "count": registrations.count(),
        "items": list(registrations[filters.offset : filters.offset + filters.limit]),
    }


@router.get(
    "/staff/registrations/{reference}",
    response={200: StaffRegistrationDetailOut, **ERRORS},
    summary="One registration of the office (photos are only shown in the back office)",
)
def detail(request: HttpRequest, reference: Reference) -> Registration:
    return view_for_staff(auth_user(request), reference, request=request)


@router.post(
    "/staff/registrations/{reference}/receive",
    response={200: StaffRegistrationDetailOut, **ERRORS},
    summary="The signed Form 01 and the original ID were checked at the desk",
)
def receive(request: HttpRequest, reference: Reference) -> Registration:
    return do_receive_registration(reference, acting_user=auth_user(request), request=request)


@router.post(
    "/staff/registrations/{reference}/approve",
    response={200: StaffRegistrationDetailOut, **ERRORS},
    summary="Create the account and text its password (once)",
)
def approve(request: HttpRequest, reference: Reference) -> Registration:
    return do_approve_registration(reference, acting_user=auth_user(request), password=new_password(), request=request)


@router.post(
    "/staff/registrations/{reference}/reject",
    response={200: StaffRegistrationDetailOut, **ERRORS},
    summary="Reject with a reason (sent to the person)",
)
def reject(request: HttpRequest, reference: Reference, payload: RejectIn) -> Registration:
    return do_reject_registration(reference, payload.reason, acting_user=auth_user(request), request=request)
