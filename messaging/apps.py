from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Tin nhắn (messaging)"

    def ready(self) -> None:
        # Imported in ready(), as Django requires for system checks: importing registers it.
        from messaging import checks  # noqa: F401
