"""The citizen's history, benefits, medical visits and flags (design.md §6 `/me/…`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.renderers import JSONRenderer

from accounts.models import User
from accounts.services import USER_COLUMN_COUNT, access_token_params, access_token_sql, user_from_row
from api.auth import CitizenAuth, auth_user, citizen_auth
from api.errors import ApiError
from api.schemas import ErrorOut
from corrections.actions import check_flag_missing_month, check_flag_period
from corrections.services import MESSAGE_MAX_LENGTH, flags_of_person
from registry import history
from registry.models import PeriodFlag, Scheme
from vssid.db.hot import fetch_one_for_read

router = Router(tags=["history"], auth=citizen_auth)
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _person_id(request: HttpRequest) -> int:
    person_id = auth_user(request).person_id
    assert person_id is not None  # noqa: S101 - CitizenAuth admits only citizens with a person
    return person_id


class PeriodOut(Schema):
    id: int
    scheme: str
    from_month: str  # "mm/yyyy"
    to_month: str | None  # None: ongoing
    employer_code: str
    employer_name: str
    position: str
    salary_basis: int
    currency: str
    voluntary: bool
    late_months: int
    months: int


class ParticipationOut(Schema):
    scheme: str
    total_months: int
    total_text: str
    late_months: int
    late_text: str
    from_year: int | None
    to_year: int | None
    periods: list[PeriodOut]


class BenefitOut(Schema):
    tab: str
    kind: str
    kind_label: str
    decision_number: str
    decision_date: dt.date
    from_date: dt.date
    to_date: dt.date | None
    amount: int
    employer_name: str
    bank_name: str
    bank_account_last4: str


class VisitOut(Schema):
    facility_code: str
    facility_name: str
    admitted_at: dt.datetime
    discharged_at: dt.datetime
    inpatient: bool
    icd_code: str
    diagnosis: str
    total_cost: int
    insurance_paid: int
    patient_paid: int


class FlagIn(Schema):
    period_id: int | None = None
    scheme: str | None = Field(None, max_length=10)
    month: str | None = Field(None, max_length=7)  # "yyyy-mm" or "mm/yyyy"
    # The service counts characters after NFC normalisation; the raw text may be decomposed.
    message: str = Field(max_length=MESSAGE_MAX_LENGTH * 2)


class FlagOut(Schema):
    id: int
    kind: str
    scheme: str
    month: str  # "mm/yyyy"
    period_id: int | None
    employer_name: str
    message: str
    status: str
    answer: str
    created_at: dt.datetime
    answered_at: dt.datetime | None
    employer_note: str = Field("", description="The employer's note on the month (it does not answer the flag)")
    employer_note_at: dt.datetime | None = None


# The token, its user and the periods of the asked scheme: one query, as for the card.
_CITIZEN_AND_PERIODS_SQL = access_token_sql(history.PARTICIPATION_COLUMNS, history.participation_joins("u.person_id"))
# The same periods for a person id, when the view's scheme is not the one the guard read.
_PERIODS_SQL = "SELECT {} FROM (SELECT %s::bigint AS person_id) u {}".format(  # noqa: S608 - fixed names
    history.PARTICIPATION_COLUMNS, history.participation_joins("u.person_id")
)


class CitizenParticipationAuth(CitizenAuth):
    """CitizenAuth that reads the periods of the asked scheme in the same round trip as the token.

    The history is the second screen citizens open, after the card; the token rules are the same
    (accounts.services.access_token_sql). An invalid scheme finds no period and the view refuses
    it as before. The periods are kept on the request for the view.
    """

    def lookup(self, request: HttpRequest, token: str) -> User | None:
        scheme = request.GET.get("scheme") or Scheme.BHXH.value
        row = fetch_one_for_read(_CITIZEN_AND_PERIODS_SQL, [scheme, *access_token_params(token)])
        if row is None:
            return None
        request.participation = (scheme, row[USER_COLUMN_COUNT])  # type: ignore[attr-defined]
        return user_from_row(row)


@router.get(
    "/me/participation",
    response={200: ParticipationOut, **ERRORS},
    summary="Quá trình tham gia, one scheme",
    auth=CitizenParticipationAuth(),
)
def participation(
    request: HttpRequest,
    scheme: Annotated[str, Query(max_length=10)] = "bhxh",
    from_year: int | None = None,
    to_year: int | None = None,
) -> HttpResponse:
    scheme = history.parse_scheme(scheme)
    asked, periods = request.participation  # type: ignore[attr-defined] # set by CitizenParticipationAuth
    if asked != scheme:  # the query string named the scheme twice, and ninja read the other one
        row = fetch_one_for_read(_PERIODS_SQL, [_person_id(request), scheme])
        periods = row[0] if row else None
    body = history.participation_body(periods, scheme=scheme, from_year=from_year, to_year=to_year)
    # Plain values of exactly ParticipationOut's shape (the tests validate it and hold it equal to
    # registry.history.participation_history, which the web page uses), rendered as they are:
    # ninja's validation of every row cost more than the query.
    return HttpResponse(_JSON.render(request, body, response_status=200), content_type=_JSON_TYPE)


_JSON = JSONRenderer()
_JSON_TYPE = f"{_JSON.media_type}; charset={_JSON.charset}"


@router.get("/me/benefits", response={200: list[BenefitOut], **ERRORS}, summary="Thông tin hưởng")
def benefits(request: HttpRequest, tab: Annotated[str | None, Query(max_length=20)] = None) -> list[dict[str, Any]]:
    rows = history.benefits(_person_id(request), tab=tab or None)
    return [
        {
            "tab": b.tab,
            "kind": b.kind,
            "kind_label": b.get_kind_display(),
            "decision_number": b.decision_number,
            "decision_date": b.decision_date,
            "from_date": b.from_date,
            "to_date": b.to_date,
            "amount": b.amount,
            "employer_name": b.employer.name if b.employer else "",
            "bank_name": b.bank_name,
            "bank_account_last4": b.bank_account_last4[-4:],
        }
        for b in rows
    ]


@router.get("/me/medical-visits", response={200: list[VisitOut], **ERRORS}, summary="Sổ khám chữa bệnh")
def medical_visits(request: HttpRequest, year: int | None = None) -> list[dict[str, Any]]:
    rows, _years = history.medical_visits(_person_id(request), year=year)
    return [
        {
            "facility_code": v.facility.code,
            "facility_name": v.facility.name,
            "admitted_at": timezone.localtime(v.admitted_at),
            "discharged_at": timezone.localtime(v.discharged_at),
            "inpatient": v.inpatient,
            "icd_code": v.icd_code,
            "diagnosis": v.diagnosis,
            "total_cost": v.total_cost,
            "insurance_paid": v.insurance_paid,
            "patient_paid": v.patient_paid,
        }
        for v in rows
    ]


def _flag_out(flag: PeriodFlag) -> dict[str, Any]:
    return {
        "id": flag.pk,
        "kind": flag.kind,
        "scheme": flag.scheme,
        "month": history.format_month(flag.month),
        "period_id": flag.period_id,
        "employer_name": flag.employer.name if flag.employer else "",
        "message": flag.message,
        "status": flag.status,
        "answer": flag.answer,
        "created_at": flag.created_at,
        "answered_at": flag.answered_at,
        "employer_note": flag.employer_note,
        "employer_note_at": flag.employer_note_at,
    }


@router.get("/me/flags", response={200: list[FlagOut], **ERRORS}, summary="My reports of wrong or missing months")
def list_flags(request: HttpRequest) -> list[dict[str, Any]]:
    return [_flag_out(f) for f in flags_of_person(_person_id(request))]


@router.post("/me/flags", response={201: FlagOut, **ERRORS}, summary="Report a wrong row or a missing month")
def create_flag(request: HttpRequest, payload: FlagIn) -> Status[dict[str, Any]]:
    person_id, user = _person_id(request), auth_user(request)
    if payload.period_id is not None:
        flag = check_flag_period(person_id, payload.period_id, month=payload.month, message=payload.message, acting_user=user)
    else:
        if not payload.scheme or not payload.month:
            raise ApiError(
                422,
                "invalid_input",
                _("Dữ liệu gửi lên không hợp lệ."),
                fields={k: [_("Trường này là bắt buộc.")] for k in ("scheme", "month") if not getattr(payload, k)},
            )
        flag = check_flag_missing_month(
            person_id, scheme=payload.scheme, month=payload.month, message=payload.message, acting_user=user
        )
    return Status(201, _flag_out(flag))
