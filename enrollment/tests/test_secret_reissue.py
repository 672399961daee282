"""A password or registration OTP whose delivery became uncertain is replaced, never sent twice."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from enrollment.models import Registration
from enrollment.tests.web_support import AN_PHONE, login, post_registration, register_and_confirm, sms_of, use_files
from messaging import backends
from messaging.backends import FileBackend, Sms
from messaging.delivery import deliver_due_messages
from messaging.models import Message, Status
from messaging.tests.conftest import serve_gateway

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
SSN = "0123456789"


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


def password_of(body: str) -> str:
    match = re.search(r"Mat khau(?: moi)?: (\S+?)\.", body)
    assert match, body
    return match.group(1)


def approve(client: Client) -> Registration:
    """An registered, confirmed, received and approved; the password SMS is queued, not yet sent."""
    reference = register_and_confirm(client)
    clerk = Client()
    assert login(clerk, "canbo.dongda").status_code == 302
    clerk.post(f"/staff/ho-so/{reference}/tiep-nhan/", headers=HTMX)
    clerk.post(f"/staff/ho-so/{reference}/duyet/", headers=HTMX)
    registration = Registration.objects.get(reference=reference)
    assert registration.status == Registration.Status.APPROVED
    return registration


def die_while_sending(message: Message, sms_file: Path) -> None:
    """A worker claimed the message, the gateway took it, and the worker died before recording that."""
    claimed_at = timezone.now() - dt.timedelta(minutes=6)
    assert Message.objects.filter(pk=message.pk, status=Status.PENDING).update(status=Status.SENDING, claimed_at=claimed_at)
    FileBackend(sms_file).send(Sms(to=message.to, kind=message.kind, body=message.body, created_at=message.created_at))


def test_a_password_whose_worker_died_mid_send_is_replaced_not_resent(client: Client, sms_file: Path) -> None:
    registration = approve(client)
    message = Message.objects.get(dedupe_key=f"account_password:{registration.pk}")
    die_while_sending(message, sms_file)
    old = password_of(message.body)

    deliver_due_messages()

    bodies = sms_of("account_password")
    assert bodies.count(message.body) == 1  # the old password went out once, by the dead worker
    assert len(bodies) == 2
    new = password_of(bodies[1])
    assert new != old
    assert "khong con dung duoc" in bodies[1]
    assert login(Client(), SSN, old).status_code != 302
    assert login(Client(), SSN, new).status_code == 302  # and the first login asks to change it
    message.refresh_from_db()
    assert (message.status, message.secret) == (Status.UNCERTAIN, "")
    assert old not in message.body
    assert Message.objects.get(reissue_of=message).dedupe_key == f"account_password:{registration.pk}:2"

    deliver_due_messages()  # nothing more, however often the worker runs
    assert len(sms_of("account_password")) == 2


def test_a_password_already_changed_by_its_owner_is_not_replaced(client: Client, sms_file: Path) -> None:
    registration = approve(client)
    message = Message.objects.get(dedupe_key=f"account_password:{registration.pk}")
    die_while_sending(message, sms_file)
    old = password_of(message.body)
    # The SMS did arrive: An logged in and chose his own password before the stuck row was noticed.
    assert login(client, SSN, old).status_code == 302
    client.post("/doi-mat-khau/", {"old_password": old, "new_password": "Hoa-Sen-2027", "new_password2": "Hoa-Sen-2027"})

    deliver_due_messages()

    assert sms_of("account_password") == [message.body]
    assert login(Client(), SSN, "Hoa-Sen-2027").status_code == 302
    assert Message.objects.get(pk=message.pk).status == Status.UNCERTAIN


def test_a_registration_otp_lost_in_a_gateway_timeout_is_replaced(
    client: Client, settings: Any, sms_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backends, "HTTP_TIMEOUT", 0.5)
    with serve_gateway() as gateway:
        # The gateway reads the request and never answers: it may have sent the SMS, or not.
        settings.SMS_BACKEND, settings.SMS_HTTP_URL, settings.SMS_HTTP_TOKEN = "http", gateway.url, "token"
        gateway.hang = True
        response = post_registration(client)
        assert response.status_code == 302
        reference = str(response["Location"]).split("/")[2]
        deliver_due_messages()
        [request] = gateway.requests
        old = re.findall(r"\b\d{6}\b", request["json"]["body"])[0]

        # The gateway is back (as a file); the old code is not sent again, a new one is.
        settings.SMS_BACKEND = "file"
        deliver_due_messages()
        assert len(gateway.requests) == 1
    [body] = sms_of("registration_otp")
    new = re.findall(r"\b\d{6}\b", body)[0]
    assert new != old
    assert "khong con dung duoc" in body

    refused = client.post(f"/dang-ky/{reference}/xac-nhan/", {"otp": old})
    assert refused.status_code == 400
    confirmed = client.post(f"/dang-ky/{reference}/xac-nhan/", {"otp": new})
    assert confirmed.status_code == 302 and confirmed["Location"] == f"/dang-ky/{reference}/"
    deliver_due_messages()
    assert len(sms_of("registration_otp")) == 1


def test_a_registration_otp_whose_worker_died_is_replaced(client: Client, sms_file: Path) -> None:
    response = post_registration(client)
    reference = str(response["Location"]).split("/")[2]
    message = Message.objects.get(kind="registration_otp", to=AN_PHONE, status=Status.PENDING)
    die_while_sending(message, sms_file)
    old = message.secret

    deliver_due_messages()

    bodies = sms_of("registration_otp")
    assert bodies.count(message.body) == 1 and len(bodies) == 2
    new = re.findall(r"\b\d{6}\b", bodies[1])[0]
    assert new != old
    assert client.post(f"/dang-ky/{reference}/xac-nhan/", {"otp": old}).status_code == 400
    assert client.post(f"/dang-ky/{reference}/xac-nhan/", {"otp": new}).status_code == 302
