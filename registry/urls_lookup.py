"""The public look-up pages under one namespace, "lookup": the directories of places and the BHXH code."""

from django.urls import path

from places import urls as directory_urls
from registry import views_lookup

app_name = "lookup"
urlpatterns = [
    *directory_urls.urlpatterns,
    path("tra-cuu/ma-so-bhxh/", views_lookup.ssn, name="ssn"),
]
