from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """Vietnamese unless the person chose English (the language switch sets a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a phone set to
    English would never see the Vietnamese default. The JSON API still honours Accept-Language,
    which is how the mobile app asks for the language of error messages.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in self.supported:
            chosen = settings.LANGUAGE_CODE
            if request.path.startswith("/api/"):
                chosen = translation.get_language_from_request(request)
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", chosen)
        return response


class StaffSessionIdleMiddleware:
    """Sessions of those who work on other people's data end after a working day of inactivity.

    A clerk who leaves the office with the back office open must not find it open the next
    morning. Every request of such a user pushes the expiry out again (saving the session at most
    every IDLE_TOUCH, so a busy clerk does not write the session on every click). Citizens keep
    the default lifetime of SESSION_COOKIE_AGE.
    """

    IDLE_TOUCH = 300  # seconds

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            touch_staff_session(request, user)
        return self.get_response(request)


def touch_staff_session(request: HttpRequest, user: object, *, force: bool = False) -> None:
    """Push a staff session's expiry a working day out; also called at login (vssid.apps)."""
    if getattr(user, "role", None) not in settings.STAFF_SESSION_ROLES:
        return
    idle: int = settings.STAFF_SESSION_IDLE_SECONDS
    session = request.session
    now = int(time.time())
    last = session.get("_touched_at")
    stale = not isinstance(last, int) or now - last >= StaffSessionIdleMiddleware.IDLE_TOUCH
    if force or stale or session.get_expiry_age() != idle:
        session.set_expiry(idle)
        session["_touched_at"] = now


class ApiStackMiddleware:
    """What an /api/ request without cookies needs of the full stack, in one layer (vssid.wsgi).

    Such a request (a token client: the mobile app, a hospital's system) has no session, so the
    session, CSRF, message, auth-session, staff-idle and password-change middleware have nothing
    to do for it but cost a Python call each. This keeps what the API's answers still need:
    - the language of error messages from Accept-Language (as LanguageMiddleware does for /api/
      without a cookie), with `Vary: Accept-Language` and `Content-Language`;
    - `request.user` as an anonymous user until a bearer guard replaces it;
    - the Content-Security-Policy and X-Frame-Options headers of the full stack, the policy built
      once here instead of twice per response by django-csp (a response that asks for its own
      policy, through django-csp's decorators, still gets it built).
    SecurityMiddleware stays in front of it (nosniff, referrer and opener policies, HSTS, https
    redirect); tests compare the headers of both stacks response by response.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from csp.constants import HEADER, HEADER_REPORT_ONLY
        from csp.middleware import CSPMiddleware
        from csp.utils import build_policy

        self.get_response = get_response
        self.csp = CSPMiddleware(get_response)
        self.supported = {code for code, _ in settings.LANGUAGES}
        # (header, policy, excluded path prefixes, the attribute of a response exempt from it)
        self.policies: list[tuple[str, str, tuple[str, ...], str]] = []
        for header, name, report_only, exempt in (
            (HEADER, "CONTENT_SECURITY_POLICY", False, "_csp_exempt"),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True, "_csp_exempt_ro"),
        ):
            config = getattr(settings, name, None) or {}
            policy = build_policy(report_only=report_only)
            if policy:
                self.policies.append((header, policy, tuple(config.get("EXCLUDE_URL_PREFIXES") or ()), exempt))
        self.frame_options = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
        from django.contrib.auth.models import AnonymousUser  # not at import: vssid.apps imports this module

        self.anonymous = AnonymousUser

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if "HTTP_ACCEPT_LANGUAGE" in meta or "HTTP_COOKIE" in meta:
            chosen = translation.get_language_from_request(request)
        else:
            chosen = settings.LANGUAGE_CODE  # what Django answers without either, parsed for nothing
        if chosen not in self.supported:
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen
        request.user = self.anonymous()
        response = self.get_response(request)
        if response.has_header("Vary"):
            patch_vary_headers(response, ("Accept-Language",))
        else:
            response.headers["Vary"] = "Accept-Language"  # what patch_vary_headers writes, without parsing
        response.headers.setdefault("Content-Language", chosen)
        if isinstance(response, HttpResponseBase):
            self._security_headers(request, response)
        return response

    def _security_headers(self, request: HttpRequest, response: HttpResponse) -> None:
        custom = _CUSTOM_CSP.intersection(vars(response))
        if custom and any(getattr(response, name) for name in custom):
            self.csp.process_response(request, response)  # a policy of its own: django-csp's rules
        else:
            for header, policy, excluded, exempt in self.policies:
                if not getattr(response, exempt, False) and header not in response and not request.path_info.startswith(excluded):
                    response[header] = policy
        if not response.streaming and "Content-Length" not in response:
            response["Content-Length"] = str(len(response.content))  # as CommonMiddleware
        if "X-Frame-Options" not in response and not getattr(response, "xframe_options_exempt", False):
            response["X-Frame-Options"] = self.frame_options


# The response attributes of django-csp's decorators (csp_update, csp_replace, …), set on the instance.
_CUSTOM_CSP = frozenset(f"_csp_{kind}{ro}" for kind in ("config", "update", "replace") for ro in ("", "_ro"))
