"""A clerk resends the password SMS: a new password, the old one dead, audited, never two on the way."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from audit.models import AuditEvent
from enrollment.tests.web_support import login, register_and_confirm, sms_of, use_files
from messaging.models import Message
from vssid.testing import AN_PHONE, sent_password

pytestmark = pytest.mark.django_db
AN_SSN = "0123456789"


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


@pytest.fixture
def clerk() -> Client:
    browser = Client()
    assert login(browser, "canbo.dongda").status_code == 302
    return browser


@pytest.fixture
def approved(clerk: Client) -> str:
    reference = register_and_confirm(Client())
    assert clerk.post(f"/staff/ho-so/{reference}/tiep-nhan/").status_code == 302
    assert clerk.post(f"/staff/ho-so/{reference}/duyet/").status_code == 302
    return reference


def resend(clerk: Client, reference: str) -> str:
    response = clerk.post(f"/staff/ho-tro/ho-so/{reference}/gui-lai-mat-khau/", follow=True)
    assert response.redirect_chain == [(f"/staff/ho-so/{reference}/", 302)]
    return str(response.content.decode())


def test_a_resend_waits_for_the_first_sms_then_replaces_the_password(clerk: Client, approved: str) -> None:
    # The approval's SMS has not gone out yet: a second password on its way would only confuse.
    page = resend(clerk, approved)
    assert "SMS mật khẩu trước đó vẫn đang chờ gửi" in page
    assert Message.objects.filter(kind="account_password").count() == 1
    first = sent_password()  # delivers it

    page = resend(clerk, approved)
    assert "Đã tạo mật khẩu mới và gửi qua SMS tới số 0912345678" in page
    bodies = sms_of("account_password", AN_PHONE)
    assert len(bodies) == 2
    match = re.search(r"la (\S+?)\. Mat khau gui truoc do khong con dung duoc", bodies[1])
    assert match is not None
    second = match.group(1)
    assert second != first
    assert login(Client(), AN_SSN, first).status_code == 401
    assert login(Client(), AN_SSN, second).status_code == 302
    user = User.objects.get(username=AN_SSN)
    assert user.must_change_password
    assert AuditEvent.objects.filter(action="account.password_resend", object_id=str(user.pk)).count() == 1
    # The panel shows the latest password SMS, the resent one.
    assert "Gửi lại mật khẩu qua SMS" in clerk.get(f"/staff/ho-so/{approved}/").content.decode()


def test_no_resend_once_the_citizen_chose_a_password(clerk: Client, approved: str) -> None:
    first = sent_password()
    citizen = Client()
    assert login(citizen, AN_SSN, first).status_code == 302
    citizen.post("/doi-mat-khau/", {"old_password": first, "new_password": "Hoa-Sen-2027", "new_password2": "Hoa-Sen-2027"})
    page = resend(clerk, approved)
    assert "Quên mật khẩu" in page
    assert login(Client(), AN_SSN, "Hoa-Sen-2027").status_code == 302


def test_only_approved_files_of_the_clerks_office(clerk: Client, approved: str) -> None:
    User.objects.create_user("canbo.badinh", password="Ba-Dinh-2026!", role=User.Role.STAFF, office_id="00101")
    other = Client()
    assert login(other, "canbo.badinh", "Ba-Dinh-2026!").status_code == 302
    assert other.post(f"/staff/ho-tro/ho-so/{approved}/gui-lai-mat-khau/").status_code == 404
    assert other.get(f"/staff/ho-tro/ho-so/{approved}/gui-lai-mat-khau/").status_code == 405
    citizen = Client()
    login(citizen, "0198765432")
    assert citizen.post(f"/staff/ho-tro/ho-so/{approved}/gui-lai-mat-khau/").status_code == 404


def test_the_panel_counts_tries_as_a_clerk_does(clerk: Client, approved: str) -> None:
    panel = clerk.get(f"/staff/ho-so/{approved}/").content.decode()
    assert "Chờ gửi" in panel and "Chưa thử" in panel
    sent_password()  # delivered at the first try
    panel = clerk.get(f"/staff/ho-so/{approved}/").content.decode()
    tries = re.search(r"Số lần thử</dt><dd>(\d+)</dd>", panel)
    assert "Đã gửi" in panel and tries is not None and tries.group(1) == "1"
