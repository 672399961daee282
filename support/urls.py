from django.urls import path

from support import views

app_name = "support"
urlpatterns = [
    path("ho-tro/", views.index, name="index"),
    path("ho-tro/yeu-cau/", views.tickets, name="tickets"),
    path("ho-tro/yeu-cau/<int:pk>/", views.ticket, name="ticket"),
    path("thong-bao/", views.notifications, name="notifications"),
    path("thong-bao/da-doc/", views.mark_read, name="mark_all_read"),
    path("thong-bao/<int:pk>/da-doc/", views.mark_read, name="mark_read"),
]
