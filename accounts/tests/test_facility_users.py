"""Health facilities' counter logins (role facility): the command, the constraint, the admin, the demo
login, and every door of the other roles closed to them."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import User
from api.tests.support import get, login
from audit.models import AuditEvent
from enrollment.tests.web_support import PASSWORD
from enrollment.tests.web_support import login as web_login

pytestmark = pytest.mark.django_db

FACILITY_ARGS = ["--facility", "01929", "--officer-name", "Nguyễn Văn Khám", "--officer-cccd", "001190004321"]


def test_the_demo_counter_of_bach_mai() -> None:
    user = User.objects.select_related("facility").get(username="bachmai.tiepdon")
    assert user.role == User.Role.FACILITY and user.facility is not None
    assert (user.facility.code, user.facility.name) == ("01929", "Bệnh viện Bạch Mai")
    assert (user.officer_name, user.officer_cccd) == ("Phạm Thu Hà", "001185001234")
    assert user.check_password(PASSWORD) and not user.must_change_password


def test_create_facility_user_reads_the_password_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VSSID_FACILITY_PASSWORD", "Bach-Mai-2026!")
    out = io.StringIO()
    call_command("create_facility_user", "bachmai.quay2", *FACILITY_ARGS, stdout=out)
    user = User.objects.get(username="bachmai.quay2")
    assert (user.role, user.facility_id, user.must_change_password) == ("facility", "01929", True)
    assert (user.officer_name, user.officer_cccd) == ("Nguyễn Văn Khám", "001190004321")
    assert user.check_password("Bach-Mai-2026!") and "bachmai.quay2" in out.getvalue()
    assert AuditEvent.objects.filter(action="account.create", object_id=str(user.pk), actor_label="create_facility_user").exists()
    client = Client()
    web_login(client, "bachmai.quay2", "Bach-Mai-2026!")
    assert client.get("/ca-nhan/the-bhyt/")["Location"] == "/doi-mat-khau/"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x.quay", "--facility", "99999", "--officer-name", "A B", "--officer-cccd", "001190004321"], "99999"),
        (["x.quay", "--facility", "01929", "--officer-name", " ", "--officer-cccd", "001190004321"], "họ tên cán bộ"),
        (["x.quay", "--facility", "01929", "--officer-name", "A B", "--officer-cccd", "0011900043"], "12 chữ số"),
        (["bachmai.tiepdon", *FACILITY_ARGS], "đã được dùng"),
    ],
)
def test_create_facility_user_refuses_clearly(monkeypatch: pytest.MonkeyPatch, args: list[str], message: str) -> None:
    monkeypatch.setenv("VSSID_FACILITY_PASSWORD", "Bach-Mai-2026!")
    with pytest.raises(CommandError, match=message):
        call_command("create_facility_user", *args, stdout=io.StringIO())


def test_create_facility_user_without_password_and_without_terminal_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VSSID_FACILITY_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal
    with pytest.raises(CommandError, match="VSSID_FACILITY_PASSWORD"):
        call_command("create_facility_user", "x.quay", *FACILITY_ARGS, stdout=io.StringIO())
    assert not User.objects.filter(username="x.quay").exists()


def test_create_facility_user_asks_twice_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VSSID_FACILITY_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    answers = iter(["Bach-Mai-2026!", "typo", "Bach-Mai-2026!", "Bach-Mai-2026!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("create_facility_user", "x.tty", *FACILITY_ARGS, stdout=io.StringIO(), stderr=io.StringIO())
    assert User.objects.get(username="x.tty").check_password("Bach-Mai-2026!")


@pytest.mark.parametrize(
    "fields",
    [
        {"facility_id": None},
        {"officer_name": ""},
        {"officer_cccd": ""},
        {"officer_cccd": "00118500123X"},
    ],
)
def test_the_database_refuses_a_facility_user_without_its_links(fields: dict[str, Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(username="bachmai.tiepdon").update(**fields)


def test_the_admin_shows_and_edits_the_facility_fields(client: Client) -> None:
    client.force_login(User.objects.get(username="admin"))
    user = User.objects.get(username="bachmai.tiepdon")
    page = client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("facility", "officer_name", "officer_cccd"):
        assert f'name="{name}"' in html
    assert "001185001234" in html
    listing = client.get("/admin/accounts/user/", {"role__exact": "facility"}).content.decode()
    assert "bachmai.tiepdon" in listing
    assert "bachmai.tiepdon" in client.get("/admin/accounts/user/", {"q": "01929"}).content.decode()


# ---- every other role's door is closed -----------------------------------------------------------

API_PATHS = [
    "/me",
    "/me/card",
    "/me/card/qr.png",
    "/me/participation",
    "/me/benefits",
    "/me/medical-visits",
    "/me/flags",
    "/support/tickets",
    "/staff/registrations",
    "/campaign/adoption",
    "/employer/workers",
]
WEB_PATHS = [
    "/ca-nhan/the-bhyt/",
    "/ca-nhan/qua-trinh/",
    "/ca-nhan/qua-trinh/c14-ts.pdf",
    "/ca-nhan/thong-tin-huong/",
    "/ca-nhan/kham-chua-benh/",
    "/ca-nhan/uoc-tinh/",
    "/ca-nhan/phan-anh/",
    "/tai-khoan/ai-da-xem/",
    "/staff/",
    "/staff/ho-tro/",
    "/staff/phan-anh/",
    "/don-vi/",
    "/don-vi/nguoi-lao-dong.csv",
    "/chien-dich/",
    "/lanh-dao/moi-can-bo-nhan-su/",
    "/admin/",
]


def test_a_facility_token_opens_no_other_roles_endpoint(client: Client) -> None:
    token = login(client, "bachmai.tiepdon")["access_token"]
    for path in API_PATHS:
        status = get(client, path, token=token).status_code
        assert status in (403, 404), (path, status)


def test_a_facility_login_opens_no_other_roles_page() -> None:
    client = Client()
    assert web_login(client, "bachmai.tiepdon").status_code == 302
    for path in WEB_PATHS:
        response = client.get(path)
        if response.status_code == 302:  # the admin sends a non-staff user to its own login
            assert response["Location"].startswith("/admin/login/"), path
        else:
            assert response.status_code in (403, 404), (path, response.status_code)
