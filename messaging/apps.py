from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Tin nhắn (messaging)"

    def ready(self) -> None:
        from messaging import checks  # noqa: F401  (registers the settings check)
