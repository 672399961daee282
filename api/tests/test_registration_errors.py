"""Every refusal of POST /registrations and of the OTP step, in the error shape of design.md §6."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.utils import timezone
from PIL import Image

from api.tests.support import error, jpeg, last_code, photos, post_json, register, sms_of, upload
from enrollment.models import Registration
from enrollment.photo_work import finish_photos
from enrollment.photos import MAX_BYTES, check_photo

pytestmark = pytest.mark.django_db


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def stored_files(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# ---- the person -------------------------------------------------------------------------


def test_a_person_not_in_the_register_gets_the_answer_of_a_mismatch(client: Any) -> None:
    # Whether nobody has the code or somebody has it with other data is not told apart.
    unknown = error(register(client, ssn="0999999999"), 409, "data_mismatch")
    other_data = error(register(client, date_of_birth="1990-05-13"), 409, "data_mismatch")
    assert unknown == other_data
    assert not sms_of("registration_otp")


@pytest.mark.parametrize(
    "field",
    [
        {"date_of_birth": "1990-05-13"},
        {"full_name": "Nguyễn Văn Anh"},
        {"sex": "2"},
        {"cccd": "001090099999"},
    ],
)
def test_data_that_does_not_match_the_register(client: Any, field: dict[str, Any]) -> None:
    body = error(register(client, **field), 409, "data_mismatch")
    assert body["fields"] == {}  # which field differs is not said
    assert not Registration.objects.filter(ssn="0123456789").exists()


def test_the_name_may_be_typed_in_lower_case_and_the_cccd_alone_is_enough(client: Any) -> None:
    response = register(client, ssn="", cccd="001090012345", full_name="nguyễn văn an")
    assert response.status_code == 201, response.content
    # Without its marks it is a question (enrollment/tests/test_name_diacritics.py).
    assert Registration.objects.get(reference=response.json()["reference"]).full_name == "Nguyễn Văn An"


def test_a_person_who_has_an_account(client: Any) -> None:
    binh: dict[str, Any] = {
        "full_name": "Trần Thị Bình",
        "ssn": "0198765432",
        "date_of_birth": "1992-11-03",
        "sex": "2",
        "phone": "0987654321",
    }
    body = error(register(client, **binh), 409, "account_exists")
    assert "tài khoản" in body["message"]


def test_a_person_with_a_live_registration_is_told_by_sms_not_in_the_answer(client: Any, submitted: dict[str, Any]) -> None:
    # Knowing someone's identity data must not be enough to learn their file's reference.
    body = error(register(client, phone="0987000111"), 409, "registration_exists")
    assert body["fields"] == {}
    assert submitted["reference"] not in body["message"] and "SMS" in body["message"]
    # To the phone confirmed for that registration, not the one typed now (the first notice is
    # the one the confirmation sent).
    notices = [body for body in sms_of("notice") if "dang cho xu ly" in body]
    assert len(notices) == 1 and submitted["reference"] in notices[0]
    assert not sms_of("notice", "+84987000111")


def test_the_reference_is_texted_a_few_times_a_day_at_most(client: Any, submitted: dict[str, Any]) -> None:
    for _ in range(5):
        error(register(client), 409, "registration_exists")
    assert len([body for body in sms_of("notice") if "dang cho xu ly" in body]) == 3


def test_an_unconfirmed_registration_is_replaced_by_a_new_one(
    client: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first = register(client).json()["reference"]
    with django_capture_on_commit_callbacks(execute=True):
        second = register(client).json()["reference"]
    assert first != second
    assert list(Registration.objects.filter(ssn="0123456789").values_list("reference", flat=True)) == [second]
    assert len(stored_files(settings)) == 3  # the first one's photos are gone


def test_fields_checked_by_the_service_are_listed_together(client: Any) -> None:
    body = error(register(client, phone="12345", street=" ", office_code="99999", ward_code="0004x"), 400, "invalid_input")
    assert set(body["fields"]) == {"phone", "street", "office_code", "ward_code"}


def test_missing_and_malformed_fields(client: Any) -> None:
    response = client.post(
        "/api/v1/registrations", {"full_name": "Nguyễn Văn An", "date_of_birth": "12/05/1990", "sex": "nam", **photos()}
    )
    body = error(response, 422, "invalid_input")
    assert {"date_of_birth", "sex", "phone", "province_code", "street", "office_code"} <= set(body["fields"])
    assert body["fields"]["phone"] == ["Trường này là bắt buộc."]


# ---- photos -----------------------------------------------------------------------------


def photo_error(client: Any, settings: Any, field: str, file: Any) -> list[str]:
    body = error(register(client, files=photos(**{field: file})), 400, "invalid_input")
    assert list(body["fields"]) == [field]
    assert not stored_files(settings)
    assert not Registration.objects.exists() or not Registration.objects.filter(ssn="0123456789").exists()
    messages: list[str] = body["fields"][field]
    return messages


def test_a_file_that_is_not_an_image(client: Any, settings: Any) -> None:
    assert photo_error(client, settings, "id_front", upload(b"hello, I am text", "front.jpg")) == [
        "Tệp không phải ảnh JPEG hoặc PNG."
    ]


def test_a_pdf_renamed_jpg(client: Any, settings: Any) -> None:
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF"
    assert photo_error(client, settings, "id_back", upload(pdf, "scan.jpg")) == ["Tệp không phải ảnh JPEG hoặc PNG."]


def test_a_photo_over_5_mb_is_refused_without_being_read_whole(client: Any, settings: Any) -> None:
    big = jpeg() + b"\0" * (7 * 1024 * 1024)
    with mock.patch("enrollment.services.check_photo", autospec=True, side_effect=check_photo) as clean:
        messages = photo_error(client, settings, "portrait", upload(big, "big.jpg"))
    assert messages == ["Ảnh lớn hơn 5 MB. Hãy chụp lại hoặc giảm kích thước ảnh."]
    assert max(len(call.args[0]) for call in clean.call_args_list) == MAX_BYTES + 1


def test_a_photo_too_small_to_read(client: Any, settings: Any) -> None:
    messages = photo_error(client, settings, "portrait", upload(jpeg(100, 100), "small.jpg"))
    assert messages[0].startswith("Ảnh quá nhỏ")


@pytest.fixture(scope="module")
def bomb() -> bytes:
    # 400 million pixels declared, a few kB on the wire: decoding it would take 400 MB of memory.
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG", optimize=True)
    assert len(out.getvalue()) < 100_000
    return out.getvalue()


def test_a_decompression_bomb(client: Any, settings: Any, bomb: bytes) -> None:
    messages = photo_error(client, settings, "id_front", upload(bomb, "bomb.png", "image/png"))
    assert messages in (["Tệp không phải ảnh JPEG hoặc PNG."], ["Ảnh có kích thước điểm ảnh quá lớn."])


def test_a_missing_photo(client: Any, settings: Any) -> None:
    body = error(register(client, files=photos(portrait=None)), 422, "invalid_input")
    assert body["fields"] == {"portrait": ["Trường này là bắt buộc."]}
    assert not stored_files(settings)


def test_an_empty_photo(client: Any, settings: Any) -> None:
    assert photo_error(client, settings, "portrait", upload(b"", "empty.jpg")) == ["Chưa có ảnh."]


def test_photos_are_stored_as_jpeg_without_metadata(client: Any, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    png = io.BytesIO()
    Image.new("RGB", (1000, 800), "white").save(png, "PNG")
    response = register(client, files=photos(portrait=upload(png.getvalue(), "p.png", "image/png")))
    assert response.status_code == 201
    registration = Registration.objects.get(reference=response.json()["reference"])
    assert registration.photos_pending  # the uploads wait, checked, for the worker
    uploads = stored_files(settings)
    assert len(uploads) == 3 and all(file.parent.name == "incoming" for file in uploads)
    with django_capture_on_commit_callbacks(execute=True):
        assert finish_photos(registration.pk) == 3  # what the worker's task does
    files = stored_files(settings)
    assert len(files) == 3 and not set(files) & set(uploads)  # the uploads are gone once the row points elsewhere
    for file in files:
        with Image.open(file) as image:
            assert image.format == "JPEG" and not image.getexif()
    registration.refresh_from_db()
    assert not registration.photos_pending and {registration.id_front.name, registration.portrait.name} <= {
        str(file.relative_to(settings.MEDIA_ROOT)) for file in files
    }


# ---- the OTP ----------------------------------------------------------------------------


@pytest.fixture
def reference(client: Any) -> str:
    response = register(client)
    assert response.status_code == 201
    ref: str = response.json()["reference"]
    return ref


def confirm(client: Any, reference: str, otp: str, lang: str = "vi") -> Any:
    return post_json(client, f"/registrations/{reference}/confirm", {"otp": otp}, lang=lang)


def test_a_wrong_otp_says_how_many_tries_are_left(client: Any, reference: str) -> None:
    body = error(confirm(client, reference, wrong(last_code("registration_otp"))), 400, "otp_invalid")
    assert body["message"] == "Mã OTP không đúng. Còn 4 lần thử."
    assert "otp" in body["fields"]
    body = error(confirm(client, reference, wrong(last_code("registration_otp")), lang="en"), 400, "otp_invalid")
    assert body["message"].isascii() and "3" in body["message"]  # in English, with the tries left
    assert Registration.objects.get(reference=reference).status == "awaiting_confirmation"


def test_an_expired_otp(client: Any, reference: str) -> None:
    code = last_code("registration_otp")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5, seconds=1), tick=False):
        error(confirm(client, reference, code), 400, "otp_expired")
    assert Registration.objects.get(reference=reference).status == "awaiting_confirmation"


def test_an_otp_works_once(client: Any, reference: str) -> None:
    code = last_code("registration_otp")
    assert confirm(client, reference, code).status_code == 200
    error(confirm(client, reference, code), 409, "otp_used")


def test_five_wrong_tries_end_the_code_even_for_the_right_one(client: Any, reference: str) -> None:
    code = last_code("registration_otp")
    for left in (4, 3, 2, 1):
        assert error(confirm(client, reference, wrong(code)), 400, "otp_invalid")["message"].endswith(f"Còn {left} lần thử.")
    error(confirm(client, reference, wrong(code)), 429, "otp_too_many_attempts")
    error(confirm(client, reference, code), 429, "otp_too_many_attempts")
    assert Registration.objects.get(reference=reference).status == "awaiting_confirmation"


def test_an_unknown_reference(client: Any) -> None:
    error(confirm(client, "DK00000000", "123456"), 404, "not_found")


def test_a_form_link_for_another_registration_does_not_open(client: Any, submitted: dict[str, Any]) -> None:
    token = submitted["form_url"].split("token=", 1)[1]
    error(client.get("/api/v1/registrations/DK00000000/form.pdf", {"token": token}), 404, "not_found")
    error(client.get(f"/api/v1/registrations/{submitted['reference']}/form.pdf"), 422, "invalid_input")
