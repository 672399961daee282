"""Who sees which menu, and where each role lands after logging in: data, one line per link.

Citizens and visitors get the app's four bottom tabs (domain.md §1.2: Quản lý cá nhân, Dịch vụ
công, Tra cứu, Trợ giúp); the back office and the employer portal get a one-line menu of the
pages they work in, without the citizen's links. Links are URL names: a page that is not (yet)
part of the project does not reverse and is left out, so a feature adds its link here with one
line and the menu never breaks. Only names and role strings live here, so the core imports no app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Link:
    name: str
    """URL name, reversed without arguments."""
    label: Promise | str
    icon: str = ""
    """A name of vssid.icons, shown on the tabs."""
    sections: tuple[str, ...] = field(default=())
    """Other path prefixes under which this link is the current one (a tab covers its pages)."""


# The bottom tabs of the citizen app, also shown to visitors (personal pages then ask to log in).
TABS: list[Link] = [
    Link("accounts:home", _("Cá nhân"), "person", ("/ca-nhan/", "/tai-khoan/", "/thong-bao/")),
    Link("services:index", _("Dịch vụ công"), "services", ("/dang-ky/", "/tra-cuu-ho-so/")),
    Link("lookup:index", _("Tra cứu"), "search"),
    Link("support:index", _("Hỗ trợ"), "help"),
]

# The one-line menu of each back-office role: the pages they work in, nothing of the citizen's.
MENUS: dict[str, list[Link]] = {
    "staff": [
        Link("staff:queue", _("Hàng chờ")),
        Link("history:staff_flags", _("Phản ánh")),
        Link("support_staff:queue", _("Hỗ trợ")),
        Link("employers:campaign", _("Chiến dịch")),
        Link("declarations:staff_queue", _("Kê khai")),
        Link("declarations:staff_payments", _("Nộp tiền")),
    ],
    "lead": [
        Link("employers:campaign", _("Chiến dịch")),
        Link("staff:queue", _("Hàng chờ")),
        Link("history:staff_flags", _("Phản ánh")),
        Link("support_staff:queue", _("Hỗ trợ")),
    ],
    "employer": [
        Link("employers:workers", _("Người lao động")),
        Link("declarations:dossiers", _("Kê khai")),
        Link("employers:flags", _("Phản ánh")),
    ],
    "facility": [Link("counter:page", _("Kiểm tra thẻ"))],
    "admin": [Link("admin:index", _("Quản trị"))],
}

# Where each role works: the page it lands on after logging in.
LANDING: dict[str, str] = {
    "citizen": "accounts:home",
    "staff": "staff:queue",
    "lead": "employers:campaign",
    "employer": "employers:workers",
    "facility": "counter:page",
    "admin": "admin:index",
}


def landing_url(role: str) -> str:
    """The page a role lands on after logging in (the landing page for an unknown role)."""
    try:
        return reverse(LANDING.get(role, "home"))
    except NoReverseMatch:
        return reverse("home")


def role_of(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return str(getattr(user, "role", "")) or ANONYMOUS


def _resolved(links: list[Link], path: str) -> list[dict[str, Any]]:
    items = []
    for link in links:
        try:
            url = reverse(link.name)
        except NoReverseMatch:
            continue
        current = path == url or (url != "/" and path.startswith(url)) or any(path.startswith(s) for s in link.sections)
        items.append({"url": url, "label": link.label, "icon": link.icon, "current": current, "name": link.name})
    # Only the most specific match is the current page ("/staff/" and "/staff/ho-tro/" both match).
    matching = [item for item in items if item["current"]]
    if len(matching) > 1:
        best = max(matching, key=lambda item: len(str(item["url"])))
        for item in matching:
            item["current"] = item is best
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `nav_tabs` (citizen and visitor) or `nav_menu` (back office), and `nav_home`."""
    role = role_of(request)
    path = request.path
    if role == ANONYMOUS:
        return {"nav_tabs": _resolved(TABS, path), "nav_menu": [], "nav_home": reverse("home")}
    if role == "citizen":
        return {"nav_tabs": _resolved(TABS, path), "nav_menu": [], "nav_home": landing_url(role)}
    return {"nav_tabs": [], "nav_menu": _resolved(MENUS.get(role, []), path), "nav_home": landing_url(role)}
