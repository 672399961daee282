from django.urls import path

from employers import views

app_name = "employers"
urlpatterns = [
    path("don-vi/", views.worker_list, name="workers"),
    path("don-vi/moi/", views.invite, name="invite"),
    path("don-vi/nguoi-lao-dong.csv", views.workers_csv, name="workers_csv"),
    path("don-vi/huong-dan-vssid.pdf", views.instruction_sheet, name="sheet"),
    path("don-vi/phan-anh/", views.flag_list, name="flags"),
    path("don-vi/phan-anh/<int:flag_id>/", views.flag_detail, name="flag"),
    path("chien-dich/", views.campaign_dashboard, name="campaign"),
    path("chien-dich/bao-cao.csv", views.campaign_csv, name="campaign_csv"),
]
