"""Helpers shared by the test suites: demo photos and reading SMS back from the file backend."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from django.conf import settings
from PIL import Image

from messaging.services import deliver_due_messages

AN_PHONE = "+84912345678"


def jpeg(width: int = 800, height: int = 600, color: tuple[int, int, int] = (40, 110, 170)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG", quality=85)
    return out.getvalue()


def sms_lines() -> list[dict[str, str]]:
    """Deliver what is due, then every SMS the file backend wrote so far."""
    deliver_due_messages()
    path = Path(settings.SMS_FILE_PATH)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sms_of(kind: str, to: str = AN_PHONE) -> list[str]:
    return [line["body"] for line in sms_lines() if line["kind"] == kind and line["to"] == to]


def last_code(kind: str, to: str = AN_PHONE) -> str:
    """The 6-digit OTP of the latest SMS of that kind."""
    bodies = sms_of(kind, to)
    if not bodies:
        raise AssertionError(f"no {kind} SMS to {to}")
    match = re.search(r"\b(\d{6})\b", bodies[-1])
    if not match:
        raise AssertionError(bodies[-1])
    return match.group(1)


def sent_password(to: str = AN_PHONE) -> str:
    """The password of the one account_password SMS sent to that phone."""
    bodies = sms_of("account_password", to)
    if len(bodies) != 1:
        raise AssertionError(bodies)
    match = re.search(r"Mat khau: (\S+?)\.", bodies[0])
    if not match:
        raise AssertionError(bodies[0])
    return match.group(1)
