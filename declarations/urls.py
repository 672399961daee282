from django.urls import path

from declarations import views

app_name = "declarations"
urlpatterns = [
    path("don-vi/ke-khai/", views.employer_dossiers, name="dossiers"),
    path("don-vi/ke-khai/<int:dossier_id>/", views.employer_dossier, name="dossier"),
    path("don-vi/c12/<str:period>.pdf", views.employer_statement_pdf, name="statement_pdf"),
    path("don-vi/c12/<str:period>/", views.employer_statement, name="statement"),
    path("staff/ke-khai/", views.staff_queue, name="staff_queue"),
    path("staff/ke-khai/<int:dossier_id>/", views.staff_dossier, name="staff_dossier"),
    path("staff/nop-tien/", views.staff_payments, name="staff_payments"),
    path("ca-nhan/thong-bao-dong/", views.citizen_alerts, name="citizen_alerts"),
]
