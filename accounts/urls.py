from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("dang-nhap/", views.login_view, name="login"),
    path("dang-xuat/", views.logout_view, name="logout"),
    path("doi-mat-khau/", views.password_change, name="password_change"),
    path("quen-mat-khau/", views.password_reset, name="password_reset"),
    path("quen-mat-khau/ma-otp/", views.password_reset_confirm, name="password_reset_confirm"),
    path("tai-khoan/", views.home, name="home"),
]

# Citizen self-service: devices and "who viewed my data".
urlpatterns += [
    path("tai-khoan/thiet-bi/", views.devices, name="devices"),
    path("tai-khoan/thiet-bi/<int:token_id>/dang-xuat/", views.device_revoke, name="device_revoke"),
    path("tai-khoan/ai-da-xem/", views.viewers, name="viewers"),
]

# Office leads: logins for employers' HR clerks.
urlpatterns += [
    path("lanh-dao/moi-can-bo-nhan-su/", views.invite_hr_clerk, name="invite_hr"),
]
