"""vssid.urls plus `GET /bench/person/<id>`: the bare primary-key look-up that bench/card_check.py
measures the card check against (served only under bench.settings_card_check)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from registry.models import Person
from vssid import urls


def person_by_pk(request: HttpRequest, pk: int) -> HttpResponse:
    row = Person.objects.filter(pk=pk).values("id", "ssn").first()
    if row is None:
        return JsonResponse({"code": "not_found"}, status=404)
    return JsonResponse(row)


urlpatterns = [path("bench/person/<int:pk>", person_by_pk), *urls.urlpatterns]
handler400 = urls.handler400
handler404 = urls.handler404
handler500 = urls.handler500
