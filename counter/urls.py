from django.urls import path

from counter import views, views_fhir, views_gateway

app_name = "counter"
urlpatterns = [
    path("kiem-tra-the/", views.counter_page, name="page"),
    path("kiem-tra-the/kiem-tra/", views.counter_check, name="check"),
    path("kiem-tra-the/sw.js", views.service_worker, name="sw"),
    path("tai-khoan/thong-bao-kiem-tra-the/", views.notice_setting, name="notice_setting"),
    # The gateway-compatible doors (domain.md §3.9), at the paths existing hospital software calls.
    path("api/token/take", views_gateway.token_take, name="token_take"),
    path("api/egw/KQNhanLichSuKCB2024", views_gateway.check_history, name="egw_check"),
    # FHIR R4 (4.0.1).
    path("fhir/metadata", views_fhir.metadata, name="fhir_metadata"),
    path("fhir/Patient/<str:pid>", views_fhir.patient_read, name="fhir_patient"),
    path("fhir/Patient", views_fhir.patient_search, name="fhir_patient_search"),
    path("fhir/Coverage/<str:cid>", views_fhir.coverage_read, name="fhir_coverage"),
    path("fhir/Coverage", views_fhir.coverage_search, name="fhir_coverage_search"),
    path("fhir/CoverageEligibilityRequest", views_fhir.eligibility, name="fhir_eligibility"),
]
