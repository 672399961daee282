"""The app's URLs plus two endpoints that exist only in the bench servers (bench.settings).

- /api/bench/person/<id>: a bare ORM primary-key look-up of a person, the reference of what one
  ORM query costs through this stack (under /api/, so it takes the same lean stack as the card);
- /api/bench/caches: this worker's pid and the hits and misses of the card caches, from which
  make bench computes the hit rate of the cold card rounds.
"""

from __future__ import annotations

import os

from django.http import HttpRequest, JsonResponse
from django.urls import path

from vssid.urls import handler400, handler404, handler500  # noqa: F401
from vssid.urls import urlpatterns as app_urlpatterns


def person(request: HttpRequest, pk: int) -> JsonResponse:
    from registry.models import Person

    found = Person.objects.get(pk=pk)
    return JsonResponse({"id": found.pk, "ssn": found.ssn, "full_name": found.full_name})


def caches(request: HttpRequest) -> JsonResponse:
    from api.routers.card import _card_json
    from registry.card import _card_view

    counts = {}
    for name, cached in (("card_view", _card_view), ("card_json", _card_json)):
        info = cached.cache_info()
        counts[name] = [info.hits, info.misses]
    return JsonResponse({"pid": os.getpid(), "caches": counts})


urlpatterns = [
    path("api/bench/person/<int:pk>", person),
    path("api/bench/caches", caches),
    *app_urlpatterns,
]
