from django.urls import path

from citizen import views_card

app_name = "card"
urlpatterns = [
    path("ca-nhan/the-bhyt/", views_card.card, name="card"),
    path("manifest.webmanifest", views_card.manifest, name="manifest"),
    path("sw.js", views_card.service_worker, name="sw"),
]
