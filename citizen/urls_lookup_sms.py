from django.urls import path

from citizen import views_lookup_sms

app_name = "ssn_sms"
urlpatterns = [
    path("tra-cuu/ma-so-bhxh/gui-sms/", views_lookup_sms.send, name="send"),
]
