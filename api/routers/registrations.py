"""Registration for e-transactions (design.md §5, §6): submit, confirm by OTP, fetch Form 01."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from api.schemas import ConfirmedOut, ConfirmIn, ErrorOut, Reference, RegistrationCreatedOut
from enrollment.form_mail import form01_pdf
from enrollment.models import Registration
from enrollment.photos import MAX_BYTES
from enrollment.services import (
    CCCD_LENGTH,
    DECOMPOSED_FACTOR,
    EMAIL_MAX,
    NAME_MAX,
    OFFICE_CODE_MAX,
    PHONE_INPUT_MAX,
    PROVINCE_CODE_MAX,
    SSN_LENGTH,
    STREET_MAX,
    WARD_CODE_MAX,
    RegistrationInput,
    confirm_registration,
    form_token,
    registration_for_form_token,
    submit_registration,
)

router = Router(tags=["registrations"])


class RegistrationFields(Schema):
    """The multipart fields of POST /registrations; the photos come as files beside them.

    Bounded as the columns they go to (enrollment.services): longer input answers 422 before any
    query. Names and streets may come decomposed, so their bound here leaves room for that; the
    service holds the composed (NFC) text to the column's length.
    """

    full_name: str = Field(max_length=NAME_MAX * DECOMPOSED_FACTOR)
    ssn: str = Field("", max_length=SSN_LENGTH)
    cccd: str = Field("", max_length=CCCD_LENGTH)
    date_of_birth: dt.date
    sex: int = Field(description="1 male, 2 female")
    phone: str = Field(max_length=PHONE_INPUT_MAX)
    email: str = Field("", max_length=EMAIL_MAX)
    province_code: str = Field(max_length=PROVINCE_CODE_MAX)
    ward_code: str = Field("", max_length=WARD_CODE_MAX)
    street: str = Field(max_length=STREET_MAX * DECOMPOSED_FACTOR)
    office_code: str = Field(max_length=OFFICE_CODE_MAX)


ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def _read_photo(upload: UploadedFile) -> bytes:
    # One byte past the limit is enough for clean_photo to refuse it: a huge upload is never
    # read whole into memory.
    upload.seek(0)
    data: bytes = upload.read(MAX_BYTES + 1)
    return data


def form_url(request: HttpRequest, registration: Registration) -> str:
    """The signed, login-free link to Form 01 on the web (enrollment:form)."""
    path = reverse("enrollment:form", kwargs={"reference": registration.reference})
    return request.build_absolute_uri(f"{path}?token={form_token(registration)}")


@router.post(
    "/registrations",
    response={201: RegistrationCreatedOut, **ERRORS},
    summary="Register for e-transactions (the OTP goes to the phone by SMS)",
    url_name="registration_submit",
)
def submit(
    request: HttpRequest,
    data: Form[RegistrationFields],
    id_front: File[UploadedFile],
    id_back: File[UploadedFile],
    portrait: File[UploadedFile],
) -> Status[dict[str, str]]:
    registration = submit_registration(
        RegistrationInput(
            **data.model_dump(),
            language=translation.get_language() or "vi",
            photos={"id_front": _read_photo(id_front), "id_back": _read_photo(id_back), "portrait": _read_photo(portrait)},
        ),
        request=request,
    )
    confirm = reverse("api:registration_confirm", kwargs={"reference": registration.reference})
    return Status(
        201,
        {
            "reference": registration.reference,
            "status": registration.status,
            "confirm_url": request.build_absolute_uri(confirm),
        },
    )


@router.post(
    "/registrations/{reference}/confirm",
    response={200: ConfirmedOut, **ERRORS},
    summary="Confirm a registration with the OTP; starts the 10 days to hand in Form 01",
    url_name="registration_confirm",
)
def confirm(request: HttpRequest, reference: Reference, payload: ConfirmIn) -> dict[str, Any]:
    registration = confirm_registration(reference, payload.otp, request=request)
    return {
        "reference": registration.reference,
        "status": registration.status,
        "deadline": registration.deadline,
        "form_url": form_url(request, registration),
    }


@router.get(
    "/registrations/{reference}/form.pdf",
    response={200: None, 404: ErrorOut, 422: ErrorOut},
    summary="Form 01 as a PDF, for the holder of form_url",
    url_name="registration_form_pdf",
    openapi_extra={
        "responses": {
            200: {"description": "Form 01", "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
        }
    },
)
def form_pdf(request: HttpRequest, reference: Reference, token: Annotated[str, Query(max_length=200)]) -> HttpResponse:
    registration = registration_for_form_token(reference, token)
    response = HttpResponse(form01_pdf(registration), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="to-khai-{registration.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
