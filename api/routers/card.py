"""The citizen's own health-insurance card (design.md §6 `/me/card`, `/me/card/qr.png`)."""

from __future__ import annotations

import datetime as dt
import functools
import io

import segno
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from accounts.models import User
from accounts.services import USER_COLUMN_COUNT, access_token_params, access_token_sql, user_from_row
from api.auth import CitizenAuth
from api.errors import ApiError
from api.schemas import ErrorOut
from registry.card import CARD_COLUMNS, CardRecord, CardView, active_card_joins, card_record, card_view
from vssid.db.hot import fetch_one_for_read

# The token, its user and the user's card in use, with its holder and place names: one query.
_CITIZEN_AND_CARD_SQL = access_token_sql(CARD_COLUMNS, active_card_joins("u.person_id"))


def user_and_card_for_access_token(raw: str) -> tuple[User, CardRecord | None] | None:
    """The user of a live access token and, for a citizen, the card in use: one query.

    None when the token is not live (as accounts.services.user_for_access_token); the card is
    None when the user has no card in use (or is not a citizen).
    """
    row = fetch_one_for_read(_CITIZEN_AND_CARD_SQL, access_token_params(raw))
    if row is None:
        return None
    return user_from_row(row), card_record(row[USER_COLUMN_COUNT:])


class CitizenCardAuth(CitizenAuth):
    """CitizenAuth that reads the citizen's card in the same round trip as the token.

    The card is the most read answer of the API (each launch of the app, each hospital counter),
    and the query needs nothing but the token's person; the token rules are the same
    (accounts.services.access_token_sql). The card is kept on the request for the view.
    """

    def lookup(self, request: HttpRequest, token: str) -> User | None:
        found = user_and_card_for_access_token(token)
        if found is None:
            return None
        user, request.card_record = found  # type: ignore[attr-defined]
        return user


router = Router(tags=["card"], auth=CitizenCardAuth())


class FacilityOut(Schema):
    code: str
    name: str


class CardOut(Schema):
    card_number: str
    qr_payload: str
    initial_facility: FacilityOut
    valid_from: dt.date
    valid_to: dt.date
    valid_to_open_ended: bool
    five_year_date: dt.date | None
    issue_date: dt.date
    full_name: str
    date_of_birth: str
    sex: int
    level: int
    live_area: str
    benefit_text: str
    expired: bool


def _card(request: HttpRequest) -> CardView:
    record = request.card_record  # type: ignore[attr-defined] # set by CitizenCardAuth
    if record is None:
        raise ApiError(404, "no_active_card", _("Bạn chưa có thẻ BHYT đang sử dụng."))
    return card_view(record)


@router.get("/me/card", response={200: CardOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}, summary="My health-insurance card")
def my_card(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_card_json(_card(request)), content_type="application/json; charset=utf-8")


# The most read answer of the API, and the same bytes until the card, the day or the language
# change (CardView holds all three): serialised by CardOut's own serialiser once per process.
# Built with model_construct, not validated: every value comes typed from CardView (a frozen
# dataclass that card_view fills from the register's columns), and validating them through
# ninja's Schema cost three times the serialisation on a card not seen before.
@functools.lru_cache(maxsize=4096)
def _card_json(card: CardView) -> bytes:
    out = CardOut.model_construct(
        card_number=card.card_number,
        qr_payload=card.qr_payload,
        initial_facility=FacilityOut.model_construct(code=card.facility_code, name=card.facility_name),
        valid_from=card.valid_from,
        valid_to=card.valid_to,
        valid_to_open_ended=card.valid_to_open_ended,
        five_year_date=card.five_year_date,
        issue_date=card.issue_date,
        full_name=card.full_name,
        date_of_birth=card.date_of_birth,
        sex=card.sex,
        level=card.level,
        live_area=card.live_area,
        benefit_text=card.benefit_text,
        expired=card.expired,
    )
    return out.model_dump_json().encode()


@router.get(
    "/me/card/qr.png",
    response={200: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="The QR of my card as a PNG (shown at the counter)",
)
def my_card_qr(request: HttpRequest) -> HttpResponse:
    card = _card(request)
    out = io.BytesIO()
    segno.make(card.qr_payload, error="m", micro=False).save(out, kind="png", scale=8, border=4)
    response = HttpResponse(out.getvalue(), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response
