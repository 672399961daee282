from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
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
