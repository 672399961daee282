from django.urls import path, register_converter

from enrollment import views


class ReferenceConverter:
    """A registration reference: DK and 8 Crockford characters (anything else is a plain 404)."""

    regex = "DK[0-9A-Z]{8}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "reference")

app_name = "enrollment"
urlpatterns = [
    path("dang-ky/", views.register, name="register"),
    path("dang-ky/phuong-xa/", views.wards, name="wards"),
    path("dang-ky/co-quan/", views.offices, name="offices"),
    path("dang-ky/<reference:reference>/xac-nhan/", views.confirm, name="confirm"),
    path("dang-ky/<reference:reference>/to-khai.pdf", views.form_pdf, name="form"),
    path("dang-ky/<reference:reference>/", views.done, name="done"),
    path("tra-cuu-ho-so/", views.status, name="status"),
    path("tra-cuu-ho-so/<reference:reference>/to-khai/", views.status_form, name="status_form"),
]
