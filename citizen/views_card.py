"""The citizen's health-insurance card page, offline-capable (web app manifest + service worker).

Offline: /sw.js keeps the last card page fetched online in the Cache API and serves it when the
network fails. Privacy on shared phones: the service worker drops that cache when it sees a
request to the logout or login pages (accounts' forms post there) and when a card page answers
with anything but the card (logged out elsewhere, another user); the page can also send it a
"clear" message (templates/card/sw.js).
"""

from __future__ import annotations

import json
from typing import cast

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import User
from registry.card import NoActiveCard, card_for_citizen

CACHE_NAME = "vssid-card-v1"
USE_PARAM = "su-dung"
IMAGE_PARAM = "hinh-anh"

# The share of the cost the fund pays at each benefit level (domain.md §3.4, the levels printed on
# the card), shown beside the level; the full text of the rights is CardView.benefit_text.
LEVEL_SHARE = {1: 100, 2: 100, 3: 95, 4: 80, 5: 100}


def card_number_groups(number: str) -> list[str]:
    """The 15-character number as a person reads it aloud: group and level, province, BHXH code
    (``DN4 01 0123456789``). The groups are spans spaced by CSS, so a copied number has no spaces."""
    if len(number) == 15:
        return [number[:3], number[3:5], number[5:]]
    return [number]


def qr_svg(payload: str, *, title: str) -> str:
    """The QR as inline SVG, sized by CSS (viewBox only), dark on white with a 4-module quiet zone."""
    qr = segno.make(payload, error="m", micro=False)
    return qr.svg_inline(scale=1, border=4, omitsize=True, dark="#000", light="#fff", title=title, svgclass="qr-svg")


@never_cache
@login_required
@require_GET
def card(request: HttpRequest) -> HttpResponse:
    fetched_at = timezone.localtime()
    use_mode = request.GET.get(USE_PARAM) == "1"
    image_mode = not use_mode and request.GET.get(IMAGE_PARAM) == "1"
    context: dict[str, object] = {
        "fetched_at": fetched_at,
        "use_mode": use_mode,
        "use_param": USE_PARAM,
        "image_mode": image_mode,
        "image_param": IMAGE_PARAM,
    }
    try:
        # Anyone but a citizen (staff, HR, lead) gets a 404 from card_for_citizen.
        view = card_for_citizen(cast(User, request.user), today=fetched_at.date())
    except NoActiveCard:
        return render(request, "card/no_card.html", context, status=200)
    context["card"] = view
    context["number_groups"] = card_number_groups(view.card_number)
    context["share"] = LEVEL_SHARE.get(view.level)
    title = _("Mã QR thẻ BHYT %(number)s") % {"number": view.card_number}
    context["qr_svg"] = mark_safe(qr_svg(view.qr_payload, title=title))  # noqa: S308 - segno's own markup; the payload is only in path data
    return render(request, "card/card.html", context)


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    body = {
        "name": "VssID – " + _("Bảo hiểm xã hội số"),
        "short_name": "VssID",
        "description": _("Thẻ BHYT, quá trình tham gia và tra cứu BHXH."),
        "lang": "vi",
        "start_url": reverse("card:card"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f5f7fa",
        "theme_color": "#0b4f9c",
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any maskable"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
        ],
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@never_cache
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    config = {
        "cacheName": CACHE_NAME,
        "cardPath": reverse("card:card"),
        "clearPaths": [reverse("accounts:logout"), reverse("accounts:login")],
        "assets": [static("css/app.css"), static("js/card-offline.js")],
        # The page shown for any other page opened without network.
        "offline": {
            "lang": get_language() or "vi",
            "title": _("Không có kết nối mạng"),
            "text": _("Trang này cần mạng. Thẻ BHYT đã lưu trên máy vẫn dùng được khi không có mạng."),
            "link": _("Mở thẻ BHYT đã lưu"),
            "none": _("Máy này chưa lưu thẻ BHYT: hãy mở thẻ một lần khi có mạng để dùng được cả khi mất mạng."),
        },
    }
    # json.dumps of our own paths: a JavaScript literal, nothing user-supplied.
    context = {"config": mark_safe(json.dumps(config))}  # noqa: S308
    response = render(request, "card/sw.js", context, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
