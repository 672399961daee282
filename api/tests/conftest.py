from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.tests.support import last_code, login, post_json, register


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    """Every SMS lands in a file of this test; uploads in its own media directory."""
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    settings.MEDIA_ROOT = tmp_path / "media"
    path: Path = settings.SMS_FILE_PATH
    return path


@pytest.fixture
def submitted(client: Any, db: None) -> dict[str, Any]:
    """An registered and confirmed by OTP: the confirm answer."""
    response = register(client)
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    confirmed = post_json(client, f"/registrations/{reference}/confirm", {"otp": last_code("registration_otp")})
    assert confirmed.status_code == 200, confirmed.content
    body: dict[str, Any] = confirmed.json()
    return body


@pytest.fixture
def staff_token(client: Any, db: None) -> str:
    token: str = login(client, "canbo.dongda")["access_token"]
    return token
