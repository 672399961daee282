"""Page guards shared by every app: who may open a citizen page or a back-office page.

Anonymous people are sent to the login page; a logged-in user of the wrong kind gets a 404, so
a page never tells an outsider that it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import User

View = Callable[..., HttpResponse]


def _guard(admits: Callable[[User], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not isinstance(user, User) or not admits(user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def is_office_staff(user: User) -> bool:
    """A clerk or lead of an office."""
    return user.role in (User.Role.STAFF, User.Role.LEAD) and bool(user.office_id)


def is_citizen(user: User) -> bool:
    """A citizen login tied to a person of the register."""
    return user.role == User.Role.CITIZEN and bool(user.person_id)


def is_office_lead(user: User) -> bool:
    """A lead of an office (campaign dashboard, HR invitations)."""
    return user.role == User.Role.LEAD and bool(user.office_id)


def is_facility(user: User) -> bool:
    """A health facility's counter login (card checks)."""
    return user.role == User.Role.FACILITY and bool(user.facility_id)


staff_only = _guard(is_office_staff)
lead_only = _guard(is_office_lead)
citizen_only = _guard(is_citizen)
facility_only = _guard(is_facility)
