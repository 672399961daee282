from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = "Đăng ký giao dịch điện tử (enrollment)"

    def ready(self) -> None:
        # Imported in ready(), as Django requires: these modules use models, not loaded before now.
        from enrollment import reissue
        from messaging.delivery import register_reissuer
        from messaging.models import SmsKind

        # Messaging cannot import us (style.md §4); it calls this when a registration OTP may or
        # may not have reached the citizen.
        register_reissuer(SmsKind.REGISTRATION_OTP, reissue.reissue_registration_code)
