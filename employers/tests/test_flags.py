"""The employer's side of the flags of wrong or missing months: its own workers' months only, the note.

Bình (worker of the demo employer 0101234567DNA03) reports a missing month, which goes to that
employer; a month of hers at another employer, and a month of a stranger at another employer, must
never reach the demo employer's HR clerk, by list, by changed id or by API.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.services import issue_tokens
from audit.models import AuditEvent
from corrections.actions import check_answer_flag, check_flag_missing_month, check_flag_period
from employers.services import NOTE_MAX_LENGTH
from enrollment.tests.web_support import use_files
from registry.models import Employer, ParticipationPeriod, PeriodFlag, Person

pytestmark = pytest.mark.django_db

BINH = "0198765432"
DEMO_EMPLOYER = "0101234567DNA03"
HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


def web(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def bearer(username: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_tokens(User.objects.get(username=username)).access_token}"}


def binh() -> Person:
    return Person.objects.get(ssn=BINH)


def other_employer() -> Employer:
    employer = Employer.objects.exclude(code=DEMO_EMPLOYER).order_by("code").first()
    assert employer is not None
    return employer


@pytest.fixture
def flags() -> dict[str, PeriodFlag]:
    """Ours: Bình's missing month at the demo employer. Elsewhere: Bình's own month at another
    employer (she works for the demo employer now), and a stranger's month at another employer."""
    ours = check_flag_missing_month(
        binh().pk, scheme="bhxh", month="2020-05", message="Thiếu tháng 05/2020 của Bình.", acting_user=None
    )
    assert ours.employer_id == DEMO_EMPLOYER
    elsewhere = ParticipationPeriod.objects.create(
        person=binh(),
        scheme="bhxh",
        from_month=dt.date(2009, 1, 1),
        to_month=dt.date(2009, 12, 1),
        employer=other_employer(),
        salary_basis=3_000_000,
        participant_group="DN",
    )
    binh_elsewhere = check_flag_period(
        binh().pk, elsewhere.pk, month="2009-04", message="Bình: tháng 04/2009 ở đơn vị cũ.", acting_user=None
    )
    stranger_period = (
        ParticipationPeriod.objects.filter(scheme="bhxh", employer__isnull=False)
        .exclude(employer_id=DEMO_EMPLOYER)
        .exclude(person=binh())
        .first()
    )
    assert stranger_period is not None
    stranger = check_flag_period(
        stranger_period.person_id, stranger_period.pk, message="Người khác: sai mức lương.", acting_user=None
    )
    assert binh_elsewhere.employer_id != DEMO_EMPLOYER and stranger.employer_id != DEMO_EMPLOYER
    return {"ours": ours, "binh_elsewhere": binh_elsewhere, "stranger": stranger}


def make_flags(n: int) -> None:
    """n flags about months at the demo employer, over its workers (bulk: past the 10-open limit of one person)."""
    people = list(Person.objects.filter(periods__employer_id=DEMO_EMPLOYER).distinct().order_by("pk")[:5])
    now = timezone.now()
    PeriodFlag.objects.bulk_create(
        PeriodFlag(
            person=people[i % len(people)],
            scheme="bhxh",
            month=dt.date(2015 + i // 12, i % 12 + 1, 1),
            kind="missing",
            message=f"Thiếu tháng số {i}",
            employer_id=DEMO_EMPLOYER,
            office_id="00106",
            created_at=now - dt.timedelta(minutes=i),
            status="open" if i % 3 else "answered",
            answer="" if i % 3 else "Đã xem",
            employer_note="" if i % 2 else f"Đã điều chỉnh {i}",
            employer_note_by=User.objects.get(username="nhansu.demo") if i % 2 == 0 else None,
            employer_note_at=None if i % 2 else now,
        )
        for i in range(n)
    )


# ---- web ---------------------------------------------------------------------------------------


def test_hr_sees_the_flags_about_its_months_and_no_other(flags: dict[str, PeriodFlag]) -> None:
    hr = web("nhansu.demo")
    response = hr.get("/don-vi/phan-anh/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Thiếu tháng 05/2020 của Bình." in page and "Trần Thị Bình" in page and BINH in page and "05/2020" in page
    assert "Đang xử lý" in page and "Tháng bị thiếu" in page
    assert "đơn vị cũ" not in page and "Người khác" not in page
    listed = AuditEvent.objects.get(action="employers.flags.list", actor__username="nhansu.demo")
    assert listed.object_id == DEMO_EMPLOYER and listed.detail["flags"] == [flags["ours"].pk]

    detail = hr.get(f"/don-vi/phan-anh/{flags['ours'].pk}/")
    assert detail.status_code == 200 and "Thiếu tháng 05/2020 của Bình." in detail.content.decode()
    assert AuditEvent.objects.filter(action="employers.flag.viewed", object_id=str(flags["ours"].pk), person=binh()).exists()
    # Changing the id: another employer's flag (even about our own worker) does not exist for this clerk.
    for other in (flags["binh_elsewhere"], flags["stranger"]):
        assert hr.get(f"/don-vi/phan-anh/{other.pk}/").status_code == 404
        assert hr.post(f"/don-vi/phan-anh/{other.pk}/", {"note": "Đã điều chỉnh"}).status_code == 404
        assert hr.post(f"/don-vi/phan-anh/{other.pk}/", {"note": "x"}, **HTMX).status_code == 404
        assert PeriodFlag.objects.get(pk=other.pk).employer_note == ""
    assert hr.get("/don-vi/phan-anh/999999999/").status_code == 404
    assert hr.get(f"/don-vi/phan-anh/{2**63}/").status_code == 404

    main = hr.get("/don-vi/").content.decode()
    assert 'href="/don-vi/phan-anh/"' in main and "Phản ánh của người lao động: 1 đang xử lý" in main


def test_note_is_stored_and_seen_by_the_office_and_the_person(flags: dict[str, PeriodFlag]) -> None:
    flag = flags["ours"]
    hr = web("nhansu.demo")
    response = hr.post(
        f"/don-vi/phan-anh/{flag.pk}/", {"note": "  Đơn vị đã điều chỉnh,   nộp bổ sung tháng 05/2020. ", "status": "open"}
    )
    assert response.status_code == 302 and response["Location"] == f"/don-vi/phan-anh/?status=open#flag-{flag.pk}"
    flag.refresh_from_db()
    assert flag.employer_note == "Đơn vị đã điều chỉnh, nộp bổ sung tháng 05/2020."
    assert flag.employer_note_by is not None and flag.employer_note_by.username == "nhansu.demo"
    assert flag.employer_note_at is not None and flag.status == "open" and flag.answer == ""  # the office still answers
    noted = AuditEvent.objects.get(action="employers.flag.noted", object_id=str(flag.pk))
    assert noted.person_id == binh().pk and noted.actor is not None and noted.actor.username == "nhansu.demo"
    assert "Đơn vị đã điều chỉnh" in hr.get("/don-vi/phan-anh/").content.decode()

    office = web("canbo.dongda")
    queue = office.get("/staff/phan-anh/").content.decode()
    assert "Ghi chú của đơn vị" in queue and "Đơn vị đã điều chỉnh, nộp bổ sung tháng 05/2020." in queue
    answer_page = office.get(f"/staff/phan-anh/{flag.pk}/").content.decode()
    assert "Đơn vị đã điều chỉnh, nộp bổ sung tháng 05/2020." in answer_page and "nhansu.demo" in answer_page

    citizen = web(BINH)
    mine = citizen.get("/ca-nhan/phan-anh/").content.decode()
    assert "Ghi chú của đơn vị" in mine and "Đơn vị đã điều chỉnh, nộp bổ sung tháng 05/2020." in mine
    assert "nhansu.demo" not in mine  # the person sees the employer, not the clerk's login
    mine_api = {f["id"]: f for f in Client().get("/api/v1/me/flags", **bearer(BINH)).json()}
    assert mine_api[flag.pk]["employer_note"] == "Đơn vị đã điều chỉnh, nộp bổ sung tháng 05/2020."
    assert mine_api[flag.pk]["employer_note_at"] and mine_api[flags["binh_elsewhere"].pk]["employer_note"] == ""

    # The latest note replaces the last, also once the office answered; a closed flag takes no more.
    clerk = User.objects.get(username="canbo.dongda")
    check_answer_flag(flag, answer="Đã nhận, chờ đơn vị nộp bổ sung.", acting_user=clerk)
    assert hr.post(f"/don-vi/phan-anh/{flag.pk}/", {"note": "Đã nộp bổ sung ngày 20/11."}).status_code == 302
    flag.refresh_from_db()
    assert flag.employer_note == "Đã nộp bổ sung ngày 20/11." and flag.status == "answered"
    PeriodFlag.objects.filter(pk=flag.pk).update(status="closed")
    closed = hr.post(f"/don-vi/phan-anh/{flag.pk}/", {"note": "Thêm nữa"})
    assert closed.status_code == 409 and "đã được cơ quan BHXH đóng" in closed.content.decode()
    assert PeriodFlag.objects.get(pk=flag.pk).employer_note == "Đã nộp bổ sung ngày 20/11."
    assert 'name="note"' not in hr.get(f"/don-vi/phan-anh/{flag.pk}/").content.decode()


def test_bad_notes_are_refused_clearly(flags: dict[str, PeriodFlag]) -> None:
    flag = flags["ours"]
    hr = web("nhansu.demo")
    empty = hr.post(f"/don-vi/phan-anh/{flag.pk}/", {"note": "   "})
    assert empty.status_code == 400 and "Hãy nhập ghi chú của đơn vị." in empty.content.decode()
    missing = hr.post(f"/don-vi/phan-anh/{flag.pk}/", {})
    assert missing.status_code == 400
    long_text = "a" * (NOTE_MAX_LENGTH + 1)
    too_long = hr.post(f"/don-vi/phan-anh/{flag.pk}/", {"note": long_text})
    page = too_long.content.decode()
    assert too_long.status_code == 400 and "Ghi chú quá dài." in page and f"Tối đa {NOTE_MAX_LENGTH} ký tự." in page
    assert long_text in page  # what was typed is kept for correction
    nul = hr.post(f"/don-vi/phan-anh/{flag.pk}/", {"note": "Đã\x00 sửa"})
    assert nul.status_code == 400 and "Ghi chú chứa ký tự không hợp lệ." in nul.content.decode()
    assert PeriodFlag.objects.get(pk=flag.pk).employer_note == ""
    assert hr.post(f"/don-vi/phan-anh/{flag.pk}/", {"note": "b" * NOTE_MAX_LENGTH}).status_code == 302


def test_htmx_gets_the_card_back(flags: dict[str, PeriodFlag]) -> None:
    flag = flags["ours"]
    hr = web("nhansu.demo")
    done = hr.post(f"/don-vi/phan-anh/{flag.pk}/", {"note": "Đang kiểm tra"}, **HTMX)
    card = done.content.decode()
    assert done.status_code == 200 and card.startswith(f'<li id="flag-{flag.pk}">')
    assert "Đang kiểm tra" in card and "Đã lưu ghi chú" in card and "<html" not in card
    bad = hr.post(f"/don-vi/phan-anh/{flag.pk}/", {"note": ""}, **HTMX)
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.content.decode() and "<html" not in bad.content.decode()
    rows = hr.get("/don-vi/phan-anh/?status=open", **HTMX).content.decode()
    assert rows.startswith('<div id="flag-rows">') and "Thiếu tháng 05/2020" in rows


def test_filter_by_status_and_pages_in_few_queries(django_assert_max_num_queries: Any) -> None:
    make_flags(60)
    hr = web("nhansu.demo")
    # Session, user, employer, count, the page (people and note authors joined), audit row, open count.
    with django_assert_max_num_queries(7):
        response = hr.get("/don-vi/phan-anh/")
    page = response.content.decode()
    assert response.status_code == 200 and "60 phản ánh" in page and "Trang 1/2" in page
    # Open first, newest first: the first card is the newest open flag (number 1; 0 is answered).
    assert page.index("Thiếu tháng số 1<") < page.index("Thiếu tháng số 2<") < page.index("Thiếu tháng số 0<")
    assert "Đã điều chỉnh 4" in page
    with django_assert_max_num_queries(7):
        second = hr.get("/don-vi/phan-anh/?page=2").content.decode()
    assert "Trang 2/2" in second and second.count('<li id="flag-') == 10
    answered = hr.get("/don-vi/phan-anh/?status=answered").content.decode()
    assert "20 phản ánh" in answered and "Thiếu tháng số 1<" not in answered and "Thiếu tháng số 3<" in answered
    assert "60 phản ánh" in hr.get("/don-vi/phan-anh/?status=nonsense").content.decode()
    assert "Phản ánh của người lao động: 40 đang xử lý" in hr.get("/don-vi/").content.decode()


def test_who_reaches_the_flag_pages(flags: dict[str, PeriodFlag]) -> None:
    url = f"/don-vi/phan-anh/{flags['ours'].pk}/"
    assert Client().get("/don-vi/phan-anh/").status_code == 302  # to the login page
    assert Client().get(url).status_code == 302
    assert Client().post(url, {"note": "x"}).status_code == 302
    for username in ("lanhdao.hanoi", "canbo.dongda", BINH):
        assert web(username).get("/don-vi/phan-anh/").status_code == 404, username
        assert web(username).get(url).status_code == 404, username
        assert web(username).post(url, {"note": "x"}).status_code == 404, username
    assert PeriodFlag.objects.get(pk=flags["ours"].pk).employer_note == ""


# ---- API ---------------------------------------------------------------------------------------


def note(client: Client, flag_id: int, headers: dict[str, Any], text: Any = "Đơn vị đang kiểm tra") -> Any:
    return client.post(f"/api/v1/employer/flags/{flag_id}/note", {"note": text}, content_type="application/json", **headers)


def test_api_lists_only_own_flags_and_takes_a_note(client: Client, flags: dict[str, PeriodFlag]) -> None:
    hr = bearer("nhansu.demo")
    response = client.get("/api/v1/employer/flags", **hr)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["employer_code"] == DEMO_EMPLOYER and body["count"] == 1
    item = body["items"][0]
    assert item["id"] == flags["ours"].pk and item["ssn"] == BINH and item["full_name"] == "Trần Thị Bình"
    assert (item["scheme"], item["month"], item["kind"], item["status"]) == ("bhxh", "05/2020", "missing", "open")
    assert item["message"] == "Thiếu tháng 05/2020 của Bình." and item["employer_note"] == "" and item["employer_note_by"] is None
    assert client.get("/api/v1/employer/flags?status=closed", **hr).json()["count"] == 0
    assert client.get("/api/v1/employer/flags?status=open", **hr).json()["count"] == 1
    bad_status = client.get("/api/v1/employer/flags?status=nonsense", **hr)
    assert bad_status.status_code == 422 and bad_status.json()["code"] == "invalid_input"
    assert client.get("/api/v1/employer/flags?offset=1000000000", **hr).json()["items"] == []
    assert client.get("/api/v1/employer/flags?offset=99999999999999999999", **hr).status_code == 422

    noted = note(client, flags["ours"].pk, hr)
    assert noted.status_code == 200, noted.content
    assert noted.json()["employer_note"] == "Đơn vị đang kiểm tra" and noted.json()["employer_note_by"] == "nhansu.demo"
    assert noted.json()["status"] == "open"
    assert PeriodFlag.objects.get(pk=flags["ours"].pk).employer_note == "Đơn vị đang kiểm tra"

    for other in (flags["binh_elsewhere"], flags["stranger"]):
        refused = note(client, other.pk, hr)
        assert refused.status_code == 404 and refused.json() == {"code": "not_found", "message": "Không tìm thấy.", "fields": {}}
        assert PeriodFlag.objects.get(pk=other.pk).employer_note == ""
    assert note(client, 999999999, hr).status_code == 404
    assert note(client, 2**63, hr).status_code == 404


def test_api_refuses_bad_notes_and_closed_flags(client: Client, flags: dict[str, PeriodFlag]) -> None:
    hr, flag_id = bearer("nhansu.demo"), flags["ours"].pk
    empty = note(client, flag_id, hr, "  ")
    assert empty.status_code == 422 and empty.json()["code"] == "note_required" and "note" in empty.json()["fields"]
    too_long = note(client, flag_id, hr, "x" * (NOTE_MAX_LENGTH + 1))
    assert too_long.status_code == 422 and too_long.json()["code"] == "note_too_long"
    assert too_long.json()["fields"] == {"note": [f"Tối đa {NOTE_MAX_LENGTH} ký tự."]}
    absent = client.post(f"/api/v1/employer/flags/{flag_id}/note", {}, content_type="application/json", **hr)
    assert absent.status_code == 422 and absent.json()["fields"] == {"note": ["Trường này là bắt buộc."]}
    not_text = note(client, flag_id, hr, 12)
    assert not_text.status_code == 422
    PeriodFlag.objects.filter(pk=flag_id).update(status="closed", answer="Đã xử lý")
    closed = note(client, flag_id, hr)
    assert closed.status_code == 409 and closed.json()["code"] == "flag_closed"
    assert PeriodFlag.objects.get(pk=flag_id).employer_note == ""


def test_only_hr_users_reach_the_flag_api(client: Client, flags: dict[str, PeriodFlag]) -> None:
    flag_id = flags["ours"].pk
    assert client.get("/api/v1/employer/flags").status_code == 401
    assert note(client, flag_id, {}).status_code == 401
    assert client.get("/api/v1/employer/flags", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401
    for username in ("lanhdao.hanoi", "canbo.dongda", BINH):
        headers = bearer(username)
        listed = client.get("/api/v1/employer/flags", **headers)
        assert listed.status_code == 403 and listed.json()["code"] == "forbidden", username
        assert note(client, flag_id, headers).status_code == 403, username
    assert PeriodFlag.objects.get(pk=flag_id).employer_note == ""


def test_api_list_query_count_does_not_grow(client: Client, django_assert_max_num_queries: Any) -> None:
    make_flags(60)
    hr = bearer("nhansu.demo")
    # Token, employer, the page (people and note authors joined), the audit row, the count.
    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/employer/flags?limit=200", **hr).json()
    assert body["count"] == 60 and len(body["items"]) == 60
    assert sum(1 for i in body["items"] if i["employer_note_by"] == "nhansu.demo") == 30
