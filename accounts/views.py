"""Login, logout, password change and reset, and the citizen's account page."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import onboarding, selfservice
from accounts.decorators import lead_only
from accounts.devicenames import device_name
from accounts.forms import (
    InviteClerkForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetConfirmForm,
    PasswordResetRequestForm,
)
from accounts.models import User
from accounts.services import (
    ENDED_ELSEWHERE,
    AccountError,
    authenticate_login,
    change_password,
    confirm_password_reset,
    end_other_sessions,
    request_password_reset,
)
from vssid.clientip import client_ip
from vssid.masking import mask_tail
from vssid.nav import landing_url

BACKEND = "accounts.backends.IdentifierBackend"
RESET_LOGIN_KEY = "password_reset_login"


def _landing(user: User) -> str:
    """Where the user works: vssid.nav.LANDING, one line per role."""
    return landing_url(user.role)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _apply(form: LoginForm | PasswordChangeForm | PasswordResetConfirmForm | InviteClerkForm, error: AccountError) -> None:
    for name, problems in error.fields.items():
        if name in form.fields:
            for problem in problems:
                form.add_error(name, problem)


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST if request.method == "POST" else None)
    error: AccountError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            user = authenticate_login(form.cleaned_data["username"], form.cleaned_data["password"], ip=client_ip(request))
        except AccountError as exc:
            error = exc
        else:
            login(request, user, backend=BACKEND)
            # One device at a time: the session just created is the citizen's only one.
            end_other_sessions(user, keep_session=request.session.session_key or "")
            return redirect(_safe_next(request) or _landing(user))
    # A login on another device ended this browser's session (one device at a time): say so, once.
    ended_elsewhere = bool(request.session.pop(ENDED_ELSEWHERE, False))
    context = {"form": form, "error": error, "next": _safe_next(request), "ended_elsewhere": ended_elsewhere}
    status = 200 if request.method == "GET" else (error.status if error else 400)
    return render(request, "accounts/login.html", context, status=status)


@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        logout(request)
        messages.info(request, _("Bạn đã đăng xuất."))
        return redirect("home")
    return render(request, "accounts/logout.html")


@never_cache
@login_required
@sensitive_post_parameters("old_password", "new_password", "new_password2")
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    error: AccountError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            change_password(
                user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                keep_session=request.session.session_key or "",
            )
        except AccountError as exc:
            error = exc
            _apply(form, exc)
        else:
            # The session is bound to the password hash: re-bind it (a new key), and keep it the one device.
            update_session_auth_hash(request, user)
            end_other_sessions(user, keep_session=request.session.session_key or "")
            messages.success(request, _("Đã đổi mật khẩu."))
            return redirect(_landing(user))
    context = {"form": form, "error": error, "forced": user.must_change_password}
    status = 200 if request.method == "GET" else 400
    return render(request, "accounts/password_change.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Step 1: the login and the phone on file. The answer never says whether they matched."""
    form = PasswordResetRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        request_password_reset(form.cleaned_data["username"], form.cleaned_data["phone"])
        request.session[RESET_LOGIN_KEY] = form.cleaned_data["username"]
        return redirect("accounts:password_reset_confirm")
    return render(request, "accounts/password_reset.html", {"form": form}, status=200 if request.method == "GET" else 400)


@never_cache
@sensitive_post_parameters("otp", "new_password", "new_password2")
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the SMS and a new password."""
    initial = {"username": request.session.get(RESET_LOGIN_KEY, "")}
    form = PasswordResetConfirmForm(request.POST if request.method == "POST" else None, initial=initial)
    error: AccountError | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            confirm_password_reset(data["username"], data["otp"], data["new_password"])
        except AccountError as exc:
            error = exc
            _apply(form, exc)
        else:
            request.session.pop(RESET_LOGIN_KEY, None)
            messages.success(request, _("Đã đặt lại mật khẩu. Hãy đăng nhập bằng mật khẩu mới."))
            return redirect(settings.LOGIN_URL)
    status = 200 if request.method == "GET" else (error.status if error else 400)
    return render(request, "accounts/password_reset_confirm.html", {"form": form, "error": error}, status=status)


# home: the citizen's dashboard, below with the other self-service pages.


# ---- the citizen's dashboard, devices and "who viewed my data" (citizen self-service) ----------

# The tiles of "Quản lý cá nhân". Some pages are built by other features; a tile whose URL name
# does not reverse yet is left out (see _tiles) so the dashboard works while they land.
DASHBOARD_TILES: list[tuple[str, str, str, str]] = [
    ("card:card", "Thẻ BHYT", "Số thẻ, nơi khám ban đầu, mã QR", "card"),
    ("history:participation", "Quá trình tham gia", "BHXH, BHYT, BHTN theo từng tháng", "history"),
    ("history:benefits", "Thông tin hưởng", "Một lần, ốm đau – thai sản, hằng tháng", "benefits"),
    ("history:visits", "Sổ khám chữa bệnh", "Các lần khám và chi phí", "visits"),
    ("estimate:estimate", "Ước tính chế độ", "BHXH một lần, lương hưu", "estimate"),
    ("support:notifications", "Thông báo", "Tin nhắn từ BHXH", "bell"),
    ("accounts:devices", "Thiết bị đăng nhập", "Phiên đang dùng, đăng xuất từ xa", "devices"),
    ("accounts:viewers", "Ai đã xem dữ liệu của tôi", "Cán bộ, đơn vị đã truy cập", "eye"),
    ("counter:notice_setting", "Thông báo kiểm tra thẻ", "Báo cho bạn khi cơ sở khám chữa bệnh kiểm tra thẻ BHYT", "bell"),
    ("accounts:password_change", "Đổi mật khẩu", "", "key"),
]
VIEWERS_PER_PAGE = 20


def _tiles() -> list[dict[str, str]]:
    """The dashboard tiles whose pages exist: a name that does not reverse (NoReverseMatch,
    feature not merged yet) is skipped instead of breaking the page."""
    tiles = []
    for name, title, hint, icon in DASHBOARD_TILES:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        tiles.append({"url": url, "title": _(title), "hint": _(hint) if hint else "", "name": name, "icon": icon})
    return tiles


def _citizen(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if user.role != User.Role.CITIZEN or user.person_id is None:
        raise Http404
    return user


@never_cache
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """ "Quản lý cá nhân": the citizen's header (masked identifiers) and the tiles."""
    user = cast(User, request.user)
    if user.role in (User.Role.STAFF, User.Role.LEAD):
        return redirect(landing_url(user.role))
    person = user.person
    context = {
        "account": user,
        "person": person,
        "cccd_masked": mask_tail(person.cccd) if person else "",
        "phone_masked": mask_tail(person.phone) if person else "",
        "tiles": _tiles() if person else [],
    }
    return render(request, "accounts/home.html", context)


@never_cache
@login_required
@require_http_methods(["GET"])
def devices(request: HttpRequest) -> HttpResponse:
    user = _citizen(request)
    context = {
        "tokens": [(token, device_name(token.device)) for token in selfservice.live_tokens(user)],
        "this_device": device_name(request.META.get("HTTP_USER_AGENT", "")[:200]),
        "login_at": user.last_login,
    }
    return render(request, "accounts/devices.html", context)


@login_required
@require_http_methods(["POST"])
def device_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _citizen(request)
    selfservice.revoke_own_token(user, token_id)
    messages.success(request, _("Đã đăng xuất thiết bị."))
    return redirect("accounts:devices")


@never_cache
@login_required
@require_http_methods(["GET"])
def viewers(request: HttpRequest) -> HttpResponse:
    user = _citizen(request)
    page = Paginator(selfservice.viewers_of(user), VIEWERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [selfservice.as_viewer(event) for event in page.object_list]
    return render(request, "accounts/viewers.html", {"page": page, "rows": rows})


# ---- office leads: HR clerks of the employers in the office's scope -----------------------------


@never_cache
@lead_only
@require_http_methods(["GET", "POST"])
def invite_hr_clerk(request: HttpRequest) -> HttpResponse:
    lead = cast(User, request.user)
    form = InviteClerkForm(request.POST if request.method == "POST" else None)
    error: AccountError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            clerk = onboarding.invite_hr_clerk(lead, request=request, **form.cleaned_data)
        except AccountError as exc:
            error = exc
            _apply(form, exc)
        else:
            messages.success(
                request,
                _("Đã tạo tài khoản %(username)s cho đơn vị %(employer)s và gửi mật khẩu qua SMS.")
                % {"username": clerk.username, "employer": clerk.employer_id},
            )
            return redirect("accounts:invite_hr")
    context = {"form": form, "error": error, "office": onboarding.lead_office(lead)}
    status = 200 if request.method == "GET" else (error.status if error else 400)
    return render(request, "lead/invite_hr.html", context, status=status)
