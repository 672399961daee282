from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Path, Schema

from accounts.services import (
    OTP_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PHONE_MAX_LENGTH,
    TOKEN_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
)

# The largest `offset` a list accepts. No list comes near it (past the end is an empty page); the
# bound keeps offset + limit inside PostgreSQL's bigint, which a larger number overflows (a 500).
MAX_OFFSET = 1_000_000_000


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, Any] = {}


class HealthOut(Schema):
    status: str
    database: str


# ---- registration -----------------------------------------------------------------------


class RegistrationForm(Schema):
    """The multipart fields of POST /registrations; the photos come as files beside them."""

    full_name: str
    ssn: str = ""
    cccd: str = ""
    date_of_birth: dt.date
    sex: int = Field(description="1 male, 2 female")
    phone: str
    email: str = ""
    province_code: str
    ward_code: str = ""
    street: str
    office_code: str


class RegistrationCreatedOut(Schema):
    reference: str
    status: str
    confirm_url: str


# A registration reference is 10 characters; anything longer is refused before any query.
Reference = Annotated[str, Path(max_length=20)]


class ConfirmIn(Schema):
    otp: str = Field(max_length=20)


class ConfirmedOut(Schema):
    reference: str
    status: str
    deadline: dt.date
    form_url: str = Field(description="Form 01 as a PDF; works without login until the registration stops being live.")


# ---- auth -------------------------------------------------------------------------------


# Bounded like the web forms (accounts.services): longer input answers 422 invalid_input before
# it reaches a query or the password hasher; a NUL anywhere answers 422 too (api.urls).
def _username() -> Any:
    return Field(max_length=USERNAME_MAX_LENGTH, description="BHXH code, CCCD or staff user name")


def _password() -> Any:
    return Field(max_length=PASSWORD_MAX_LENGTH)


class LoginIn(Schema):
    username: str = _username()
    password: str = _password()


class TokenPairOut(Schema):
    access_token: str
    refresh_token: str
    expires_in: int = Field(description="Seconds the access token lives")


class TokensOut(TokenPairOut):
    must_change_password: bool = Field(description="Until changed (POST /auth/password), other calls answer 403")


class RefreshIn(Schema):
    refresh_token: str = Field(max_length=TOKEN_MAX_LENGTH)


class PasswordChangeIn(Schema):
    old_password: str = _password()
    new_password: str = _password()


class PasswordResetIn(Schema):
    username: str = _username()
    phone: str = Field(max_length=PHONE_MAX_LENGTH)


class PasswordResetConfirmIn(Schema):
    username: str = _username()
    otp: str = Field(max_length=OTP_MAX_LENGTH)
    new_password: str = _password()


class MessageOut(Schema):
    message: str


# ---- me ---------------------------------------------------------------------------------


class MeOut(Schema):
    full_name: str
    ssn: str
    cccd: str
    date_of_birth: dt.date | None = Field(description="Empty when the register knows only the year")
    birth_year: int
    sex: int
    phone: str
    email: str


# ---- staff ------------------------------------------------------------------------------


class StaffRegistrationOut(Schema):
    reference: str
    status: str
    full_name: str
    ssn: str
    cccd: str
    date_of_birth: dt.date
    sex: int
    office_code: str = Field(alias="office_id")
    submitted_at: dt.datetime | None
    deadline: dt.date | None


class StaffRegistrationPage(Schema):
    count: int
    items: list[StaffRegistrationOut]


class StaffRegistrationDetailOut(StaffRegistrationOut):
    phone: str
    email: str
    province_code: str = Field(alias="province_id")
    ward_code: str | None = Field(alias="ward_id")
    street: str
    received_at: dt.datetime | None
    decided_at: dt.datetime | None
    reject_reason: str


# The reason goes into an SMS (shortened there) and an e-mail; a paragraph is plenty.
REJECT_REASON_MAX_LENGTH = 500


class RejectIn(Schema):
    reason: str = Field(max_length=REJECT_REASON_MAX_LENGTH)
