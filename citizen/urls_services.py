from django.urls import path

from citizen import views_services

app_name = "services"
urlpatterns = [
    path("dich-vu-cong/", views_services.index, name="index"),
]
