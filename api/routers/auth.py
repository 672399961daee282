"""Logins, bearer tokens and passwords (design.md §6, `/auth/…`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from accounts.services import (
    authenticate_login,
    change_password,
    confirm_password_reset,
    issue_tokens,
    request_password_reset,
    revoke_access_token,
    rotate_tokens,
)
from api.auth import auth_user, bearer_auth, bearer_token
from api.schemas import (
    ErrorOut,
    LoginIn,
    MessageOut,
    PasswordChangeIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RefreshIn,
    TokenPairOut,
    TokensOut,
)
from vssid.clientip import client_ip

router = Router(tags=["auth"])

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def _device(request: HttpRequest) -> str:
    return request.headers.get("User-Agent", "")[:200]


@router.post("/auth/login", response={200: TokensOut, **ERRORS}, summary="Log in; ends a citizen's older session")
def login(request: HttpRequest, payload: LoginIn) -> dict[str, Any]:
    user = authenticate_login(payload.username, payload.password, ip=client_ip(request))
    pair = issue_tokens(user, device=_device(request))
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "expires_in": pair.expires_in,
        "must_change_password": user.must_change_password,
    }


@router.post("/auth/refresh", response={200: TokenPairOut, **ERRORS}, summary="Trade a refresh token for a new pair")
def refresh(request: HttpRequest, payload: RefreshIn) -> dict[str, Any]:
    pair = rotate_tokens(payload.refresh_token, device=_device(request))
    return {"access_token": pair.access_token, "refresh_token": pair.refresh_token, "expires_in": pair.expires_in}


@router.post("/auth/logout", response={204: None, 401: ErrorOut}, auth=bearer_auth, summary="End this session")
def logout(request: HttpRequest) -> Status[None]:
    revoke_access_token(bearer_token(request))
    return Status(204, None)


@router.post("/auth/password", response={200: MessageOut, **ERRORS}, auth=bearer_auth, summary="Change the password")
def password(request: HttpRequest, payload: PasswordChangeIn) -> dict[str, str]:
    # This login stays; the user's other tokens and web sessions end (accounts.services.end_sessions).
    change_password(
        auth_user(request),
        old_password=payload.old_password,
        new_password=payload.new_password,
        keep_token=bearer_token(request),
    )
    return {"message": _("Đã đổi mật khẩu.")}


@router.post(
    "/auth/password-reset",
    response={202: MessageOut, 400: ErrorOut, 422: ErrorOut},
    summary="Text a reset code when login and phone match; the same answer either way",
)
def password_reset(request: HttpRequest, payload: PasswordResetIn) -> Status[dict[str, str]]:
    request_password_reset(payload.username, payload.phone)
    message = _("Nếu thông tin khớp với một tài khoản, mã OTP sẽ được gửi tới số điện thoại đó.")
    return Status(202, {"message": message})


@router.post(
    "/auth/password-reset/confirm",
    response={200: MessageOut, **ERRORS},
    summary="Set a new password with the code sent by SMS",
)
def password_reset_confirm(request: HttpRequest, payload: PasswordResetConfirmIn) -> dict[str, str]:
    confirm_password_reset(payload.username, payload.otp, payload.new_password)
    return {"message": _("Đã đặt lại mật khẩu. Hãy đăng nhập bằng mật khẩu mới.")}
