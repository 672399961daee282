"""The admin shows the outbox read-only and never a password or OTP that is still waiting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from messaging.delivery import deliver_message
from messaging.services import queue_sms
from messaging.tests.conftest import PHONE

pytestmark = pytest.mark.django_db


def test_a_pending_secret_is_never_shown_a_delivered_body_is(admin_client_logged: Any, sms_file: Path) -> None:
    with transaction.atomic():
        message = queue_sms(
            to=PHONE, kind="account_password", body="Mat khau VssID: Qm7rT2xW9k", secret="Qm7rT2xW9k", secret_of="user:1"
        )
    url = f"/admin/messaging/message/{message.pk}/change/"

    for page in (admin_client_logged.get("/admin/messaging/message/"), admin_client_logged.get(url)):
        assert page.status_code == 200
        assert "Qm7rT2xW9k" not in page.content.decode()

    deliver_message(message.pk)
    html = admin_client_logged.get(url).content.decode()
    assert "Mat khau VssID: ******" in html
    assert "Qm7rT2xW9k" not in html


def test_the_outbox_cannot_be_edited_from_the_admin(admin_client_logged: Any) -> None:
    with transaction.atomic():
        message = queue_sms(to=PHONE, kind="notice", body="Thong bao")
    assert admin_client_logged.get("/admin/messaging/message/add/").status_code == 403
    assert admin_client_logged.post(f"/admin/messaging/message/{message.pk}/change/", {"body": "x"}).status_code == 403
    assert admin_client_logged.get(f"/admin/messaging/message/{message.pk}/delete/").status_code == 403
