"""A password-reset OTP whose delivery became uncertain is replaced by a new code, never sent twice."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from enrollment.tests.web_support import BINH_PHONE, login, sms_of, use_files
from messaging.backends import FileBackend, Sms
from messaging.delivery import deliver_due_messages
from messaging.models import Message, Status

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Hoa-Sen-2027"


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


def reset_with(client: Client, otp: str) -> Any:
    return client.post(
        "/quen-mat-khau/ma-otp/",
        {"username": "0198765432", "otp": otp, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )


def test_a_reset_otp_whose_worker_died_mid_send_is_replaced_not_resent(client: Client, sms_file: Path) -> None:
    assert client.post("/quen-mat-khau/", {"username": "0198765432", "phone": "0987654321"}).status_code == 302
    message = Message.objects.get(kind="password_reset_otp", to=BINH_PHONE, status=Status.PENDING)
    old = message.secret
    # A worker claimed it, the gateway took it, the worker died before recording that.
    Message.objects.filter(pk=message.pk).update(status=Status.SENDING, claimed_at=timezone.now() - dt.timedelta(minutes=6))
    FileBackend(sms_file).send(Sms(to=message.to, kind=message.kind, body=message.body, created_at=message.created_at))

    deliver_due_messages()

    bodies = sms_of("password_reset_otp", BINH_PHONE)
    assert bodies.count(message.body) == 1 and len(bodies) == 2
    new = re.findall(r"\b\d{6}\b", bodies[1])[0]
    assert new != old
    assert "khong con dung duoc" in bodies[1]
    message.refresh_from_db()
    assert (message.status, message.secret) == (Status.UNCERTAIN, "")

    assert reset_with(client, old).status_code == 400
    assert reset_with(client, new).status_code == 302
    assert login(Client(), "0198765432", NEW_PASSWORD).status_code == 302
    deliver_due_messages()
    assert len(sms_of("password_reset_otp", BINH_PHONE)) == 2


def test_a_reset_otp_superseded_by_a_newer_request_is_not_replaced(client: Client, sms_file: Path) -> None:
    form = {"username": "0198765432", "phone": "0987654321"}
    client.post("/quen-mat-khau/", form)
    stuck = Message.objects.get(kind="password_reset_otp", to=BINH_PHONE, status=Status.PENDING)
    Message.objects.filter(pk=stuck.pk).update(status=Status.SENDING, claimed_at=timezone.now() - dt.timedelta(minutes=6))
    client.post("/quen-mat-khau/", form)  # Binh asked again: that code replaced the stuck one already

    deliver_due_messages()

    [body] = sms_of("password_reset_otp", BINH_PHONE)
    assert Message.objects.filter(kind="password_reset_otp").count() == 2
    assert reset_with(client, re.findall(r"\b\d{6}\b", body)[0]).status_code == 302
