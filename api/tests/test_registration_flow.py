"""The whole procedure through the API: register, confirm, Form 01, office, account, first login."""

from __future__ import annotations

import io
import unicodedata
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pypdf import PdfReader

from accounts.models import User
from api.tests.support import (
    AN_PHONE,
    error,
    get,
    last_code,
    login,
    post_json,
    register,
    sent_password,
    sms_lines,
    sms_of,
)
from enrollment.models import Registration


def test_it_walks_from_registration_to_a_working_account(client: Any, db: None) -> None:
    # 1. The person registers with three photos: an OTP goes to the phone.
    response = register(client)
    assert response.status_code == 201, response.content
    created = response.json()
    reference = created["reference"]
    assert created["status"] == "awaiting_confirmation"
    assert created["confirm_url"] == f"http://testserver/api/v1/registrations/{reference}/confirm"
    otp_sms = sms_of("registration_otp")
    assert len(otp_sms) == 1 and otp_sms[0].isascii() and len(otp_sms[0]) <= 160

    # 2. The OTP confirms it: submitted, a deadline and a link to Form 01.
    response = post_json(client, f"/registrations/{reference}/confirm", {"otp": last_code("registration_otp")})
    assert response.status_code == 200, response.content
    confirmed = response.json()
    assert confirmed["reference"] == reference and confirmed["status"] == "submitted"
    registration = Registration.objects.get(reference=reference)
    assert registration.deadline is not None
    assert confirmed["deadline"] == registration.deadline.isoformat()
    form_url = urlsplit(confirmed["form_url"])
    assert form_url.scheme == "http" and form_url.netloc == "testserver"
    assert form_url.path == f"/dang-ky/{reference}/to-khai.pdf"
    token = parse_qs(form_url.query)["token"][0]

    # 3. Form 01 as a PDF, with the person's name on it.
    response = client.get(f"/api/v1/registrations/{reference}/form.pdf", {"token": token})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = unicodedata.normalize("NFC", "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages))
    assert "Nguyễn Văn An" in text and reference in text
    error(client.get(f"/api/v1/registrations/{reference}/form.pdf", {"token": token + "x"}), 404, "not_found")
    web = client.get(confirmed["form_url"])  # the web route the link points to, without login
    assert web.status_code == 200 and web["Content-Type"] == "application/pdf"

    # 4. The clerk of the office sees it in the queue, receives the paper form and approves.
    staff = login(client, "canbo.dongda")["access_token"]
    response = get(client, "/staff/registrations", token=staff)
    assert response.status_code == 200
    assert reference in [item["reference"] for item in response.json()["items"]]
    response = get(client, f"/staff/registrations/{reference}", token=staff)
    assert response.status_code == 200
    detail = response.json()
    assert detail["ssn"] == "0123456789" and detail["office_code"] == "00106" and detail["phone"] == AN_PHONE
    assert not {"id_front", "id_back", "portrait"} & set(detail)
    response = post_json(client, f"/staff/registrations/{reference}/receive", token=staff)
    assert response.status_code == 200 and response.json()["status"] == "received"
    response = post_json(client, f"/staff/registrations/{reference}/approve", token=staff)
    assert response.status_code == 200 and response.json()["status"] == "approved"
    password = sent_password()  # exactly one account_password SMS
    assert len(password) == 10

    # 5. The first login must change the password before anything else.
    tokens = login(client, "0123456789", password)
    assert tokens["must_change_password"] is True and tokens["expires_in"] > 0
    access = tokens["access_token"]
    error(get(client, "/me", token=access), 403, "password_change_required")
    response = post_json(client, "/auth/password", {"old_password": password, "new_password": "An-Moi@2026xyz"}, token=access)
    assert response.status_code == 200, response.content
    response = get(client, "/me", token=access)
    assert response.status_code == 200
    assert response.json() == {
        "full_name": "Nguyễn Văn An",
        "ssn": "0123456789",
        "cccd": "001090012345",
        "date_of_birth": "1990-05-12",
        "birth_year": 1990,
        "sex": 1,
        "phone": AN_PHONE,
        "email": "",
    }

    # 6. Refresh rotates the pair; the old refresh token presented again ends the whole login.
    response = post_json(client, "/auth/refresh", {"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200
    rotated = response.json()
    assert rotated["access_token"] != access
    error(get(client, "/me", token=access), 401, "not_authenticated")
    assert get(client, "/me", token=rotated["access_token"]).status_code == 200
    error(post_json(client, "/auth/refresh", {"refresh_token": tokens["refresh_token"]}), 401, "invalid_refresh_token")
    error(get(client, "/me", token=rotated["access_token"]), 401, "not_authenticated")
    error(post_json(client, "/auth/refresh", {"refresh_token": rotated["refresh_token"]}), 401, "invalid_refresh_token")

    # 7. One device at a time: a second login ends the first one.
    first = login(client, "0123456789", "An-Moi@2026xyz")
    second = login(client, "001090012345", "An-Moi@2026xyz")  # the CCCD works as login too
    assert first["must_change_password"] is False
    error(get(client, "/me", token=first["access_token"]), 401, "not_authenticated")
    assert get(client, "/me", token=second["access_token"]).status_code == 200

    # 8. Logout ends the session.
    response = post_json(client, "/auth/logout", token=second["access_token"])
    assert response.status_code == 204
    error(get(client, "/me", token=second["access_token"]), 401, "not_authenticated")

    account = User.objects.get(username="0123456789")
    assert account.person is not None and account.person.ssn == "0123456789"
    # The OTP, the reference with its status link once confirmed, the password once approved,
    # and the password change of step 5 told to the phone on file.
    assert [line["kind"] for line in sms_lines()] == ["registration_otp", "notice", "account_password", "notice"]


def test_a_rejection_texts_the_reason(client: Any, submitted: dict[str, Any], staff_token: str) -> None:
    reference = submitted["reference"]
    error(
        post_json(client, f"/staff/registrations/{reference}/reject", {"reason": " "}, token=staff_token), 400, "reason_required"
    )
    response = post_json(client, f"/staff/registrations/{reference}/reject", {"reason": "Ảnh CCCD bị mờ"}, token=staff_token)
    assert response.status_code == 200
    assert response.json()["status"] == "rejected" and response.json()["reject_reason"] == "Ảnh CCCD bị mờ"
    assert sms_of("notice")[-1] == f"VssID: Ho so {reference} bi tu choi. Ly do: Anh CCCD bi mo. Lien he 1900 9068."
    # The form link dies with the registration.
    token = parse_qs(urlsplit(submitted["form_url"]).query)["token"][0]
    error(client.get(f"/api/v1/registrations/{reference}/form.pdf", {"token": token}), 404, "not_found")
    # A rejected person may register again.
    assert register(client).status_code == 201
