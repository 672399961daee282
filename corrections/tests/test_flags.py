"""Flags of a wrong or a missing month: the citizen reports, the employer's office answers, SMS."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from accounts.services import issue_tokens
from audit.models import AuditEvent
from corrections.actions import check_answer_flag, check_flag_missing_month
from corrections.services import CorrectionError
from registry.models import Employer, ParticipationPeriod, PeriodFlag, Person
from registry.tests.history_support import AN_SSN, BINH_SSN, citizen_client, user_client
from vssid.testing import sms_lines

pytestmark = pytest.mark.django_db
BINH_PHONE = "+84987654321"


@pytest.fixture
def sms_file(settings: Any, tmp_path: Path) -> Path:
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    path: Path = settings.SMS_FILE_PATH
    return path


def _binh() -> Person:
    return Person.objects.get(ssn=BINH_SSN)


def _binh_period(scheme: str = "bhxh") -> ParticipationPeriod:
    return ParticipationPeriod.objects.filter(person=_binh(), scheme=scheme).order_by("from_month").first()  # type: ignore[return-value]


def test_round_trip_citizen_flags_office_00106_answers_citizen_sees_answer_and_sms(sms_file: Path) -> None:
    period = _binh_period()
    assert Employer.objects.get(pk=period.employer_id).office_id == "00106"
    citizen = citizen_client()
    form = citizen.get(f"/ca-nhan/qua-trinh/{period.pk}/phan-anh/")
    assert form.status_code == 200
    response = citizen.post(
        f"/ca-nhan/qua-trinh/{period.pk}/phan-anh/", {"month": "2017-03", "message": "Tháng 03/2017 sai mức lương."}
    )
    assert response.status_code == 302 and response["Location"] == "/ca-nhan/phan-anh/"
    flag = PeriodFlag.objects.get(person=_binh())
    assert (flag.office_id, flag.employer_id, flag.kind, flag.status) == ("00106", period.employer_id, "wrong", "open")
    assert flag.month == dt.date(2017, 3, 1)
    mine = citizen.get("/ca-nhan/phan-anh/").content.decode()
    assert "Tháng 03/2017 sai mức lương." in mine and "Đang xử lý" in mine

    staff = user_client("canbo.dongda")
    listing = staff.get("/staff/phan-anh/")
    assert listing.status_code == 200 and "Trần Thị Bình" in listing.content.decode()
    assert AuditEvent.objects.filter(action="history.flag_listed", person=_binh(), object_id=str(flag.pk)).exists()
    detail = staff.get(f"/staff/phan-anh/{flag.pk}/")
    assert detail.status_code == 200 and "Tháng 03/2017 sai mức lương." in detail.content.decode()
    assert AuditEvent.objects.filter(action="history.flag_viewed", person=_binh()).exists()

    # Staff of another office: the flag does not exist for them, nor does it appear in their list.
    other = User.objects.create_user(username="canbo.badinh", password="x", role=User.Role.STAFF, office_id="00101")
    other_client = Client()
    other_client.force_login(other)
    assert other_client.get(f"/staff/phan-anh/{flag.pk}/").status_code == 404
    assert other_client.post(f"/staff/phan-anh/{flag.pk}/", {"answer": "x"}).status_code == 404
    assert "Trần Thị Bình" not in other_client.get("/staff/phan-anh/").content.decode()

    answered = staff.post(f"/staff/phan-anh/{flag.pk}/", {"answer": "Đơn vị đã điều chỉnh, số liệu cập nhật trong 5 ngày."})
    assert answered.status_code == 302
    flag.refresh_from_db()
    assert flag.status == "answered" and flag.answered_by is not None and flag.answered_by.username == "canbo.dongda"
    assert AuditEvent.objects.filter(action="history.flag_answered", person=_binh()).exists()
    page = citizen.get("/ca-nhan/phan-anh/").content.decode()
    assert "Đơn vị đã điều chỉnh, số liệu cập nhật trong 5 ngày." in page and "Đã trả lời" in page

    notices = [line for line in sms_lines() if line["kind"] == "notice" and line["to"] == BINH_PHONE]
    assert len(notices) == 1
    body = notices[0]["body"]
    assert body.isascii() and len(body) <= 160 and "03/2017" in body
    # A second answer is refused and sends nothing more.
    again = staff.post(f"/staff/phan-anh/{flag.pk}/", {"answer": "Lần nữa"})
    assert again.status_code == 409 and "Phản ánh này đã được trả lời" in again.content.decode()
    assert "Lần nữa" not in PeriodFlag.objects.get(pk=flag.pk).answer
    assert len([line for line in sms_lines() if line["kind"] == "notice" and line["to"] == BINH_PHONE]) == 1


def test_another_persons_period_is_404() -> None:
    an_period = ParticipationPeriod.objects.filter(person__ssn=AN_SSN).first()
    assert an_period is not None
    citizen = citizen_client()
    assert citizen.get(f"/ca-nhan/qua-trinh/{an_period.pk}/phan-anh/").status_code == 404
    assert citizen.post(f"/ca-nhan/qua-trinh/{an_period.pk}/phan-anh/", {"message": "x"}).status_code == 404
    assert citizen.get("/ca-nhan/qua-trinh/999999999/phan-anh/").status_code == 404
    assert not PeriodFlag.objects.exists()


def test_missing_month_form_goes_to_the_employer_office() -> None:
    citizen = citizen_client()
    response = citizen.post("/ca-nhan/phan-anh/", {"scheme": "bhxh", "month": "2020-05", "message": "Thiếu tháng 5/2020."})
    assert response.status_code == 302
    flag = PeriodFlag.objects.get(person=_binh())
    assert flag.kind == "missing" and flag.period_id is None and flag.month == dt.date(2020, 5, 1)
    assert flag.office_id == "00106" and flag.employer_id == "0101234567DNA03"


def test_missing_month_without_employer_goes_to_ward_office_or_city() -> None:
    person = Person.objects.create(
        ssn="0990000099", cccd="001099000099", full_name="Không Đơn Vị", birth_year=1990, sex=1, province_id="01"
    )
    flag = check_flag_missing_month(person.pk, scheme="bhyt", month="03/2024", message="Thiếu", acting_user=None)
    assert flag.office_id == "001"
    ward = Person.objects.filter(ward__office__isnull=False).values_list("ward_id", "ward__office_id").first()
    assert ward is not None
    person.ward_id = ward[0]
    person.save(update_fields=["ward"])
    assert (
        check_flag_missing_month(person.pk, scheme="bhyt", month="04/2024", message="Thiếu", acting_user=None).office_id
        == ward[1]
    )


def test_bad_input_is_refused_clearly() -> None:
    citizen = citizen_client()
    empty = citizen.post("/ca-nhan/phan-anh/", {"scheme": "bhxh", "month": "2020-05", "message": "  "})
    assert empty.status_code == 400 and "Hãy mô tả vấn đề" in empty.content.decode()
    future = citizen.post("/ca-nhan/phan-anh/", {"scheme": "bhxh", "month": "2099-01", "message": "x"})
    assert future.status_code == 400
    garbage = citizen.post("/ca-nhan/phan-anh/", {"scheme": "bhxh", "month": "abc", "message": "x"})
    assert garbage.status_code == 400
    period = _binh_period()
    outside = citizen.post(f"/ca-nhan/qua-trinh/{period.pk}/phan-anh/", {"month": "2010-01", "message": "x"})
    assert outside.status_code == 400
    # PostgreSQL cannot store a NUL: the web form refuses it as the API does, not with a 500.
    nul = citizen.post("/ca-nhan/phan-anh/", {"scheme": "bhxh", "month": "2020-05", "message": "a\x00b"})
    assert nul.status_code == 400 and "Không được chứa ký tự NUL" in nul.content.decode()
    assert not PeriodFlag.objects.exists()


def test_at_most_ten_open_flags() -> None:
    person = _binh()
    for month in range(1, 11):
        check_flag_missing_month(person.pk, scheme="bhxh", month=f"2023-{month:02d}", message="Thiếu", acting_user=None)
    with pytest.raises(CorrectionError) as exc:
        check_flag_missing_month(person.pk, scheme="bhxh", month="2023-11", message="Thiếu", acting_user=None)
    assert exc.value.code == "too_many_open_flags"
    response = citizen_client().post("/ca-nhan/phan-anh/", {"scheme": "bhxh", "month": "2023-11", "message": "x"})
    assert response.status_code == 409 and "10 phản ánh" in response.content.decode()
    # Once the office answers one, there is room again.
    staff = User.objects.get(username="canbo.dongda")
    check_answer_flag(PeriodFlag.objects.filter(person=person).first(), answer="Đã xử lý", acting_user=staff)  # type: ignore[arg-type]
    check_flag_missing_month(person.pk, scheme="bhxh", month="2023-11", message="Thiếu", acting_user=None)


def test_only_the_owner_sees_their_flags() -> None:
    check_flag_missing_month(_binh().pk, scheme="bhxh", month="2020-05", message="Bí mật của Bình", acting_user=None)
    an_user = User.objects.create_user(
        username=AN_SSN, password="x", role=User.Role.CITIZEN, person=Person.objects.get(ssn=AN_SSN)
    )
    client = Client()
    client.force_login(an_user)
    assert "Bí mật của Bình" not in client.get("/ca-nhan/phan-anh/").content.decode()
    token = issue_tokens(an_user).access_token
    assert Client().get("/api/v1/me/flags", HTTP_AUTHORIZATION=f"Bearer {token}").json() == []
    for username in ("nhansu.demo", BINH_SSN):
        assert user_client(username).get("/staff/phan-anh/").status_code == 404
    assert Client().get("/staff/phan-anh/").status_code == 302


def test_api_flags_round_trip() -> None:
    token = issue_tokens(User.objects.get(username=BINH_SSN)).access_token
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    period = _binh_period("bhyt")
    created = client.post(
        "/api/v1/me/flags",
        {"period_id": period.pk, "month": "2018-02", "message": "Sai"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    assert created.json()["scheme"] == "bhyt" and created.json()["month"] == "02/2018" and created.json()["status"] == "open"
    missing = client.post(
        "/api/v1/me/flags", {"scheme": "bhxh", "month": "2019-07", "message": "Thiếu"}, content_type="application/json", **auth
    )
    assert missing.status_code == 201 and missing.json()["kind"] == "missing"
    incomplete = client.post("/api/v1/me/flags", {"message": "Thiếu"}, content_type="application/json", **auth)
    assert incomplete.status_code == 422 and set(incomplete.json()["fields"]) == {"scheme", "month"}
    an_period = ParticipationPeriod.objects.filter(person__ssn=AN_SSN).first()
    assert an_period is not None
    other = client.post("/api/v1/me/flags", {"period_id": an_period.pk, "message": "x"}, content_type="application/json", **auth)
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    listed = client.get("/api/v1/me/flags", **auth).json()
    assert [f["month"] for f in listed] == ["07/2019", "02/2018"]


def test_staff_list_query_count(django_assert_max_num_queries: Any) -> None:
    person = _binh()
    for month in range(1, 9):
        check_flag_missing_month(person.pk, scheme="bhxh", month=f"2022-{month:02d}", message="Thiếu", acting_user=None)
    staff = user_client("canbo.dongda")
    with django_assert_max_num_queries(5):
        assert staff.get("/staff/phan-anh/").status_code == 200
