from __future__ import annotations

import re
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from places.admin import FoldedSearchMixin
from registry.models import BenefitPayment, Employer, HealthCard, MedicalVisit, ParticipationPeriod, Person
from vssid.admin import ReadOnlyAdminMixin
from vssid.text import fold


class ReadOnlyHistoryMixin(ReadOnlyAdminMixin):
    """History rows come from the contribution and claims systems; a clerk reads them, never edits.

    Corrections go through a service that records who changed what (the audit trail), not the admin.
    """


class PeriodInline(ReadOnlyHistoryMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = ParticipationPeriod
    fields = ("scheme", "from_month", "to_month", "employer", "position", "salary_basis", "voluntary", "late_months")
    readonly_fields = fields
    extra = 0
    ordering = ("scheme", "from_month")


class CardInline(ReadOnlyHistoryMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = HealthCard
    fields = ("number", "initial_facility", "valid_from", "valid_to", "five_year_date", "issue_date", "status")
    readonly_fields = fields
    extra = 0


class BenefitInline(ReadOnlyHistoryMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = BenefitPayment
    fields = ("tab", "kind", "decision_number", "decision_date", "from_date", "to_date", "amount")
    readonly_fields = fields
    extra = 0


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("ssn", "cccd", "full_name", "date_of_birth_display", "sex", "province", "phone")
    search_fields = ("ssn", "cccd", "search_name")
    search_help_text = "Mã số BHXH (10 số), CCCD (12 số), số thẻ BHYT (15 ký tự) hoặc họ tên (không cần dấu)."
    list_select_related = ("province",)
    show_full_result_count = False
    readonly_fields = ("ssn", "cccd", "birth_year", "birth_month", "birth_day", "sex")
    raw_id_fields = ("ward",)
    inlines = [CardInline, PeriodInline, BenefitInline]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> tuple[QuerySet[Any], bool]:
        # An exact identifier hits a unique index; a name hits the trigram index on the folded key.
        # The default icontains over every field would scan millions of rows.
        term = search_term.strip()
        if not term:
            return queryset, False
        if re.fullmatch(r"\d{10}", term):
            return queryset.filter(ssn=term), False
        if re.fullmatch(r"\d{12}", term):
            return queryset.filter(cccd=term), False
        if re.fullmatch(r"[A-Za-z]{2}\d{13}", term):
            return queryset.filter(ssn=term[-10:]), False
        return queryset.filter(search_name__contains=fold(term)), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New people enter the register from the collection system, not from a form.
        return bool(request.user.is_superuser)


@admin.register(Employer)
class EmployerAdmin(FoldedSearchMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "participant_group", "office", "province")
    list_filter = ("participant_group", "office")
    search_fields = ("code",)
    list_select_related = ("office", "province")
    raw_id_fields = ("ward",)


@admin.register(ParticipationPeriod)
class ParticipationPeriodAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("person", "scheme", "from_month", "to_month", "employer", "salary_basis", "voluntary")
    list_filter = ("scheme", "voluntary")
    search_fields = ("person__ssn", "person__cccd")
    list_select_related = ("person", "employer")
    show_full_result_count = False


@admin.register(HealthCard)
class HealthCardAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("number", "person", "initial_facility", "valid_from", "valid_to", "status")
    list_filter = ("status", "participant_group", "level")
    search_fields = ("number", "person__ssn", "person__cccd")
    list_select_related = ("person", "initial_facility")
    show_full_result_count = False


@admin.register(BenefitPayment)
class BenefitPaymentAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("person", "kind", "decision_number", "decision_date", "amount")
    list_filter = ("tab", "kind")
    search_fields = ("person__ssn", "person__cccd", "decision_number")
    list_select_related = ("person",)
    show_full_result_count = False


@admin.register(MedicalVisit)
class MedicalVisitAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("person", "facility", "admitted_at", "diagnosis", "total_cost", "insurance_paid")
    list_filter = ("inpatient",)
    search_fields = ("person__ssn", "person__cccd")
    list_select_related = ("person", "facility")
    show_full_result_count = False
