from django.apps import AppConfig


class CorrectionsConfig(AppConfig):
    """Citizens' reports of a wrong or missing month, and the office's and employer's answers."""

    name = "corrections"
    verbose_name = "Phản ánh quá trình tham gia"
