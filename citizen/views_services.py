"""The "Dịch vụ công" tab: the procedures a person can start here, as a list of links.

One line per service; a service whose page is not part of the project (does not reverse) is left
out. Visitors see what needs no login (registering, following a registration, a forgotten
password); a logged-in citizen sees their own procedures, and no registration links.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

VISITOR = "visitor"
CITIZEN = "citizen"


@dataclass(frozen=True)
class Service:
    name: str
    """URL name, reversed without arguments."""
    title: Promise
    hint: Promise
    icon: str
    audience: str
    """VISITOR (not logged in) or CITIZEN."""


SERVICES: list[Service] = [
    Service("enrollment:register", _("Đăng ký giao dịch điện tử"), _("Tờ khai, ảnh CCCD, cơ quan BHXH"), "register", VISITOR),
    Service("enrollment:status", _("Tra cứu hồ sơ đăng ký"), _("Tình trạng hồ sơ, tải lại Tờ khai Mẫu 01"), "document", VISITOR),
    Service("accounts:password_reset", _("Quên mật khẩu"), _("Mã OTP gửi tới số điện thoại đã đăng ký"), "key", VISITOR),
    Service("history:flags", _("Báo sai, báo thiếu quá trình"), _("Các phản ánh đã gửi và câu trả lời"), "flag", CITIZEN),
    Service("estimate:estimate", _("Ước tính chế độ"), _("BHXH một lần, lương hưu"), "estimate", CITIZEN),
    Service("support:tickets", _("Yêu cầu hỗ trợ"), _("Gửi câu hỏi, xem trả lời của BHXH"), "help", CITIZEN),
    Service("accounts:password_change", _("Đổi mật khẩu"), _("Mật khẩu giao dịch điện tử"), "key", CITIZEN),
    # The public calculators need no login: both audiences see them.
    Service("calculators:index", _("Công cụ tính"), _("BHXH tự nguyện, BHYT hộ gia đình, thẻ BHYT chi trả"), "estimate", VISITOR),
    Service("calculators:index", _("Công cụ tính"), _("BHXH tự nguyện, BHYT hộ gia đình, thẻ BHYT chi trả"), "estimate", CITIZEN),
]


def services_for(audience: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for service in SERVICES:
        if service.audience != audience:
            continue
        try:
            url = reverse(service.name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "title": service.title, "hint": service.hint, "icon": service.icon})
    return items


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    audience = VISITOR if not user.is_authenticated else (CITIZEN if getattr(user, "role", "") == CITIZEN else "")
    return render(request, "citizen/services.html", {"services": services_for(audience)})
