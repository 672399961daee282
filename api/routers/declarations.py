"""Monthly declarations (D02-LT), the C12 statement and payments: the employer's and the office's side."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from api.auth import auth_user, citizen_auth, staff_auth
from api.errors import ApiError
from api.routers.employer import EmployerAuth
from api.schemas import MAX_OFFSET, ErrorOut
from declarations import actions, alerts, c12, c12pdf, payments, services
from declarations.intake import MAX_FILE_BYTES, RawRow, read_upload
from declarations.models import Dossier
from employers.services import employer_for_user

employer_router = Router(tags=["employer"], auth=EmployerAuth())
staff_router = Router(tags=["staff"], auth=staff_auth)
citizen_router = Router(tags=["citizen"], auth=citizen_auth)
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}
MAX_JSON_ROWS = 1000


class ProblemOut(Schema):
    row: int
    key: str
    message: str


class DossierOut(Schema):
    id: int
    employer_code: str = Field(..., alias="employer_id")
    office_code: str = Field(..., alias="office_id")
    period: str = Field(..., alias="period_display")
    batch: int
    status: str
    source: str
    number: str
    return_reason: str
    row_count: int
    rows_done: int = Field(..., description="Rows applied to the register so far (while `processing`)")
    problems: list[ProblemOut] = Field(
        default_factory=list, description="Why the worker sent a large dossier back to `received` before processing it"
    )
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    received_at: dt.datetime | None
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_problems(obj: Dossier) -> list[dict[str, Any]]:
        problems: list[dict[str, Any]] = obj.outcome.get("problems", []) if obj.status == Dossier.Status.RECEIVED else []
        return problems


class DossierPage(Schema):
    count: int
    items: list[DossierOut]


class PageFilter(Schema):
    status: Dossier.Status | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class RowIn(Schema):
    """One row with the template's technical keys (declarations.md §2.4)."""

    PhuongAnId: str = Field(..., max_length=20)
    MaSoBhxh: str = Field(..., max_length=12)
    HoTen: str = Field(..., max_length=100)
    NgaySinh: str = Field("", max_length=10)
    GioiTinh: str = Field("", max_length=3)
    Cmnd: str = Field("", max_length=12)
    ChucVu: str = Field("", max_length=500)
    TienLuong: str = Field("", max_length=20)
    PhuCapLuong: str = Field("", max_length=20)
    TuThang: str = Field(..., max_length=7)
    DenThang: str = Field("", max_length=7)
    GhiChu: str = Field("", max_length=500)


class DeclarationJsonIn(Schema):
    period: str = Field(..., max_length=7, description="MMYYYY")
    rows: list[RowIn] = Field(..., max_length=MAX_JSON_ROWS)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=1000)


class PaymentIn(Schema):
    employer: str = Field(..., max_length=15, description="Mã đơn vị")
    amount: int
    paid_on: dt.date
    reference: str = Field(..., max_length=40, description="Số UNC")


class PaymentOut(Schema):
    id: int
    employer_code: str = Field(..., alias="employer_id")
    amount: int
    paid_on: dt.date
    reference: str
    unallocated: int


class C12Line(Schema):
    stt: str
    noi_dung: str
    bhxh: int
    bhyt: int
    bhtn: int
    bhtnld: int
    cong: int
    text: str


class C12Out(Schema):
    employer_code: str
    employer_name: str
    office_code: str
    period: str
    lines: list[C12Line]


PeriodPath = Annotated[str, Path(max_length=7, description="MMYYYY")]


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its `$defs` written in place: a `#/$defs/…` reference means
    nothing inside the OpenAPI document, whose references point at components."""
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.rsplit("/", 1)[-1]])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    result: dict[str, Any] = inline(schema)
    return result


UPLOAD_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "period"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": f"D02-LT .xlsx (sheet DuLieu) or .csv, at most {MAX_FILE_BYTES // 1048576} MB",
                        },
                        "period": {"type": "string", "example": "112026", "maxLength": 7},
                    },
                }
            },
            "application/json": {"schema": _inlined(DeclarationJsonIn.model_json_schema())},
        }
    }
}


@employer_router.post(
    "/employer/declarations",
    response={201: DossierOut, **ERRORS},
    summary="A D02-LT dossier from a file or JSON rows (a draft)",
    openapi_extra=UPLOAD_BODY,
)
def create(request: HttpRequest) -> Status[Any]:
    user = auth_user(request)
    if request.content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiError(
                422, "invalid_input", _("Chọn tệp D02-LT (.xlsx hoặc .csv)."), {"file": [_("Trường này là bắt buộc.")]}
            )
        period = services.parse_period(request.POST.get("period", ""))
        data = read_upload(upload, upload.size)
        return Status(201, services.create_from_file(user, period, data, upload.name or ""))
    try:
        body = DeclarationJsonIn.model_validate(json.loads(request.body or b"null"))
    except (ValueError, TypeError) as exc:
        raise ApiError(422, "invalid_input", _("Gửi tệp (multipart) hoặc JSON {period, rows}."), {}) from exc
    period = services.parse_period(body.period)
    raw = [RawRow(line=index + 1, values=row.model_dump()) for index, row in enumerate(body.rows)]
    return Status(201, services.create_dossier(user, period, raw=raw, source=Dossier.Source.API))


@employer_router.get(
    "/employer/declarations", response={200: DossierPage, **ERRORS}, summary="The employer's dossiers, newest period first"
)
def employer_list(request: HttpRequest, filters: Query[PageFilter]) -> dict[str, Any]:
    qs = services.dossiers_for_employer(auth_user(request))
    if filters.status:
        qs = qs.filter(status=filters.status)
    return {"count": qs.count(), "items": list(qs[filters.offset : filters.offset + filters.limit])}


@employer_router.post(
    "/employer/declarations/{dossier_id}/submit",
    response={200: DossierOut, **ERRORS},
    summary="Send a draft to the office (once)",
)
def submit(request: HttpRequest, dossier_id: int) -> Dossier:
    return services.submit(auth_user(request), dossier_id)


@employer_router.get(
    "/employer/statements/{period}.pdf",
    response={200: None, **ERRORS},
    summary="The C12 statement as PDF",
    openapi_extra={
        "responses": {
            200: {"description": "C12", "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
        }
    },
)
def statement_pdf(request: HttpRequest, period: PeriodPath) -> HttpResponse:
    employer = employer_for_user(auth_user(request))
    body = c12pdf.render(c12.build(employer, services.parse_period(period)))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="C12_{employer.code}_{period}.pdf"'
    return response


@employer_router.get(
    "/employer/statements/{period}", response={200: C12Out, **ERRORS}, summary="The C12 statement of a period (MMYYYY)"
)
def statement(request: HttpRequest, period: PeriodPath) -> dict[str, Any]:
    employer = employer_for_user(auth_user(request))
    return c12.build(employer, services.parse_period(period)).as_dict()


@staff_router.get(
    "/staff/declarations", response={200: DossierPage, **ERRORS}, summary="The office's dossier queue (submitted and received)"
)
def staff_list(request: HttpRequest, filters: Query[PageFilter]) -> dict[str, Any]:
    qs = services.staff_queue(auth_user(request), filters.status)
    return {"count": qs.count(), "items": list(qs[filters.offset : filters.offset + filters.limit])}


@staff_router.post(
    "/staff/declarations/{dossier_id}/receive", response={200: DossierOut, **ERRORS}, summary="Receive a submitted dossier"
)
def receive(request: HttpRequest, dossier_id: int) -> Dossier:
    return actions.receive(auth_user(request), dossier_id, request=request)


@staff_router.get(
    "/staff/declarations/{dossier_id}", response={200: DossierOut, **ERRORS}, summary="One dossier, with its progress"
)
def staff_detail(request: HttpRequest, dossier_id: int) -> Dossier:
    return services.get_for_staff(auth_user(request), dossier_id)


@staff_router.post(
    "/staff/declarations/{dossier_id}/process",
    response={200: DossierOut, 202: DossierOut, **ERRORS},
    summary="Apply the rows to the register (once): 200 processed, or 202 processing in the background",
    description=(
        "A dossier of up to 500 rows is processed within the request (200, with its number). A larger one "
        "answers 202 with status `processing`; the worker applies it in batches and "
        "`GET /staff/declarations/{id}` shows `rows_done` until the status is `processed`."
    ),
)
def process(request: HttpRequest, dossier_id: int) -> Status[Any]:
    dossier = actions.process(auth_user(request), dossier_id, request=request)
    return Status(200 if dossier.status == Dossier.Status.PROCESSED else 202, dossier)


@staff_router.post(
    "/staff/declarations/{dossier_id}/return", response={200: DossierOut, **ERRORS}, summary="Return a dossier with a reason"
)
def return_(request: HttpRequest, dossier_id: int, payload: ReasonIn) -> Dossier:
    return actions.return_dossier(auth_user(request), dossier_id, payload.reason, request=request)


@staff_router.post(
    "/staff/payments", response={201: PaymentOut, **ERRORS}, summary="Record a payment order (UNC); allocated at once"
)
def record_payment(request: HttpRequest, payload: PaymentIn) -> Status[Any]:
    payment = payments.record_payment(
        auth_user(request),
        employer_code=payload.employer,
        amount=payload.amount,
        paid_on=payload.paid_on,
        reference=payload.reference,
    )
    return Status(201, payment)


class MonthOut(Schema):
    month: str = Field(..., alias="month_display")
    employer_code: str
    employer_name: str
    salary_basis: int
    paid: bool
    late: bool
    label: str


class AlertsIn(Schema):
    sms: bool


class AlertsOut(Schema):
    sms: bool


@citizen_router.get(
    "/me/contribution-months",
    response={200: list[MonthOut], **ERRORS},
    summary="Months declared by employers: paid, or unpaid / late (chưa đóng / chậm đóng), newest first",
)
def contribution_months(request: HttpRequest) -> list[alerts.MonthStatus]:
    person_id = auth_user(request).person_id
    assert person_id is not None  # noqa: S101 - CitizenAuth checked it
    return alerts.month_statuses(person_id)


@citizen_router.put(
    "/me/payment-alerts", response={200: AlertsOut, **ERRORS}, summary="SMS as well as the in-app notice when a month is paid"
)
def set_payment_alerts(request: HttpRequest, payload: AlertsIn) -> dict[str, bool]:
    person_id = auth_user(request).person_id
    assert person_id is not None  # noqa: S101 - CitizenAuth checked it
    return {"sms": alerts.set_sms_alerts(person_id, payload.sms).sms}
