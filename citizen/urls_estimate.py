from django.urls import path

from citizen import views_estimate

app_name = "estimate"
urlpatterns = [
    path("ca-nhan/uoc-tinh/", views_estimate.estimate, name="estimate"),
]
