from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = "Đăng ký giao dịch điện tử (enrollment)"

    def ready(self) -> None:
        # Imported here: models are not ready when this module loads.
        from enrollment import reissue
        from messaging.models import SmsKind
        from messaging.services import register_reissuer

        # Messaging cannot import us (style.md §4); it calls this when a registration OTP may or
        # may not have reached the citizen.
        register_reissuer(SmsKind.REGISTRATION_OTP, reissue.reissue_registration_code)
