from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    """A logged-in user whose password was issued by someone else changes it before anything else.

    Covers the password texted on approval and any reset by staff (User.must_change_password).
    Only the change page, logout, the language switch and static files stay reachable; the JSON
    API answers 403 password_change_required by itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            change, logout = reverse("accounts:password_change"), reverse("accounts:logout")
            exempt = (change, logout, settings.STATIC_URL, "/i18n/", "/api/")
            if not request.path.startswith(exempt):
                return redirect(change)
        return self.get_response(request)
