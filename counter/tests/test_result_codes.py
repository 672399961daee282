"""Each result code the register can produce, through POST /api/v1/card-check (domain.md §3.9)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.services import revoke_access_token
from api.routers.card_check import CardCheckOut
from counter import register
from counter.tests.conftest import BINH, BINH_CARD, COUNTER, OFFICER, check, token_for
from registry.cardformat import build_card_number
from registry.demo.cardstates import BY_CODE
from registry.models import HealthCard, Person
from support.models import Notification


def _case(code: str, group: str, level: int) -> dict[str, str]:
    case = BY_CODE[code]
    return {
        "maThe": build_card_number(group, level, "01", case.ssn),
        "hoTen": case.name,
        "ngaySinh": case.birth.strftime("%d/%m/%Y"),
    }


def test_it_answers_000_with_the_card_the_newer_fields_empty_and_the_visits(client: Client, facility_token: str) -> None:
    r = check(client, facility_token, {**BINH, **OFFICER})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["maKetQua"] == "000"
    assert body["ghiChu"] == "Thẻ hợp lệ"
    assert body["maThe"] == BINH_CARD
    assert body["hoTen"] == "Trần Thị Bình"
    assert body["ngaySinh"] == "03/11/1992"
    assert body["gioiTinh"] == "Nữ"
    assert body["maSoBHXH"] == "0198765432"
    assert body["mucHuong"] == 4 and body["tyLeHuong"] == 80
    assert body["ngayDu5Nam"] == "01/09/2021"
    assert body["maTheMoi"] is None
    assert body["TEMP1"] == "0101234567DNA03"
    assert body["userKT"] == "bachmai.tiepdon"
    visits = body["dsLichSuKCB"]
    assert [v["ngayVao"] for v in visits] == ["202503170930", "202104092205"]
    assert visits[0]["tenBenh"] == "J06 - Viêm đường hô hấp trên cấp"


@pytest.mark.parametrize(
    ("code", "group", "level", "new_card"),
    [
        ("003", "HS", 4, "SV4019900000003"),
        ("004", "DN", 4, "HT3019900000004"),
        ("010", "GD", 4, None),
        ("110", "DN", 4, None),
        ("120", "GD", 4, None),
        ("121", "DN", 4, "moved"),
        ("122", "DN", 4, None),
        ("123", "DN", 4, None),
        ("124", "DN", 4, None),
        ("001", "QN", 5, None),
        ("002", "CA", 5, None),
    ],
)
def test_each_state_of_the_register_gives_its_code(
    client: Client, facility_token: str, code: str, group: str, level: int, new_card: str | None
) -> None:
    body = check(client, facility_token, {**_case(code, group, level), **OFFICER}).json()
    assert body["maKetQua"] == code, body
    assert body["maThe"] == build_card_number(group, level, "01", BY_CODE[code].ssn)
    if new_card == "moved":
        # Moved to an employer in another province: the new card is issued there.
        assert body["maTheMoi"] is not None and body["maTheMoi"][3:5] != "01"
        assert body["maTheCu"] == body["maThe"]
    else:
        assert body["maTheMoi"] == new_card


def test_a_person_without_a_card_and_an_unknown_code_are_050(client: Client, facility_token: str) -> None:
    assert check(client, facility_token, {**_case("050", "DN", 4), **OFFICER}).json()["maKetQua"] == "050"
    body = check(client, facility_token, {**BINH, "maThe": "DN4019999999999", **OFFICER}).json()
    assert body["maKetQua"] == "050"
    assert body["hoTen"] is None and body["dsLichSuKCB"] == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"maThe": "DN4790198765432"}, "052"),  # province characters wrong
        ({"maThe": "DN3010198765432"}, "053"),  # benefit character wrong
        ({"maThe": "HS4010198765432"}, "051"),  # group wrong
        ({"maThe": "D14010198765432"}, "051"),  # not a card number at all
        ({"hoTen": "Nguyễn Thị Bình"}, "060"),
        ({"hoTen": "Tran Thi Binh"}, "061"),  # without diacritics: first letter right
        ({"ngaySinh": "04/11/1992"}, "070"),
        ({"ngaySinh": "1991"}, "070"),
        ({"cccdCb": "001185009999"}, "054"),
        ({"hoTenCb": "Phạm Thu Hằng"}, "055"),
    ],
)
def test_what_is_typed_wrong_gives_its_code_and_nothing_of_the_holder(
    client: Client, facility_token: str, change: dict[str, str], code: str
) -> None:
    body = check(client, facility_token, {**BINH, **OFFICER, **change}).json()
    assert body["maKetQua"] == code, body
    assert body["hoTen"] is None and body["maSoBHXH"] is None and body["dsLichSuKCB"] == []


@pytest.mark.parametrize(
    "change",
    [
        {"ngaySinh": "1992"},  # the year alone, as the gateway takes it
        {"hoTen": "  trần   thị BÌNH "},  # case and spaces do not matter, diacritics do
        {"maThe": "0198765432"},  # the BHXH code names the card in use
        {"maThe": "001192054321"},  # so does the CCCD
        {"maThe": "dn4010198765432"},
    ],
)
def test_the_same_card_named_or_typed_otherwise_is_000(client: Client, facility_token: str, change: dict[str, str]) -> None:
    body = check(client, facility_token, {**BINH, **OFFICER, **change}).json()
    assert body["maKetQua"] == "000", body


def test_a_replaced_card_of_another_status_in_the_register_follows_the_state(client: Client, facility_token: str) -> None:
    # The register changes: Bình's card is withdrawn; the next check says so.
    HealthCard.objects.filter(number=BINH_CARD).update(status=HealthCard.Status.WITHDRAWN)
    assert check(client, facility_token, {**BINH, **OFFICER}).json()["maKetQua"] == "110"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ngaySinh": "1992-11-03"}, "ngaySinh"),
        ({"ngaySinh": "3/11/92"}, "ngaySinh"),
        ({"ngaySinh": "31/02/1992"}, "ngaySinh"),
        ({"maThe": "DN40101987654"}, "maThe"),
        ({"maThe": ""}, "maThe"),
        ({"hoTen": ""}, "hoTen"),
        ({"hoTenCb": ""}, "hoTenCb"),
        ({"cccdCb": "12345"}, "cccdCb"),
        ({"cccdCb": None}, "cccdCb"),
    ],
)
def test_bad_parameters_are_a_clear_422_naming_the_field(
    client: Client, facility_token: str, change: dict[str, Any], field: str
) -> None:
    r = check(client, facility_token, {**BINH, **OFFICER, **change})
    assert r.status_code == 422, r.content
    body = r.json()
    assert body["code"] in ("bad_parameters", "invalid_input")
    assert field in body["fields"], body


def test_name_alone_is_not_a_look_up(client: Client, facility_token: str) -> None:
    r = check(client, facility_token, {"hoTen": "Trần Thị Bình", "ngaySinh": "03/11/1992", **OFFICER})
    assert r.status_code == 422
    assert "maThe" in r.json()["fields"]


def test_an_inconsistent_record_is_100_and_shows_nothing(client: Client, facility_token: str) -> None:
    # A holder without a name, a card in a state the register does not know: a data error, not a "wrong name".
    Person.objects.filter(ssn="0198765432").update(full_name="")
    body = check(client, facility_token, {**BINH, **OFFICER}).json()
    assert body["maKetQua"] == "100" and body["ghiChu"] == "Lỗi dữ liệu"
    assert body["hoTen"] is None and body["dsLichSuKCB"] == []
    Person.objects.filter(ssn="0198765432").update(full_name="Trần Thị Bình")
    HealthCard.objects.filter(number=BINH_CARD).update(status="lost")
    assert check(client, facility_token, {**BINH, **OFFICER}).json()["maKetQua"] == "100"
    assert not Notification.objects.filter(user__username="0198765432", kind="notice").exists()


def test_a_check_is_two_statements_token_with_read_and_write(client: Client, facility_token: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the one read and the one write are PostgreSQL's; SQLite reads with the ORM")
    with CaptureQueriesContext(connection) as captured:
        body = check(client, facility_token, {**BINH, **OFFICER}).json()
    assert body["maKetQua"] == "000"
    assert len(captured.captured_queries) == 2, captured.captured_queries
    # A body the check refuses reads nothing with the token: the guard, then the refusal.
    with CaptureQueriesContext(connection) as captured:
        assert check(client, facility_token, {**BINH, "ngaySinh": "1992-11-03", **OFFICER}).status_code == 422
    assert len(captured.captured_queries) == 1, captured.captured_queries


@pytest.mark.parametrize("card", [BINH_CARD, "0198765432", "001192054321", "DN4019999999999"])
def test_the_token_read_is_the_plain_read(facility_token: str, card: str) -> None:
    # The API's guard reads the register with the token (read_with_token): the same snapshot as read().
    found = register.read_with_token(facility_token, card)
    assert found is not None
    user, snapshot = found
    assert user.username == COUNTER
    assert snapshot == register.read(card, facility_code=user.facility_id)


def test_the_token_read_reads_nothing_for_other_logins_or_dead_tokens(facility_token: str) -> None:
    citizen = token_for("0198765432")
    found = register.read_with_token(citizen, BINH_CARD)
    assert found is not None and found[0].username == "0198765432" and found[1] is None
    assert register.read_with_token("not-a-token", BINH_CARD) is None
    revoke_access_token(facility_token)
    assert register.read_with_token(facility_token, BINH_CARD) is None


@pytest.mark.parametrize(
    "card", [BINH_CARD, "0198765432", "001192054321", *(build_card_number("DN", 4, "01", BY_CODE[c].ssn) for c in BY_CODE)]
)
def test_the_orm_reads_the_register_as_the_one_query_does(card: str) -> None:
    # The embedded default (SQLite) reads with the ORM: the same snapshot, field for field.
    found = register.read(card, facility_code="01929")
    person = Person.objects.select_related("ward", "province").filter(ssn=card[-10:]).first() or Person.objects.get(cccd=card)
    assert found == register._with_orm(person, "01929")
    if found is not None and card == BINH_CARD:
        assert found.visits and found.employer and found.checking_facility == "Bệnh viện Bạch Mai"


@pytest.mark.parametrize("code", ["000", "003", "121", "070", "050"])
def test_every_answer_has_the_documented_shape(client: Client, facility_token: str, code: str) -> None:
    # The router renders the answer without validating it again: the schema is checked here.
    case = {"000": BINH, "003": _case("003", "HS", 4), "121": _case("121", "DN", 4)}.get(code) or {
        **BINH,
        **({"ngaySinh": "01/01/1990"} if code == "070" else {"maThe": "DN4019999999999"}),
    }
    r = check(client, facility_token, {**case, **OFFICER})
    assert r.status_code == 200 and r["Content-Type"] == "application/json; charset=utf-8"
    body = r.json()
    assert body["maKetQua"] == code
    assert set(body) == set(CardCheckOut.model_fields)
    assert CardCheckOut.model_validate(body).model_dump() == body


def test_the_write_outside_a_transaction_commits_without_waiting_for_the_disk() -> None:
    # In a request (autocommit) the one statement also turns synchronous_commit off for its own
    # transaction; here, inside the test's transaction, the same statement is run and looked at.
    from django.utils import timezone

    from accounts.models import User
    from audit.models import AuditEvent
    from audit.services import audit_event
    from counter import services

    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    user = User.objects.get(username="bachmai.tiepdon")
    event = audit_event("card.check", actor=user, object_type="card", object_id="x", facility="01929", result="000", qr=False)
    budgets = [(rate, user.pk) for rate in services.USER_RATES] + [(services.CARD_RATE, "x")]
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
        services._write_in_one_statement(budgets, event, None, timezone.now(), without_flush=True)
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "off"
    assert AuditEvent.objects.filter(action="card.check", object_id="x", detail__facility="01929").exists()
