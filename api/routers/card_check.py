"""`POST /card-check`: the hospital counter's card check (design.md §6, domain.md §3.9).

One service (counter.services.check_card) behind this, the counter page, the gateway-compatible
doors and FHIR. Facility logins only: a citizen's, staff's or employer's token gets 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from accounts.models import User
from api.auth import BearerAuth, auth_user
from api.errors import ApiError
from api.schemas import ErrorOut
from counter.services import MAX_QR, MAX_TEXT, check_card, pre_read


class FacilityAuth(BearerAuth):
    def check(self, user: User) -> None:
        if user.role != User.Role.FACILITY or user.facility_id is None:
            raise ApiError(403, "forbidden", _("Chức năng này chỉ dành cho cơ sở khám chữa bệnh."))


class CardCheckAuth(FacilityAuth):
    """FacilityAuth that reads the register for the body's check in the same round trip as the token.

    The check is the hospital's hottest call; the token's query and the register's are one
    (counter.services.pre_read), and the view decides on what was read. A body the check would
    refuse reads nothing here: the view refuses it, after the guard.
    """

    def lookup(self, request: HttpRequest, token: str) -> User | None:
        try:
            body = request.body
        except RequestDataTooBig:
            body = b""
        found = pre_read(token, body)
        if found is None:
            return None
        user, request.counter_read = found  # type: ignore[attr-defined]
        return user


router = Router(tags=["card check"], auth=CardCheckAuth())


class CardCheckIn(Schema):
    """Either the card (maThe, hoTen, ngaySinh) or the scanned QR (qr), with the checking officer."""

    maThe: str | None = Field(None, max_length=20, description="Card number (15), BHXH code (10) or CCCD (12).")
    hoTen: str | None = Field(None, max_length=MAX_TEXT)
    ngaySinh: str | None = Field(None, max_length=10, description="dd/MM/yyyy, or yyyy when only the year is known.")
    qr: str | None = Field(None, max_length=MAX_QR, description="The card QR's payload (domain.md §4.2).")
    hoTenCb: str | None = Field(None, max_length=MAX_TEXT, description="Name of the checking officer.")
    cccdCb: str | None = Field(None, max_length=12, description="CCCD of the checking officer.")


class CardCheckVisitOut(Schema):
    maHoSo: str
    maCSKCB: str
    tenCSKCB: str
    ngayVao: str
    ngayRa: str
    tenBenh: str
    tinhTrang: str | None
    kqDieuTri: str | None
    lyDoVV: str | None


class CardCheckOut(Schema):
    maKetQua: str
    ghiChu: str
    maThe: str | None = None
    hoTen: str | None = None
    ngaySinh: str | None = None
    gioiTinh: str | None = None
    diaChi: str | None = None
    maDKBD: str | None = None
    tenDKBD: str | None = None
    cqBHXH: str | None = None
    gtTheTu: str | None = None
    gtTheDen: str | None = None
    maKV: str | None = None
    ngayDu5Nam: str | None = None
    maSoBHXH: str | None = None
    mucHuong: int | None = None
    tyLeHuong: int | None = None
    maTheCu: str | None = None
    maTheMoi: str | None = None
    gtTheTuMoi: str | None = None
    gtTheDenMoi: str | None = None
    maDKBDMoi: str | None = None
    tenDKBDMoi: str | None = None
    TEMP1: str | None = None
    TEMP2: str | None = None
    dsLichSuKCB: list[CardCheckVisitOut] = []
    userKT: str
    thoiGianKT: str


@router.post(
    "/card-check",
    response={200: CardCheckOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Check a health-insurance card at a facility's counter",
)
def card_check(request: HttpRequest, payload: CardCheckIn) -> Any:
    answer = check_card(auth_user(request), payload.model_dump(), request=request, read=request.counter_read)  # type: ignore[attr-defined]
    # The answer's shape is CardCheckOut by construction (CheckAnswer.as_gateway, every key always
    # present; counter/tests check it against the schema): rendered directly, not validated again
    # field by field on the hospital's hottest call.
    return JsonResponse(answer.as_gateway(), content_type="application/json; charset=utf-8")


__all__ = ["router"]
