"""Public directory look-up pages (/tra-cuu/…): no login; each page parses its form, calls places.lookup, renders.

Every look-up counts against the client address (places.lookup.check_budget); past the budget the
page answers 429 with a message instead of results. The BHXH-code page is registry.views_lookup's.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from places import lookup
from places.lookup_forms import CollectionPointForm, DirectoryForm, FacilityForm
from vssid.clientip import client_ip


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "lookup/index.html")


def _directory(request: HttpRequest, template: str, form: DirectoryForm, search: Any, **extra: Any) -> HttpResponse:
    filters = form.filters()
    try:
        lookup.check_budget(lookup.DIRECTORY_BUDGET, client_ip(request))
    except lookup.LookupRefused as exc:
        return render(request, template, {"form": form, "page": None, "refused": exc, **extra}, status=exc.status)
    results: QuerySet[Any] = search(filters)
    page = Paginator(results, lookup.PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {"form": form, "page": page, "refused": None, "querystring": params.urlencode(), **extra}
    return render(request, template, context)


@require_GET
def offices(request: HttpRequest) -> HttpResponse:
    form = DirectoryForm(request.GET)
    return _directory(
        request,
        "lookup/offices.html",
        form,
        lambda f: lookup.search_offices(query=f.get("q", ""), province_code=f.get("province_code", "")),
    )


@require_GET
def facilities(request: HttpRequest) -> HttpResponse:
    form = FacilityForm(request.GET)
    return _directory(
        request,
        "lookup/facilities.html",
        form,
        lambda f: lookup.search_facilities(
            query=f.get("q", ""),
            province_code=f.get("province_code", ""),
            ward_code=f.get("ward_code", ""),
            level=f.get("level", ""),
            initial_registration=True if f.get("initial_registration") else None,
            sick_leave=True if f.get("sick_leave") else None,
        ),
    )


@require_GET
def collection_points(request: HttpRequest) -> HttpResponse:
    form = CollectionPointForm(request.GET)
    return _directory(
        request,
        "lookup/collection_points.html",
        form,
        lambda f: lookup.search_collection_points(
            query=f.get("q", ""),
            province_code=f.get("province_code", ""),
            ward_code=f.get("ward_code", ""),
            kind=f.get("kind", ""),
        ),
    )
