from django.urls import path

from citizen import views_calculators as views

app_name = "calculators"
urlpatterns = [
    path("tinh-toan/", views.index, name="index"),
    path("tinh-toan/tuoi-nghi-huu/", views.pension_age, name="pension_age"),
    path("tinh-toan/bhxh-tu-nguyen/", views.voluntary, name="voluntary"),
    path("tinh-toan/bhyt-ho-gia-dinh/", views.household, name="household"),
    path("tinh-toan/the-bhyt-chi-tra/", views.card_pays, name="card_pays"),
    path("tinh-toan/gia-tri-the-bhyt/", views.card_validity, name="card_validity"),
    path("tinh-toan/tro-cap-that-nghiep/", views.unemployment, name="unemployment"),
    path("tinh-toan/luong-huu/", views.pension, name="pension"),
]
