"""The employer and campaign API: own workers only, invitations once per 7 days, the share moving."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.services import new_password
from employers.campaign import take_snapshot
from employers.models import Invitation
from employers.services import worker_periods
from enrollment.actions import do_approve_registration, do_receive_registration
from enrollment.tests.web_support import register_and_confirm, sms_of, use_files
from messaging.models import Message
from registry.models import ParticipationPeriod, Person

pytestmark = pytest.mark.django_db

AN, BINH = "0123456789", "0198765432"
DEMO_EMPLOYER = "0101234567DNA03"
PASSWORD = "VssidDemo@2026"


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


def bearer(client: Client, username: str) -> dict[str, Any]:
    response = client.post("/api/v1/auth/login", {"username": username, "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def hr(client: Client) -> dict[str, Any]:
    return bearer(client, "nhansu.demo")


def invite(client: Client, headers: dict[str, Any], ssns: list[str]) -> Any:
    return client.post("/api/v1/employer/invitations", {"ssns": ssns}, content_type="application/json", **headers)


def other_worker_ssn() -> str:
    period = (
        ParticipationPeriod.objects.filter(to_month__isnull=True, scheme="bhxh", voluntary=False, employer__isnull=False)
        .exclude(employer_id=DEMO_EMPLOYER)
        .exclude(person__in=worker_periods(DEMO_EMPLOYER).values("person_id"))
        .exclude(person__phone="")
        .select_related("person")
        .first()
    )
    assert period is not None
    return period.person.ssn


def test_hr_sees_all_its_workers_and_nobody_else(client: Client, hr: dict[str, Any]) -> None:
    response = client.get("/api/v1/employer/workers?limit=500", **hr)
    assert response.status_code == 200
    body = response.json()
    got = {item["ssn"] for item in body["items"]}
    expected = set(Person.objects.filter(pk__in=worker_periods(DEMO_EMPLOYER).values("person_id")).values_list("ssn", flat=True))
    assert got == expected and body["count"] == len(expected)
    assert {AN, BINH} <= got
    assert other_worker_ssn() not in got
    by_ssn = {item["ssn"]: item for item in body["items"]}
    assert by_ssn[BINH]["has_account"] is True and by_ssn[BINH]["status"] == "account"
    assert by_ssn[AN]["has_account"] is False and by_ssn[AN]["status"] == "none"

    without = client.get("/api/v1/employer/workers?has_account=false&limit=500", **hr).json()
    assert AN in {i["ssn"] for i in without["items"]} and BINH not in {i["ssn"] for i in without["items"]}


def test_bad_paging_and_bodies_are_clear_4xx(client: Client, hr: dict[str, Any]) -> None:
    # An offset past PostgreSQL's bigint used to reach the database and answer 500.
    huge = client.get("/api/v1/employer/workers?offset=9223372036854775808", **hr)
    assert huge.status_code == 422 and "offset" in str(huge.json()["fields"])
    past_the_end = client.get("/api/v1/employer/workers?offset=1000000000", **hr)
    assert past_the_end.status_code == 200 and past_the_end.json()["items"] == []
    not_json = client.post("/api/v1/employer/invitations", "{", content_type="application/json", **hr)
    assert not_json.status_code == 400 and not_json.json()["code"] == "invalid_json"


def test_invite_an_once_then_refused_for_seven_days(client: Client, hr: dict[str, Any]) -> None:
    response = invite(client, hr, [AN])
    assert response.status_code == 200, response.content
    assert [i["ssn"] for i in response.json()["invited"]] == [AN]
    bodies = sms_of("invitation")
    assert len(bodies) == 1
    assert "/dang-ky/" in bodies[0] and len(bodies[0]) <= 160 and bodies[0].isascii()

    again = invite(client, hr, [AN])
    assert again.status_code == 409
    error = again.json()
    assert error["code"] == "not_invited" and "7" in error["message"] and AN in error["fields"]
    assert len(sms_of("invitation")) == 1
    assert Invitation.objects.filter(person__ssn=AN).count() == 1

    with time_machine.travel(timezone.now() + dt.timedelta(days=7, minutes=1)):
        assert invite(client, bearer(client, "nhansu.demo"), [AN]).status_code == 200
        assert len(sms_of("invitation")) == 2


def test_another_employers_worker_is_refused_and_never_texted(client: Client, hr: dict[str, Any]) -> None:
    stranger = other_worker_ssn()
    response = invite(client, hr, [stranger, "0000000001"])
    assert response.status_code == 409
    fields = response.json()["fields"]
    # The same sentence whether the code exists elsewhere or not: nothing leaks.
    assert fields[stranger][0].replace(stranger, "X") == fields["0000000001"][0].replace("0000000001", "X")
    assert not Message.objects.filter(kind="invitation").exists()


def test_mixed_list_sends_to_an_and_explains_the_others(client: Client, hr: dict[str, Any]) -> None:
    response = invite(client, hr, [AN, BINH, other_worker_ssn()])
    assert response.status_code == 200
    body = response.json()
    assert [i["ssn"] for i in body["invited"]] == [AN]
    assert {r["code"] for r in body["refused"]} == {"has_account", "not_a_worker"}
    assert Message.objects.filter(kind="invitation").count() == 1


def test_only_hr_users_reach_the_employer_api(client: Client) -> None:
    assert client.get("/api/v1/employer/workers").status_code == 401
    for username in ("lanhdao.hanoi", "canbo.dongda", BINH):
        response = client.get("/api/v1/employer/workers", **bearer(client, username))
        assert response.status_code == 403, username
        assert invite(client, bearer(client, username), [AN]).status_code == 403


def test_only_leads_and_staff_reach_the_campaign(client: Client) -> None:
    assert client.get("/api/v1/campaign/adoption").status_code == 401
    for username in ("nhansu.demo", BINH):
        assert client.get("/api/v1/campaign/adoption", **bearer(client, username)).status_code == 403
    staff = client.get("/api/v1/campaign/adoption?group_by=employer", **bearer(client, "canbo.dongda")).json()
    assert staff["office_code"] == "00106"
    assert DEMO_EMPLOYER in {g["code"] for g in staff["groups"]}


def share(client: Client, headers: dict[str, Any], group_by: str = "office") -> dict[str, Any]:
    response = client.get(f"/api/v1/campaign/adoption?group_by={group_by}", **headers)
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_lead_sees_the_share_move_when_an_registers_and_is_approved(client: Client) -> None:
    lead = bearer(client, "lanhdao.hanoi")
    before = share(client, lead)
    assert before["office_code"] == "001" and before["insured"] > 0
    assert 0 < before["accounts"] < before["insured"]
    assert abs(before["share"] - before["accounts"] / before["insured"]) < 1e-3
    assert "00106" in {g["code"] for g in before["groups"]}

    reference = register_and_confirm(Client())
    assert share(client, lead)["in_progress"] == before["in_progress"] + 1
    clerk = User.objects.get(username="canbo.dongda")
    do_receive_registration(reference, acting_user=clerk)
    do_approve_registration(reference, acting_user=clerk, password=new_password())

    after = share(client, lead)
    assert after["accounts"] == before["accounts"] + 1
    assert after["insured"] == before["insured"] and after["share"] > before["share"]
    dongda = {g["code"]: g for g in after["groups"]}["00106"]
    assert dongda["accounts"] == {g["code"]: g for g in before["groups"]}["00106"]["accounts"] + 1


def test_the_trend_shows_only_the_snapshots_taken(client: Client) -> None:
    lead = bearer(client, "lanhdao.hanoi")
    assert share(client, lead)["trend"] == []
    # Campaign weeks start on Wednesdays (25/11/2020 was one); times are 03:00 UTC = 10:00 in Hà Nội.
    with time_machine.travel(dt.datetime(2026, 11, 4, 3, tzinfo=dt.UTC)):
        take_snapshot()
    with time_machine.travel(dt.datetime(2026, 11, 5, 3, tzinfo=dt.UTC)):
        take_snapshot()  # same campaign week: only the later day is shown
    reference = register_and_confirm(Client())
    clerk = User.objects.get(username="canbo.dongda")
    do_receive_registration(reference, acting_user=clerk)
    do_approve_registration(reference, acting_user=clerk, password=new_password())
    with time_machine.travel(dt.datetime(2026, 11, 13, 3, tzinfo=dt.UTC)):
        take_snapshot()
        take_snapshot()  # taking a day again replaces it
    trend = share(client, lead)["trend"]
    assert [p["day"] for p in trend] == ["2026-11-05", "2026-11-13"]
    assert trend[1]["accounts"] == trend[0]["accounts"] + 1
    assert trend[1]["week"] > trend[0]["week"]


def test_an_office_with_no_insured_workers_gets_zeros_not_a_500(client: Client) -> None:
    from places.models import Office

    # An office whose scope has no employer at all (e.g. one opened after the register was cut).
    lead = User.objects.get(username="lanhdao.hanoi")
    empty = Office.objects.exclude(code__startswith="001").exclude(code__in=["000"]).order_by("code").first()
    assert empty is not None
    User.objects.filter(pk=lead.pk).update(office=empty)
    response = client.get("/api/v1/campaign/adoption?group_by=employer", **bearer(client, "lanhdao.hanoi"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["insured"], body["accounts"], body["share"], body["groups"]) == (0, 0, 0.0, [])
    client.force_login(lead)
    page = client.get("/chien-dich/")
    assert page.status_code == 200
    assert client.get("/chien-dich/bao-cao.csv").status_code == 200
