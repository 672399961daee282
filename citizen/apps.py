from django.apps import AppConfig


class CitizenConfig(AppConfig):
    """The citizen's own pages: the health-insurance card, participation history, benefits, estimates."""

    name = "citizen"
    verbose_name = "Trang cá nhân"
