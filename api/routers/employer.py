"""The employer portal for HR clerks (design.md §6 `/employer/…`): their own workers only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from accounts.models import User
from api.auth import BearerAuth, auth_user
from api.errors import ApiError
from api.schemas import MAX_OFFSET, ErrorOut
from employers.services import (
    NOTE_MAX_LENGTH,
    add_flag_note,
    audit_flag_list,
    employer_flags,
    employer_for_user,
    invite_workers,
    ssns_without_account,
    worker_status,
    workers,
)
from registry.history import format_month
from registry.models import PeriodFlag


class EmployerAuth(BearerAuth):
    def check(self, user: User) -> None:
        if user.role != User.Role.EMPLOYER or user.employer_id is None:
            raise ApiError(403, "forbidden", _("Chức năng này chỉ dành cho cán bộ nhân sự của đơn vị."))


router = Router(tags=["employer"], auth=EmployerAuth())
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class WorkerFilter(Schema):
    has_account: bool | None = Field(None, description="true: only those with an account; false: only those without")
    status: Literal["account", "in_progress", "none"] | None = None
    q: str = Field("", max_length=100, description="Name without accents, or the start of the BHXH code")
    limit: int = Field(100, ge=1, le=500)
    # Bounded so offset + limit stays inside PostgreSQL's bigint; past the end is an empty page.
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class WorkerOut(Schema):
    ssn: str
    full_name: str
    has_account: bool
    status: str
    registration_status: str | None
    registration_deadline: dt.date | None
    last_invited_at: dt.datetime | None


class WorkerPage(Schema):
    employer_code: str
    employer_name: str
    count: int
    items: list[WorkerOut]


@router.get(
    "/employer/workers", response={200: WorkerPage, **ERRORS}, summary="The employer's insured workers and their VssID status"
)
def list_workers(request: HttpRequest, filters: Query[WorkerFilter]) -> dict[str, Any]:
    employer = employer_for_user(auth_user(request))
    qs = workers(employer, status=filters.status or "", query=filters.q, has_account=filters.has_account)
    page = list(qs[filters.offset : filters.offset + filters.limit])
    return {
        "employer_code": employer.code,
        "employer_name": employer.name,
        "count": qs.count(),
        "items": [
            {
                "ssn": p.ssn,
                "full_name": p.full_name,
                "has_account": p.has_account,  # type: ignore[attr-defined]
                "status": worker_status(p),
                "registration_status": p.registration_status,  # type: ignore[attr-defined]
                "registration_deadline": p.registration_deadline,  # type: ignore[attr-defined]
                "last_invited_at": p.last_invited_at,  # type: ignore[attr-defined]
            }
            for p in page
        ],
    }


class InvitationIn(Schema):
    ssns: list[Annotated[str, Field(max_length=12)]] = Field(default_factory=list, max_length=500)
    all_without_account: bool = Field(False, description="Invite every worker with no account and no live registration")


class InvitedOut(Schema):
    ssn: str
    full_name: str
    sent_at: dt.datetime


class RefusedOut(Schema):
    ssn: str
    code: str
    message: str


class InvitationResultOut(Schema):
    invited: list[InvitedOut]
    refused: list[RefusedOut]


@router.post(
    "/employer/invitations",
    response={200: InvitationResultOut, **ERRORS},
    summary="Text the registration link to workers without an account (one per worker per 7 days)",
)
def create_invitations(request: HttpRequest, body: InvitationIn) -> Any:
    user = auth_user(request)
    employer = employer_for_user(user)
    ssns = ssns_without_account(employer) if body.all_without_account else body.ssns
    result = invite_workers(user, employer, ssns, request=request)
    refused = [{"ssn": ssn, "code": code, "message": message} for ssn, (code, message) in result.refused.items()]
    if not result.invited:
        # Nothing was sent: an error with one line per code, so a client cannot mistake it for success.
        message = refused[0]["message"] if len(refused) == 1 else _("Không gửi được lời mời nào.")
        raise ApiError(409, "not_invited", message, {r["ssn"]: [r["message"]] for r in refused})
    invited = [{"ssn": i.person.ssn, "full_name": i.person.full_name, "sent_at": i.sent_at} for i in result.invited]
    return {"invited": invited, "refused": refused}


class FlagFilter(Schema):
    status: Literal["open", "answered", "closed"] | None = None
    limit: int = Field(50, ge=1, le=200)
    # Bounded so offset + limit stays inside PostgreSQL's bigint; past the end is an empty page.
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class EmployerFlagOut(Schema):
    id: int
    ssn: str
    full_name: str
    scheme: str
    month: str = Field(..., description="mm/yyyy")
    kind: str
    message: str
    status: str
    answer: str
    answered_at: dt.datetime | None
    created_at: dt.datetime
    employer_note: str
    employer_note_by: str | None
    employer_note_at: dt.datetime | None


class EmployerFlagPage(Schema):
    employer_code: str
    count: int
    items: list[EmployerFlagOut]


class FlagNoteIn(Schema):
    # The service counts characters after NFC normalisation; the raw text may be decomposed.
    note: str = Field(
        ...,
        max_length=2 * NOTE_MAX_LENGTH,
        description="The employer's note, at most 500 characters; it replaces the previous one",
    )


def _flag_out(flag: PeriodFlag) -> dict[str, Any]:
    return {
        "id": flag.pk,
        "ssn": flag.person.ssn,
        "full_name": flag.person.full_name,
        "scheme": flag.scheme,
        "month": format_month(flag.month),
        "kind": flag.kind,
        "message": flag.message,
        "status": flag.status,
        "answer": flag.answer,
        "answered_at": flag.answered_at,
        "created_at": flag.created_at,
        "employer_note": flag.employer_note,
        "employer_note_by": flag.employer_note_by.get_username() if flag.employer_note_by else None,
        "employer_note_at": flag.employer_note_at,
    }


@router.get(
    "/employer/flags",
    response={200: EmployerFlagPage, **ERRORS},
    summary="Workers' reports of wrong or missing months at this employer, open first",
    url_name="employer_flags",  # /me/flags is "list_flags"
)
def list_flags(request: HttpRequest, filters: Query[FlagFilter]) -> dict[str, Any]:
    user = auth_user(request)
    employer = employer_for_user(user)
    qs = employer_flags(employer, status=filters.status or "")
    page = list(qs[filters.offset : filters.offset + filters.limit])
    audit_flag_list(user, employer, page, request=request)
    return {"employer_code": employer.code, "count": qs.count(), "items": [_flag_out(f) for f in page]}


@router.post(
    "/employer/flags/{flag_id}/note",
    response={200: EmployerFlagOut, **ERRORS},
    summary="Add the employer's note to a flag (the office still answers and closes it)",
)
def note_flag(request: HttpRequest, flag_id: int, body: FlagNoteIn) -> dict[str, Any]:
    user = auth_user(request)
    employer = employer_for_user(user)
    return _flag_out(add_flag_note(user, employer, flag_id, body.note, request=request))
