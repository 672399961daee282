"""Support tickets of the logged-in citizen (design.md §6 `/support/tickets`) and their notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from api.auth import auth_user, citizen_auth
from api.schemas import MAX_OFFSET, ErrorOut
from support import services
from support.models import Notification, Ticket

router = Router(tags=["support"], auth=citizen_auth)

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_PAGE = 100


class TicketIn(Schema):
    subject: str = Field(..., max_length=150)
    message: str = Field(..., max_length=4000)


class TicketOut(Schema):
    id: int
    subject: str
    message: str
    status: str
    answer: str
    office_code: str = Field(..., alias="office_id")
    created_at: dt.datetime
    answered_at: dt.datetime | None


class TicketPage(Schema):
    count: int
    items: list[TicketOut]


class PageQuery(Schema):
    limit: int = Field(20, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    count: int
    unread: int
    items: list[NotificationOut]


@router.post("/support/tickets", response={201: TicketOut, **ERRORS}, summary="Ask the office a question")
def create(request: HttpRequest, body: TicketIn) -> Status[Ticket]:
    return Status(201, services.create_ticket(auth_user(request), subject=body.subject, message=body.message))


@router.get("/support/tickets", response={200: TicketPage, **ERRORS}, summary="My tickets, newest first")
def tickets(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    own = services.tickets_for_citizen(auth_user(request))
    return {"count": own.count(), "items": list(own[paging.offset : paging.offset + paging.limit])}


@router.get("/support/tickets/{ticket_id}", response={200: TicketOut, **ERRORS}, summary="One of my tickets")
def ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    return services.get_ticket_for_citizen(auth_user(request), ticket_id)


@router.get("/support/notifications", response={200: NotificationPage, **ERRORS}, summary="My notifications")
def notifications(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    user = auth_user(request)
    notes = services.notifications_for(user)
    return {
        "count": notes.count(),
        "unread": services.unread_count(user),
        "items": list(notes[paging.offset : paging.offset + paging.limit]),
    }


@router.post("/support/notifications/{notification_id}/read", response={200: NotificationOut, **ERRORS}, summary="Mark one read")
def read(request: HttpRequest, notification_id: int) -> Notification:
    user = auth_user(request)
    services.mark_read(user, notification_id)
    return services.notifications_for(user).get(pk=notification_id)
