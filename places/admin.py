from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from places.models import CollectionPoint, HealthFacility, Office, OfficeName, Province, ProvinceName, Ward
from vssid.text import fold


class FoldedSearchMixin:
    """Accent-insensitive search on a stored fold() key: "dong da" finds "Đống Đa"."""

    folded_field = "search_name"

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> tuple[QuerySet[Any], bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)  # type: ignore[misc]
        if search_term:
            queryset |= self.model.objects.filter(**{f"{self.folded_field}__contains": fold(search_term)})  # type: ignore[attr-defined]
        return queryset, may_have_duplicates


class ProvinceNameInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ProvinceName
    extra = 0


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "kind", "valid_from", "valid_to", "successor")
    list_filter = ("kind", ("valid_to", admin.EmptyFieldListFilter))
    search_fields = ("code", "name")
    inlines = [ProvinceNameInline]


class OfficeNameInline(admin.TabularInline):  # type: ignore[type-arg]
    model = OfficeName
    extra = 0


@admin.register(Office)
class OfficeAdmin(FoldedSearchMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "kind", "province", "phone", "valid_to", "successor")
    list_filter = ("kind", ("valid_to", admin.EmptyFieldListFilter), "province")
    search_fields = ("code", "name")
    inlines = [OfficeNameInline]


@admin.register(Ward)
class WardAdmin(FoldedSearchMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "kind", "province", "office")
    list_filter = ("kind", "province")
    search_fields = ("code", "name")
    list_select_related = ("province", "office")


@admin.register(HealthFacility)
class HealthFacilityAdmin(FoldedSearchMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "level", "province", "accepts_initial_registration", "issues_sick_leave")
    list_filter = ("level", "accepts_initial_registration", "issues_sick_leave", "province")
    search_fields = ("code", "name", "address")
    list_select_related = ("province",)
    raw_id_fields = ("ward",)


@admin.register(CollectionPoint)
class CollectionPointAdmin(FoldedSearchMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "kind", "organisation", "ward", "phone", "opening_hours")
    list_filter = ("kind", "voluntary_si", "household_hi", "province")
    search_fields = ("code", "name", "address")
    list_select_related = ("ward",)
    raw_id_fields = ("ward",)
