"""Budgets of the registration: OTP SMS per phone and per person, submissions and matches per
address, failed matches per identity; and one answer for every mismatch (no identity oracle)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from api.tests.support import AN, API, error, photos, post_json, sms_of
from enrollment import services
from enrollment.models import Registration
from enrollment.tests.web_support import AN_PHONE, post_registration, use_files
from messaging.models import Message
from vssid.ratelimit import Rate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


def submit(client: Client, *, address: str = "203.0.113.7", **fields: str) -> Any:
    data: dict[str, Any] = {**AN, **fields, **photos()}
    return client.post(f"{API}/registrations", data, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="vi")


def stored_files(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_otp_sms_to_one_phone_stop_at_five_an_hour_across_submissions(client: Client, settings: Any) -> None:
    references = [submit(client).json()["reference"] for _ in range(5)]
    body = error(submit(client), 429, "otp_rate_limited")
    assert "thử lại sau" in body["message"]
    assert len(sms_of("registration_otp")) == 5
    # Nothing half-saved: the last accepted form is still the one waiting, with its photos.
    assert list(Registration.objects.filter(ssn=AN["ssn"]).values_list("reference", flat=True)) == [references[-1]]


def test_otp_sms_for_one_person_stop_whatever_the_phone(client: Client) -> None:
    for n in range(5):
        assert submit(client, phone=f"091234560{n}").status_code == 201
    error(submit(client, phone="0912345609"), 429, "otp_rate_limited")
    assert not sms_of("registration_otp", "+84912345609")


def test_the_daily_budget_holds_when_the_hourly_one_restarts(client: Client) -> None:
    start = timezone.now()
    sent = 0
    for hour in range(3):
        with time_machine.travel(start + dt.timedelta(minutes=61 * hour), tick=False):
            for _ in range(5):
                response = submit(client, address=f"203.0.113.{10 + hour}")
                if response.status_code == 201:
                    sent += 1
                else:
                    error(response, 429, "otp_rate_limited")
    assert sent == 10 and Message.objects.filter(kind="registration_otp", to=AN_PHONE).count() == 10


def test_resending_counts_towards_the_phone_budget(client: Client) -> None:
    first = submit(client).json()["reference"]
    for _ in range(2):
        assert client.post(f"/dang-ky/{first}/xac-nhan/", {"resend": "1"}).status_code == 302
    second = submit(client).json()["reference"]
    assert client.post(f"/dang-ky/{second}/xac-nhan/", {"resend": "1"}).status_code == 302
    assert len(sms_of("registration_otp")) == 5
    response = client.post(f"/dang-ky/{second}/xac-nhan/", {"resend": "1"})
    assert response.status_code == 429 and "quá nhiều mã OTP" in response.content.decode()
    assert len(sms_of("registration_otp")) == 5


def test_submissions_per_address_are_limited(client: Client) -> None:
    with mock.patch.object(services, "SUBMISSIONS_PER_ADDRESS", (Rate("test_submit_address", 2, dt.timedelta(hours=1)),)):
        assert submit(client, phone="0912345601").status_code == 201
        assert submit(client, phone="0912345602").status_code == 201
        body = error(submit(client, phone="0912345603"), 429, "too_many_requests")
        assert "địa chỉ mạng" in body["message"]
        assert not sms_of("registration_otp", "+84912345603")
        assert submit(client, phone="0912345603", address="198.51.100.1").status_code == 201


def test_matching_is_throttled_per_address(client: Client) -> None:
    for n in range(10):
        error(submit(client, ssn=f"09999999{n:02d}"), 409, "data_mismatch")
    error(submit(client), 429, "too_many_requests")
    assert submit(client, address="198.51.100.2").status_code == 201


def test_failed_matches_spend_the_budget_of_the_identity_from_any_address(client: Client) -> None:
    for n in range(5):
        error(submit(client, address=f"198.51.100.{n}", date_of_birth=f"1990-05-{13 + n}"), 409, "data_mismatch")
    # Even the right data is refused now: a success would confirm the guess.
    body = error(submit(client, address="198.51.100.99"), 429, "too_many_attempts")
    assert "1900 9068" in body["message"]
    assert not Registration.objects.filter(ssn=AN["ssn"]).exists()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61), tick=False):
        assert submit(client, address="198.51.100.99").status_code == 201


def test_an_unknown_code_and_a_known_one_with_other_data_answer_alike(client: Client) -> None:
    answers = [
        submit(client, ssn="0999999999", address="198.51.100.3"),
        submit(client, ssn="", cccd="001099999999", address="198.51.100.4"),
        submit(client, full_name="Nguyễn Văn Anh", address="198.51.100.5"),
        submit(client, cccd="001090099999", address="198.51.100.6"),
    ]
    bodies = [error(response, 409, "data_mismatch") for response in answers]
    assert all(body == bodies[0] for body in bodies) and bodies[0]["fields"] == {}


def test_the_identity_is_matched_before_any_photo_is_checked(client: Client) -> None:
    with mock.patch("enrollment.services.check_photo", autospec=True) as clean:
        data: dict[str, Any] = {**AN, "date_of_birth": "1990-05-13", **photos()}
        error(client.post(f"{API}/registrations", data), 409, "data_mismatch")
    clean.assert_not_called()


def test_a_refusal_by_budget_is_a_page_too(client: Client) -> None:
    for n in range(10):
        post_registration(client, ssn=f"09999999{n:02d}")
    response = post_registration(client)
    assert response.status_code == 429 and "Vui lòng thử lại sau" in response.content.decode()


def test_confirming_is_unaffected_by_the_budgets(client: Client) -> None:
    reference = submit(client).json()["reference"]
    code = sms_of("registration_otp")[-1].split("la ")[1][:6]
    assert post_json(client, f"/registrations/{reference}/confirm", {"otp": code}).status_code == 200
