from django.urls import path

from enrollment import urls as _citizen_urls  # noqa: F401 - registers the <reference:…> converter
from enrollment import views_staff

app_name = "staff"
urlpatterns = [
    path("", views_staff.queue, name="queue"),
    path("ho-so/<reference:reference>/", views_staff.detail, name="detail"),
    path("ho-so/<reference:reference>/anh/<str:which>/", views_staff.photo, name="photo"),
    path("ho-so/<reference:reference>/tiep-nhan/", views_staff.receive, name="receive"),
    path("ho-so/<reference:reference>/duyet/", views_staff.approve, name="approve"),
    path("ho-so/<reference:reference>/tu-choi/", views_staff.reject, name="reject"),
]
