from django.urls import path

from support import views_staff

app_name = "support_staff"
urlpatterns = [
    path("", views_staff.queue, name="queue"),
    path("<int:pk>/", views_staff.detail, name="detail"),
    path("<int:pk>/tra-loi/", views_staff.answer, name="answer"),
    path("ho-so/<str:reference>/gui-lai-mat-khau/", views_staff.resend_password, name="resend_password"),
]
