from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = "Đăng ký giao dịch điện tử (enrollment)"
