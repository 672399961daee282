from django.urls import path

from citizen import views_history
from corrections import views as corrections_views

app_name = "history"
urlpatterns = [
    path("ca-nhan/qua-trinh/", views_history.participation, name="participation"),
    path("ca-nhan/qua-trinh/c14-ts.pdf", views_history.statement, name="statement"),
    path("ca-nhan/qua-trinh/<int:period_id>/phan-anh/", views_history.flag, name="flag"),
    path("ca-nhan/thong-tin-huong/", views_history.benefits, name="benefits"),
    path("ca-nhan/kham-chua-benh/", views_history.visits, name="visits"),
    path("ca-nhan/phan-anh/", views_history.flags, name="flags"),
    # The office's answers to the flags, in the namespace of the pages they are about.
    path("staff/phan-anh/", corrections_views.staff_flags, name="staff_flags"),
    path("staff/phan-anh/<int:flag_id>/", corrections_views.staff_flag_answer, name="staff_flag_answer"),
]
