"""The directory look-up pages; registry.urls_lookup serves them with the BHXH-code page under the namespace "lookup"."""

from django.urls import path

from places import views

urlpatterns = [
    path("tra-cuu/", views.index, name="index"),
    path("tra-cuu/co-quan-bhxh/", views.offices, name="offices"),
    path("tra-cuu/co-so-kcb/", views.facilities, name="facilities"),
    path("tra-cuu/diem-thu/", views.collection_points, name="collection_points"),
]
