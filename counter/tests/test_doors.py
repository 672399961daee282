"""The card check's doors: the QR, the gateway-compatible log-in and check, the roles, the audit
trail the citizen sees, the notification and its switch, and the rate limits."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import psycopg
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from audit.models import AuditEvent
from counter import services
from counter.gateway import gateway_md5
from counter.models import GatewayCredential
from counter.tests.conftest import BINH, BINH_CARD, COUNTER, OFFICER, check, token_for
from registry.card import active_card_for_person, card_view
from registry.demo.fixed import BINH as BINH_PERSON
from support.models import Notification
from vssid.ratelimit import Rate

# A real 2017 card's payload (domain.md §4.1): parses, but its check value is not our signature.
REAL_CARD = (
    "DN401AA31900313|4cc3aa205669e1bb87742048c6b06e67|04/09/1985|1|"
    "437479207068e1baa76e206de1bb816d20564e50542d|01 - 043|01/07/2017|31/12/2017|21/07/2017|01059710639215|-|4|"
    "01/07/2022|1f2fa22c47f0bd18-7102|$"
)


def binh_qr() -> str:
    return card_view(active_card_for_person(BINH_PERSON["id"])).qr_payload


# ---- the QR ---------------------------------------------------------------------------------------


def test_binh_qr_is_000_and_audited_as_a_qr_check(client: Client, facility_token: str) -> None:
    r = check(client, facility_token, {"qr": binh_qr(), **OFFICER})
    assert r.status_code == 200, r.content
    assert r.json()["maKetQua"] == "000"
    event = AuditEvent.objects.filter(action="card.check").latest("at")
    assert event.person_id == BINH_PERSON["id"]
    assert event.detail == {"facility": "01929", "result": "000", "qr": True}


def test_a_changed_character_fails_the_signature_and_never_answers_000(client: Client, facility_token: str) -> None:
    qr = binh_qr()
    fields = qr.split("|")
    fields[2] = "03/11/1993"  # the date of birth, changed on a screenshot
    r = check(client, facility_token, {"qr": "|".join(fields), **OFFICER})
    assert r.status_code == 422
    assert r.json()["code"] == "qr_signature_invalid"
    assert "Chữ ký" in r.json()["message"]


def test_an_unknown_key_is_refused(client: Client, facility_token: str) -> None:
    fields = binh_qr().split("|")
    fields[13] = "zzz9." + fields[13].split(".", 1)[1]
    r = check(client, facility_token, {"qr": "|".join(fields), **OFFICER})
    assert r.status_code == 422
    assert r.json()["code"] == "qr_unknown_key"
    assert "zzz9" in r.json()["message"]


def test_a_real_card_signed_by_someone_else_is_parsed_and_reported_not_verifiable(client: Client, facility_token: str) -> None:
    r = check(client, facility_token, {"qr": REAL_CARD, **OFFICER})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "qr_not_verifiable"
    assert "Lê Việt Hưng" in body["message"]
    assert body["fields"]["maThe"] == ["DN401AA31900313"]


def test_a_malformed_qr_is_a_clear_error(client: Client, facility_token: str) -> None:
    r = check(client, facility_token, {"qr": "not a card|$", **OFFICER})
    assert r.status_code == 422
    assert r.json()["code"] == "qr_malformed"


def test_missing_officer_fields_are_named(client: Client, facility_token: str) -> None:
    r = check(client, facility_token, {"qr": binh_qr()})
    assert r.status_code == 422
    assert set(r.json()["fields"]) == {"hoTenCb", "cccdCb"}


# ---- who may check ----------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["0198765432", "canbo.dongda", "nhansu.demo", "lanhdao.hanoi"])
def test_citizen_staff_and_employer_tokens_get_403(client: Client, username: str) -> None:
    r = check(client, token_for(username), {**BINH, **OFFICER})
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert not AuditEvent.objects.filter(action="card.check").exists()


def test_no_token_and_an_expired_token_get_401(client: Client, facility_token: str) -> None:
    assert check(client, "", {**BINH, **OFFICER}).status_code == 401
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        assert check(client, facility_token, {**BINH, **OFFICER}).status_code == 401


# ---- the gateway-compatible doors ---------------------------------------------------------------


def _take(client: Client, username: str, password: str) -> Any:
    return client.post("/api/token/take", {"username": username, "password": password})


def test_the_demo_counter_has_a_gateway_password_stored_as_argon2_over_the_md5() -> None:
    stored = GatewayCredential.objects.get(user__username=COUNTER).password
    assert stored.startswith("argon2$")
    assert gateway_md5(DEMO_PASSWORD) not in stored


def test_gateway_token_then_check_gives_the_same_answer_as_the_api(client: Client, facility_token: str) -> None:
    md5 = hashlib.md5(DEMO_PASSWORD.encode()).hexdigest().upper()  # noqa: S324 - the gateway's format
    r = _take(client, COUNTER, md5)
    assert r.status_code == 200, r.content
    key = r.json()["APIKey"]
    assert r.json()["maKetQua"] == "200" and key["token_type"] == "Bearer" and key["expires_in"] > 0
    query = f"token={key['access_token']}&id_token={key['id_token']}&username={COUNTER}&password={md5}"
    gw = client.post(
        f"/api/egw/KQNhanLichSuKCB2024?{query}", data=json.dumps({**BINH, **OFFICER}), content_type="application/json"
    )
    assert gw.status_code == 200, gw.content
    v1 = check(client, facility_token, {**BINH, **OFFICER})
    a, b = gw.json(), v1.json()
    a.pop("thoiGianKT"), b.pop("thoiGianKT")
    assert a == b
    assert a["maKetQua"] == "000"


@pytest.mark.parametrize(
    ("password", "status", "result"),
    [
        (hashlib.md5(b"wrong").hexdigest().upper(), 401, "401"),  # noqa: S324 - the gateway's format
        (DEMO_PASSWORD, 422, "205"),  # the password itself, not its MD5
        (hashlib.md5(DEMO_PASSWORD.encode()).hexdigest(), 422, "205"),  # noqa: S324 - lower-case hex
        ("", 422, "205"),
    ],
)
def test_gateway_log_in_refusals(client: Client, password: str, status: int, result: str) -> None:
    r = _take(client, COUNTER, password)
    assert r.status_code == status
    assert r.json()["maKetQua"] == result
    assert r.json()["ghiChu"]


def test_a_citizen_has_no_gateway_log_in(client: Client) -> None:
    r = _take(client, "0198765432", gateway_md5(DEMO_PASSWORD))
    assert r.status_code == 401 and r.json()["maKetQua"] == "401"


def test_gateway_check_refuses_a_bad_expired_or_foreign_token(client: Client) -> None:
    r = _take(client, COUNTER, gateway_md5(DEMO_PASSWORD))
    key = r.json()["APIKey"]
    body = json.dumps({**BINH, **OFFICER})

    def call(token: str, id_token: str, username: str = COUNTER) -> Any:
        query = f"token={token}&id_token={id_token}&username={username}&password=x"
        return client.post(f"/api/egw/KQNhanLichSuKCB2024?{query}", data=body, content_type="application/json")

    assert call(key["access_token"], "0" * 64).json()["maKetQua"] == "401"
    assert call(key["access_token"], key["id_token"], "someone.else").status_code == 401
    assert call("", "").status_code == 401
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        r = call(key["access_token"], key["id_token"])
        assert r.status_code == 401 and r.json()["maKetQua"] == "401" and "hết hạn" in r.json()["ghiChu"]
    citizen = token_for("0198765432")
    from counter.gateway import id_token_for

    r = call(citizen, id_token_for(citizen), "0198765432")
    assert r.status_code == 403


def test_gateway_check_bad_body_is_205(client: Client) -> None:
    key = _take(client, COUNTER, gateway_md5(DEMO_PASSWORD)).json()["APIKey"]
    query = f"token={key['access_token']}&id_token={key['id_token']}&username={COUNTER}&password={gateway_md5(DEMO_PASSWORD)}"
    r = client.post(f"/api/egw/KQNhanLichSuKCB2024?{query}", data="{not json", content_type="application/json")
    assert r.status_code == 422 and r.json()["maKetQua"] == "205"
    r = client.post(
        f"/api/egw/KQNhanLichSuKCB2024?{query}",
        data=json.dumps({**BINH, "ngaySinh": "1992-11-03"}),
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["maKetQua"] == "205"
    assert set(r.json()["fields"]) == {"ngaySinh", "hoTenCb", "cccdCb"}


def test_gateway_check_rechecks_the_user_name_and_password_on_each_call(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    md5 = gateway_md5(DEMO_PASSWORD)
    key = _take(client, COUNTER, md5).json()["APIKey"]
    body = json.dumps({**BINH, **OFFICER})

    def call(password: str | None) -> Any:
        query = f"token={key['access_token']}&id_token={key['id_token']}&username={COUNTER}"
        if password is not None:
            query += f"&password={password}"
        return client.post(f"/api/egw/KQNhanLichSuKCB2024?{query}", data=body, content_type="application/json")

    assert call(md5).json()["maKetQua"] == "000"
    assert call(md5).json()["maKetQua"] == "000"  # the second time from the verified digests, same answer
    for wrong in (gateway_md5("wrong"), md5.lower(), DEMO_PASSWORD, "", None):
        r = call(wrong)
        assert r.status_code == 401, (wrong, r.content)
        assert r.json()["maKetQua"] == "401" and "password" in r.json()["ghiChu"]
    # The password is changed: the token alone no longer checks cards.
    monkeypatch.setenv("VSSID_GATEWAY_PASSWORD", "Another@Pass2026")
    call_command("set_gateway_password", COUNTER, "--noinput")
    assert call(md5).status_code == 401
    assert call(gateway_md5("Another@Pass2026")).json()["maKetQua"] == "000"
    # Every wrong password counted against the log-in's failure budget.
    assert not AuditEvent.objects.filter(action="card.check", detail__result="401").exists()
    from counter.gateway import FAILURE_RATES
    from vssid.models import RateCounter
    from vssid.ratelimit import _key

    # The MD5-shaped wrong ones (a guess at the password), not the malformed ones.
    assert RateCounter.objects.get(key=_key(FAILURE_RATES[0], COUNTER)).count == 2


def test_the_doors_answer_101_as_json_when_the_database_is_unreachable(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError, connection

    md5 = gateway_md5(DEMO_PASSWORD)
    key = _take(client, COUNTER, md5).json()["APIKey"]
    query = f"token={key['access_token']}&id_token={key['id_token']}&username={COUNTER}&password={md5}"

    def unreachable() -> None:
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    with monkeypatch.context() as patched:  # undone before the test's transaction is rolled back
        patched.setattr(connection, "ensure_connection", unreachable)
        answers = [
            client.post(
                f"/api/egw/KQNhanLichSuKCB2024?{query}", data=json.dumps({**BINH, **OFFICER}), content_type="application/json"
            ),
            _take(client, COUNTER, md5),
        ]
    for r in answers:
        assert r.status_code == 503 and r["Content-Type"] == "application/json"
        assert r.json()["maKetQua"] == "101" and "thử lại" in r.json()["ghiChu"]


def test_set_gateway_password_command(monkeypatch: pytest.MonkeyPatch, client: Client) -> None:
    monkeypatch.setenv("VSSID_GATEWAY_PASSWORD", "Another@Pass2026")
    call_command("set_gateway_password", COUNTER, "--noinput")
    assert _take(client, COUNTER, gateway_md5("Another@Pass2026")).status_code == 200
    assert _take(client, COUNTER, gateway_md5(DEMO_PASSWORD)).status_code == 401


# ---- the citizen sees it ----------------------------------------------------------------------


def test_the_citizen_sees_the_hospital_and_the_time_and_is_notified(client: Client, facility_token: str) -> None:
    check(client, facility_token, {**BINH, **OFFICER})
    note = Notification.objects.get(user__username="0198765432", kind="notice")
    assert note.text == "Bệnh viện Bạch Mai đã kiểm tra thẻ BHYT của bạn lúc 09:30 25/11/2026."
    client.force_login(User.objects.get(username="0198765432"))
    page = client.get("/tai-khoan/ai-da-xem/").content.decode()
    assert "Bệnh viện Bạch Mai" in page
    assert "Kiểm tra thẻ BHYT khi khám chữa bệnh" in page
    assert "bachmai" not in page


def test_the_notification_can_be_switched_off_and_the_check_is_still_shown(client: Client, facility_token: str) -> None:
    citizen = Client()
    citizen.force_login(User.objects.get(username="0198765432"))
    assert 'value="1" checked' in citizen.get("/tai-khoan/thong-bao-kiem-tra-the/").content.decode()
    assert citizen.post("/tai-khoan/thong-bao-kiem-tra-the/", {"on": "0"}).status_code == 302
    assert 'value="0" checked' in citizen.get("/tai-khoan/thong-bao-kiem-tra-the/").content.decode()
    check(client, facility_token, {**BINH, **OFFICER})
    assert not Notification.objects.filter(user__username="0198765432", kind="notice").exists()
    assert "Bệnh viện Bạch Mai" in citizen.get("/tai-khoan/ai-da-xem/").content.decode()


def test_a_failed_check_is_audited_but_not_notified(client: Client, facility_token: str) -> None:
    check(client, facility_token, {**BINH, "ngaySinh": "01/01/1990", **OFFICER})
    assert AuditEvent.objects.filter(action="card.check", person_id=BINH_PERSON["id"], detail__result="070").exists()
    assert not Notification.objects.filter(user__username="0198765432", kind="notice").exists()


def test_a_check_is_not_held_up_by_a_correction_of_the_holder_in_progress(client: Client, facility_token: str) -> None:
    """A clerk's correction holds the person's row (FOR UPDATE, corrections.actions) until it commits.

    The check's audit row names that person; were the reference a constraint, writing it would
    wait for the correction (its check locks the row it names). In production the check's
    statement commits by itself, which is when a deferred constraint is checked: SET CONSTRAINTS
    ALL IMMEDIATE does the same inside the test's transaction.
    """
    settings_dict = connection.settings_dict
    clerk = psycopg.connect(
        host=settings_dict["HOST"], port=settings_dict["PORT"] or 5432, user=settings_dict["USER"], dbname=settings_dict["NAME"]
    )
    try:
        locked = clerk.execute("SELECT id FROM registry_person WHERE ssn = %s FOR UPDATE", [BINH_PERSON["ssn"]]).fetchone()
        assert locked is not None
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        r = check(client, facility_token, {**BINH, **OFFICER})
        assert r.status_code == 200, r.content
        assert r.json()["maKetQua"] == "000"
        assert AuditEvent.objects.filter(action="card.check", person_id=locked[0]).exists()
    finally:
        clerk.rollback()
        clerk.close()


# ---- abuse ------------------------------------------------------------------------------------


def test_a_card_is_checked_at_most_so_often(client: Client, facility_token: str) -> None:
    for _ in range(services.CARD_RATE.limit):
        assert check(client, facility_token, {**BINH, "hoTen": "Nguyễn Văn X", **OFFICER}).status_code == 200
    r = check(client, facility_token, {**BINH, **OFFICER})
    assert r.status_code == 429
    assert r.json()["code"] == "too_many_requests"
    # Another card is still answered.
    assert check(client, facility_token, {**BINH, "maThe": "DN4019900000124", **OFFICER}).status_code == 200


def test_a_facility_login_is_limited(client: Client, facility_token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "USER_RATES", (Rate("card_check_user_test", 3, dt.timedelta(minutes=1)),))
    for _ in range(3):
        assert check(client, facility_token, {**BINH, **OFFICER}).status_code == 200
    assert check(client, facility_token, {**BINH, "maThe": "DN4019900000124", **OFFICER}).status_code == 429


# ---- the page without JavaScript ------------------------------------------------------------------


def test_the_counter_page_checks_in_the_logins_officer_name(client: Client) -> None:
    client.force_login(User.objects.get(username=COUNTER))
    assert "Phạm Thu Hà" in client.get("/kiem-tra-the/").content.decode()
    page = client.post("/kiem-tra-the/", {"maThe": BINH_CARD, "hoTen": "Trần Thị Bình", "ngaySinh": "03/11/1992"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-code="000"' in html and "counter-ok" in html and "Mức 4: quỹ BHYT chi trả 80%" in html
    fragment = client.post("/kiem-tra-the/kiem-tra/", {"qr": REAL_CARD})
    assert fragment.status_code == 422 and "không mang chữ ký của VssID" in fragment.content.decode()


@pytest.mark.parametrize("username", ["0198765432", "canbo.dongda"])
def test_the_counter_page_is_not_there_for_others(client: Client, username: str) -> None:
    client.force_login(User.objects.get(username=username))
    assert client.get("/kiem-tra-the/").status_code == 404
    assert client.post("/kiem-tra-the/kiem-tra/", {"maThe": BINH_CARD}).status_code == 404


def test_the_citizen_dashboard_links_the_notification_switch(client: Client) -> None:
    client.force_login(User.objects.get(username="0198765432"))
    assert "/tai-khoan/thong-bao-kiem-tra-the/" in client.get("/tai-khoan/").content.decode()
