"""The registration pages with Django's test client: the citizen's side, then the whole procedure."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from audit.models import AuditEvent
from enrollment.models import Registration
from enrollment.photo_work import finish_photos
from enrollment.tests.web_support import (
    AN_FORM,
    AN_PHONE,
    jpeg,
    last_otp,
    login,
    photos,
    post_registration,
    register_and_confirm,
    sent_password,
    sms_lines,
    sms_of,
    use_files,
)
from messaging.models import Message
from vssid.masking import mask_name

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


def html(response: Any) -> str:
    return str(response.content.decode())


def test_the_whole_procedure_through_the_pages(client: Client) -> None:
    # The form: every input labelled, the phone camera offered for the photos.
    page = html(client.get("/dang-ky/"))
    # The camera or the gallery (no `capture`, which would offer the camera only); shrunk by the page's script.
    assert page.count('accept="image/*" data-shrink="1"') == 3 and "capture=" not in page
    assert '<script src="/static/js/register.js" defer>' in page
    assert '<option value="00106">(00106) BHXH cơ sở Đống Đa</option>' in page
    for name in ("full_name", "ssn", "cccd", "date_of_birth", "phone", "email", "province_code", "street", "office_code"):
        assert f'<label for="id_{name}">' in page, name

    # Submit: an OTP by SMS, then the confirmation with it.
    response = post_registration(client)
    assert response.status_code == 302
    reference = response["Location"].split("/")[2]
    assert response["Location"] == f"/dang-ky/{reference}/xac-nhan/"
    confirm_page = html(client.get(response["Location"]))
    assert reference in confirm_page and "091****678" in confirm_page
    response = client.post(f"/dang-ky/{reference}/xac-nhan/", {"otp": last_otp("registration_otp")})
    assert response.status_code == 302 and response["Location"] == f"/dang-ky/{reference}/"

    # The confirmation page: reference, deadline as a date, the office, what to bring, Form 01.
    registration = Registration.objects.get(reference=reference)
    assert registration.status == "submitted" and registration.deadline is not None
    done = html(client.get(f"/dang-ky/{reference}/"))
    assert reference in done
    assert registration.deadline.strftime("%d/%m/%Y") in done
    assert "BHXH cơ sở Đống Đa" in done
    assert "Tờ khai Mẫu 01 đã in, ký và ghi rõ họ tên." in done and "Bản chính căn cước công dân" in done
    form_url = re.search(r'href="(/dang-ky/DK\w+/to-khai\.pdf\?token=[^"]+)"', done)
    assert form_url, done
    pdf = client.get(form_url.group(1).replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert "no-store" in pdf["Cache-Control"] and "private" in pdf["Cache-Control"]

    # The clerk of office 00106 sees it in the queue and opens it: every look is audited.
    clerk = Client()
    assert login(clerk, "canbo.dongda").status_code == 302
    queue = html(clerk.get("/staff/"))
    assert reference in queue and "Nguyễn Văn An" in queue
    detail = clerk.get(f"/staff/ho-so/{reference}/")
    assert detail.status_code == 200 and "001090012345" in html(detail)
    assert AuditEvent.objects.filter(action="registration.view", object_id=reference).count() == 1
    # Until the worker has re-encoded the uploads, no photo is served; then the clean JPEG is.
    assert clerk.get(f"/staff/ho-so/{reference}/anh/portrait/").status_code == 404
    assert finish_photos(registration.pk) == 3
    photo = clerk.get(f"/staff/ho-so/{reference}/anh/portrait/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg" and photo.content[:2] == b"\xff\xd8"
    assert photo["Cache-Control"] == "private, no-store" and photo["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(action="registration.photo.view", object_id=reference, detail__photo="portrait").count() == 1

    # Receive the paper form, approve: the account's password goes by SMS exactly once.
    assert clerk.post(f"/staff/ho-so/{reference}/tiep-nhan/").status_code == 302
    assert clerk.post(f"/staff/ho-so/{reference}/duyet/").status_code == 302
    assert clerk.post(f"/staff/ho-so/{reference}/duyet/").status_code == 409  # a double click does nothing more
    password = sent_password()
    assert len([line for line in sms_lines() if line["kind"] == "account_password"]) == 1
    after = html(clerk.get(f"/staff/ho-so/{reference}/"))
    assert "Đã duyệt" in after and "Đã gửi" in after and password not in after  # the SMS status, never its body

    # The first login must change the password, then lands on the account page.
    citizen = Client()
    response = login(citizen, "0123456789", password)
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/"
    assert citizen.get("/tai-khoan/")["Location"] == "/doi-mat-khau/"
    assert citizen.get("/tra-cuu-ho-so/")["Location"] == "/doi-mat-khau/"
    response = citizen.post(
        "/doi-mat-khau/", {"old_password": password, "new_password": "Hoa-Sen-2027", "new_password2": "Hoa-Sen-2027"}
    )
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/"
    home = html(citizen.get("/tai-khoan/"))
    assert "Nguyễn Văn An" in home and "0123456789" in home


BAD_INPUTS = [
    pytest.param({"full_name": ""}, {}, 400, "Nhập họ và tên.", id="name-missing"),
    pytest.param({"date_of_birth": "31/02/1990"}, {}, 400, "Ngày sinh không hợp lệ", id="date-invalid"),
    pytest.param({"phone": "0123"}, {}, 400, "Số điện thoại di động không hợp lệ", id="phone-invalid"),
    pytest.param({"ssn": "12345"}, {}, 400, "Mã số BHXH gồm 10 chữ số.", id="ssn-short"),
    pytest.param({"ward_code": "26734"}, {}, 400, "Phường/xã không thuộc tỉnh/thành phố đã chọn.", id="ward-elsewhere"),
    pytest.param({"ssn": "0999999999"}, {}, 409, "không khớp với dữ liệu BHXH", id="not-in-register"),
    pytest.param({"full_name": "Nguyễn Văn Anh"}, {}, 409, "không khớp với dữ liệu BHXH", id="name-mismatch"),
    pytest.param(
        {}, {"portrait": SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo", "image/jpeg")}, 400, "Tệp không phải ảnh", id="pdf"
    ),
    pytest.param(
        {},
        {"id_back": SimpleUploadedFile("big.jpg", b"\xff" * (5 * 1024 * 1024 + 1), "image/jpeg")},
        400,
        "lớn hơn 5 MB",
        id="6mb",
    ),
]


@pytest.mark.parametrize(("fields", "files", "status", "message"), BAD_INPUTS)
def test_bad_input_is_explained_and_loses_nothing_typed(
    client: Client, fields: dict[str, str], files: dict[str, Any], status: int, message: str
) -> None:
    response = post_registration(client, {**photos(), **files}, **fields)
    page = html(response)
    assert response.status_code == status
    assert message in page
    assert 'class="error-summary" role="alert"' in page
    assert not Registration.objects.filter(ssn=fields.get("ssn", "0123456789")).exists()
    typed = {**AN_FORM, **fields}
    for name in ("full_name", "ssn", "phone", "email", "street"):
        if typed[name]:
            assert f'value="{typed[name]}"' in page, name
    assert f'value="{typed["date_of_birth"]}"' in page
    assert 'value="1" id="id_sex_0" required checked' in page
    assert '<option value="00106" selected>' in page and '<option value="01" selected>' in page
    if "ward_code" not in fields:
        assert '<option value="00235" selected>' in page
    # Each photo without an error of its own is kept for the next attempt, named by a signed token.
    for name in ("id_front", "id_back", "portrait"):
        assert (f'name="{name}_held"' in page) is (name not in files), name
    assert page.count("không cần chọn lại") == 3 - len(files)


def test_field_errors_sit_next_to_their_field_and_in_the_summary(client: Client) -> None:
    page = html(post_registration(client, phone="12"))
    assert '<a href="#id_phone">Số điện thoại di động: ' in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="id_phone_helptext id_phone_error"' in page


def test_a_live_registration_is_told_by_sms_with_a_link_to_the_status_page(client: Client) -> None:
    reference = register_and_confirm(client)
    response = post_registration(Client())
    page = html(response)
    assert response.status_code == 409 and "đang chờ xử lý" in page and "SMS" in page
    assert reference not in page and 'href="/tra-cuu-ho-so/"' in page
    assert any(reference in body for body in sms_of("notice"))


def test_a_person_with_an_account_is_sent_to_login_or_reset(client: Client) -> None:
    binh = {
        "full_name": "Trần Thị Bình",
        "ssn": "0198765432",
        "date_of_birth": "1992-11-03",
        "sex": "2",
        "phone": "0987654321",
        "email": "",
    }
    response = post_registration(client, **binh)
    page = html(response)
    assert response.status_code == 409 and "Bạn đã có tài khoản VssID" in page
    assert 'href="/dang-nhap/"' in page and 'href="/quen-mat-khau/"' in page


def test_the_ward_list_follows_the_province(client: Client) -> None:
    options = html(client.get("/dang-ky/phuong-xa/", {"province_code": "01"}))
    assert '<option value="00235">Phường Đống Đa</option>' in options
    assert "26734" not in options
    assert html(client.get("/dang-ky/phuong-xa/", {"province_code": ""})).count("<option") == 1


def test_a_wrong_otp_says_how_many_tries_are_left_and_resending_replaces_the_code(client: Client) -> None:
    response = post_registration(client)
    reference = response["Location"].split("/")[2]
    first = last_otp("registration_otp")
    wrong = "000000" if first != "000000" else "111111"
    response = client.post(f"/dang-ky/{reference}/xac-nhan/", {"otp": wrong})
    assert response.status_code == 400 and "Còn 4 lần thử" in html(response)
    response = client.post(f"/dang-ky/{reference}/xac-nhan/", {"resend": "1"}, follow=True)
    assert "Đã gửi mã OTP mới" in html(response)
    assert len(sms_of("registration_otp")) == 2
    second = last_otp("registration_otp")
    if second != first:
        assert client.post(f"/dang-ky/{reference}/xac-nhan/", {"otp": first}).status_code == 400
    assert client.post(f"/dang-ky/{reference}/xac-nhan/", {"otp": second})["Location"] == f"/dang-ky/{reference}/"


def test_the_confirmation_page_needs_the_browser_that_confirmed(client: Client) -> None:
    reference = register_and_confirm(client)
    stranger = Client()
    response = stranger.get(f"/dang-ky/{reference}/")
    assert response.status_code == 302 and response["Location"] == f"/tra-cuu-ho-so/?reference={reference}"
    # The OTP page of a confirmed registration does not reopen it either.
    assert stranger.get(f"/dang-ky/{reference}/xac-nhan/")["Location"] == f"/tra-cuu-ho-so/?reference={reference}"
    assert client.get(f"/dang-ky/{reference}/xac-nhan/")["Location"] == f"/dang-ky/{reference}/"


def test_the_status_shows_a_masked_name_and_nothing_personal(client: Client) -> None:
    reference = register_and_confirm(client)
    page = html(Client().get("/tra-cuu-ho-so/", {"reference": reference.lower()}))
    assert "Ng*** V** An" in page and "Chờ nộp tờ khai" in page and "BHXH cơ sở Đống Đa" in page
    for private in ("Nguyễn Văn An", "0123456789", "001090012345", "0912345678", "Tây Sơn"):
        assert private not in page
    missing = Client().get("/tra-cuu-ho-so/", {"reference": "DK00000000"})
    assert missing.status_code == 404 and "Không tìm thấy hồ sơ" in html(missing)


def test_form_01_needs_a_valid_token(client: Client) -> None:
    reference = register_and_confirm(client)
    assert client.get(f"/dang-ky/{reference}/to-khai.pdf", {"token": "forged"}).status_code == 404
    assert client.get(f"/dang-ky/{reference}/to-khai.pdf").status_code == 404


def test_masking_keeps_only_what_identifies_a_file() -> None:
    assert mask_name("Nguyễn Văn An") == "Ng*** V** An"
    assert mask_name("Trần Thị Ngọc Bình") == "Tr*** T** N** Bình"
    assert mask_name("An") == "A**"


def test_nothing_is_kept_when_the_photos_are_refused(client: Client, sms_file: Path) -> None:
    post_registration(client, {**photos(), "portrait": SimpleUploadedFile("p.png", jpeg(100, 100), "image/png")})
    assert not Registration.objects.filter(ssn="0123456789").exists()
    assert not Message.objects.filter(to=AN_PHONE).exists()
    assert not sms_file.exists()
