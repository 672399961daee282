"""Given accounts: `manage.py create_staff` and the HR clerks an office lead invites."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import User
from audit.models import AuditEvent
from enrollment.tests.web_support import PASSWORD, login, sms_lines, use_files
from registry.models import Employer

pytestmark = pytest.mark.django_db

IN_SCOPE = "0101234567DNA03"  # the demo employer, office 00106 under 001
URL = "/lanh-dao/moi-can-bo-nhan-su/"


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


@pytest.fixture
def outside() -> Employer:
    """An employer of Cao Bằng: outside the scope of BHXH Hà Nội (001)."""
    return Employer.objects.create(
        code="0401234567DNA01", name="Công ty Cao Bằng", participant_group="DN", province_id="04", office_id="004"
    )


@pytest.fixture
def lead(client: Client) -> Client:
    assert login(client, "lanhdao.hanoi").status_code == 302
    return client


# ---- create_staff -----------------------------------------------------------------------------


def test_create_staff_reads_the_password_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VSSID_STAFF_PASSWORD", "Cau-Giay-2026!")
    out = io.StringIO()
    call_command("create_staff", "canbo.caugiay", "--office", "00106", stdout=out)
    user = User.objects.get(username="canbo.caugiay")
    assert (user.role, user.office_id, user.must_change_password) == ("staff", "00106", True)
    assert user.check_password("Cau-Giay-2026!") and "canbo.caugiay" in out.getvalue()
    assert AuditEvent.objects.filter(action="account.create", object_id=str(user.pk), actor_label="create_staff").exists()
    # The first login must change the password, on the web as on the API.
    client = Client()
    assert login(client, "canbo.caugiay", "Cau-Giay-2026!")["Location"] == "/staff/"
    assert client.get("/staff/")["Location"] == "/doi-mat-khau/"


def test_create_staff_makes_a_lead_with_lead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VSSID_STAFF_PASSWORD", "Cau-Giay-2026!")
    call_command("create_staff", "lanhdao.moi", "--office", "001", "--lead", stdout=io.StringIO())
    assert User.objects.get(username="lanhdao.moi").role == "lead"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["canbo.x", "--office", "99999"], "Không có cơ quan BHXH mã 99999."),
        (["canbo.dongda", "--office", "00106"], "Tên đăng nhập canbo.dongda đã được dùng."),
        (["CANBO.DONGDA", "--office", "00106"], "Tên đăng nhập CANBO.DONGDA đã được dùng."),
        (["canbo.hg", "--office", "002"], "Cơ quan BHXH 002 đã ngừng hoạt động."),
    ],
)
def test_create_staff_refuses_clearly(monkeypatch: pytest.MonkeyPatch, args: list[str], message: str) -> None:
    monkeypatch.setenv("VSSID_STAFF_PASSWORD", "Cau-Giay-2026!")
    with pytest.raises(CommandError, match=message):
        call_command("create_staff", *args, stdout=io.StringIO())


def test_create_staff_refuses_a_weak_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VSSID_STAFF_PASSWORD", "12345678")
    with pytest.raises(CommandError, match="Mật khẩu này hoàn toàn là số"):
        call_command("create_staff", "canbo.x", "--office", "00106", stdout=io.StringIO())
    assert not User.objects.filter(username="canbo.x").exists()


def test_create_staff_without_password_and_without_terminal_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VSSID_STAFF_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="VSSID_STAFF_PASSWORD"):
        call_command("create_staff", "canbo.x", "--office", "00106", "--no-input", stdout=io.StringIO())
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal
    with pytest.raises(CommandError, match="VSSID_STAFF_PASSWORD"):
        call_command("create_staff", "canbo.x", "--office", "00106", stdout=io.StringIO())


def test_create_staff_asks_twice_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VSSID_STAFF_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    answers = iter(["Cau-Giay-2026!", "typo", "Cau-Giay-2026!", "Cau-Giay-2026!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("create_staff", "canbo.tty", "--office", "00106", stdout=io.StringIO(), stderr=io.StringIO())
    assert User.objects.get(username="canbo.tty").check_password("Cau-Giay-2026!")


# ---- a lead invites HR clerks -----------------------------------------------------------------


def invite(client: Client, **override: str) -> Any:
    data = {"employer_code": IN_SCOPE, "full_name": "Phạm Thu Hà", "username": "nhansu.ha", "phone": "0911222333"}
    return client.post(URL, {**data, **override})


def test_a_lead_invites_an_hr_clerk_who_must_change_the_password(lead: Client) -> None:
    assert lead.get(URL).status_code == 200
    response = invite(lead)
    assert response.status_code == 302 and response["Location"] == URL
    clerk = User.objects.get(username="nhansu.ha")
    assert (clerk.role, clerk.employer_id, clerk.must_change_password) == ("employer", IN_SCOPE, True)
    assert (clerk.last_name, clerk.first_name) == ("Phạm Thu", "Hà")
    [sms] = [line for line in sms_lines() if line["to"] == "+84911222333"]
    assert sms["kind"] == "account_password" and "nhansu.ha" in sms["body"] and len(sms["body"]) <= 160
    password = sms["body"].split("mat khau ")[1].split(".")[0]
    event = AuditEvent.objects.get(action="account.invite_hr", object_id=str(clerk.pk))
    assert event.actor_label == "lanhdao.hanoi" and event.detail["employer"] == IN_SCOPE
    assert "+84911222333" not in str(event.detail)
    # The clerk logs in with the texted password and must replace it before the portal.
    other = Client()
    assert login(other, "nhansu.ha", password).status_code == 302
    assert other.get("/don-vi/")["Location"] == "/doi-mat-khau/"
    refused = other.post(
        "/doi-mat-khau/", {"old_password": password, "new_password": "Pham-Thu-Ha", "new_password2": "Pham-Thu-Ha"}
    )
    assert refused.status_code == 400  # her own name
    ok = other.post(
        "/doi-mat-khau/", {"old_password": password, "new_password": "Song-Hong-2027", "new_password2": "Song-Hong-2027"}
    )
    assert ok.status_code == 302 and other.get("/don-vi/").status_code == 200


def test_an_employer_outside_the_leads_office_is_refused_like_an_unknown_one(lead: Client, outside: Employer) -> None:
    for code in (outside.code, "0109999999DNA01"):
        response = invite(lead, employer_code=code)
        assert response.status_code == 404
        assert "Không tìm thấy đơn vị này trong phạm vi cơ quan BHXH của bạn." in response.content.decode()
    assert not User.objects.filter(username="nhansu.ha").exists() and sms_lines() == []


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [("username", "nhansu.demo", 409), ("username", "0123456789", 400), ("username", "Có Dấu", 400), ("phone", "123", 400)],
)
def test_bad_or_taken_names_and_phones_are_refused(lead: Client, field: str, value: str, status: int) -> None:
    response = invite(lead, **{field: value})
    assert response.status_code == status
    assert sms_lines() == []


@pytest.mark.parametrize("username", ["canbo.dongda", "nhansu.demo", "0198765432"])
def test_only_leads_get_the_page(client: Client, username: str) -> None:
    login(client, username)
    assert client.get(URL).status_code == 404
    assert invite(client).status_code == 404
    assert not User.objects.filter(username="nhansu.ha").exists()


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    assert client.get(URL)["Location"].startswith("/dang-nhap/")


def test_the_campaign_page_links_to_it_for_leads(lead: Client) -> None:
    assert f'href="{URL}"' in lead.get("/chien-dich/").content.decode()
    staff = Client()
    login(staff, "canbo.dongda")
    assert f'href="{URL}"' not in staff.get("/chien-dich/").content.decode()


def test_password_is_not_in_the_page_or_the_audit(lead: Client) -> None:
    invite(lead)
    sms = sms_lines()[-1]["body"]
    password = sms.split("mat khau ")[1].split(".")[0]
    assert password != PASSWORD
    assert password not in str(list(AuditEvent.objects.values_list("detail", flat=True)))
