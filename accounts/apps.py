from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Tài khoản (accounts)"

    def ready(self) -> None:
        # Imported in ready(), as Django requires: these modules use models, not loaded before now.
        from accounts import reissue
        from messaging.delivery import register_reissuer
        from messaging.models import SmsKind

        # Messaging cannot import us (style.md §4); it calls these when a password or reset code
        # may or may not have reached the citizen.
        register_reissuer(SmsKind.ACCOUNT_PASSWORD, reissue.reissue_password)
        register_reissuer(SmsKind.PASSWORD_RESET_OTP, reissue.reissue_reset_code)
