"""Start-up check of the SMS settings: a typo should stop `manage.py check`, not the 3 a.m. OTP."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from messaging.backends import BACKEND_NAMES


@register()
def check_sms_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    backend = settings.SMS_BACKEND
    if backend not in BACKEND_NAMES:
        return [Error(f"SMS_BACKEND is {backend!r}; use one of {', '.join(BACKEND_NAMES)}.", id="messaging.E001")]
    if backend == "smpp" and not settings.SMPP_HOST:
        return [Error("SMS_BACKEND=smpp needs SMPP_HOST (and SMPP_SYSTEM_ID, SMPP_PASSWORD).", id="messaging.E002")]
    if backend == "http" and not str(settings.SMS_HTTP_URL).startswith(("http://", "https://")):
        return [Error("SMS_BACKEND=http needs SMS_HTTP_URL (http:// or https://).", id="messaging.E003")]
    return []
