from django.urls import path

from places import views

app_name = "lookup"
urlpatterns = [
    path("tra-cuu/", views.index, name="index"),
    path("tra-cuu/ma-so-bhxh/", views.ssn, name="ssn"),
    path("tra-cuu/co-quan-bhxh/", views.offices, name="offices"),
    path("tra-cuu/co-so-kcb/", views.facilities, name="facilities"),
    path("tra-cuu/diem-thu/", views.collection_points, name="collection_points"),
]
