from django.contrib import admin
from django.urls import include, path

from api.urls import api
from registry.cardkeys import card_keys_view
from vssid import views

admin.site.site_header = "VssID — Quản trị"
admin.site.site_title = "VssID"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(".well-known/vssid-card-keys.json", card_keys_view, name="card_keys"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include("counter.urls")),
    path("", include("enrollment.urls")),
    path("", include("accounts.urls")),
    path("", include("citizen.urls_card")),
    path("", include("citizen.urls_history")),
    path("", include("citizen.urls_estimate")),
    path("", include("citizen.urls_calculators")),
    path("", include("citizen.urls_services")),
    path("", include("citizen.urls_lookup_sms")),
    path("", include("registry.urls_lookup")),
    path("", include("support.urls")),
    path("", include("employers.urls")),
    path("", include("declarations.urls")),
    path("staff/ho-tro/", include("support.urls_staff")),
    path("staff/", include("enrollment.urls_staff")),
    path("admin/", admin.site.urls),
]

handler400 = "vssid.views.bad_request"
handler404 = "vssid.views.not_found"
handler500 = "vssid.views.server_error"
