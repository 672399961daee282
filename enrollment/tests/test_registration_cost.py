"""What a submission costs the database, and the guarantees kept while making it cheap: a handful
of statements, reference data read once per process yet changes seen, a clashing reference
redone whole, the photo task stored with the row it is for."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from api.tests.support import AN, API, error, photos
from enrollment import services
from enrollment.models import Registration
from enrollment.tests.web_support import use_files
from messaging.models import Message
from places.models import Office
from registry.models import Person
from vssid.models import RateCounter
from vssid.ratelimit import _key

pytestmark = pytest.mark.django_db

PHOTO_TASK = "enrollment.photo_work.clean_registration_photos"


@pytest.fixture(autouse=True)
def files(settings: Any, tmp_path: Path) -> Path:
    services.forget_places()
    return use_files(settings, tmp_path)


def submit(client: Client, fields: dict[str, str], *, address: str = "203.0.113.7") -> Any:
    return client.post(f"{API}/registrations", {**fields, **photos()}, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="vi")


def someone_else() -> dict[str, str]:
    """The fields of another person of the seeded register who may register."""
    person = (
        Person.objects.filter(
            account__isnull=True, registrations__isnull=True, birth_month__isnull=False, birth_day__isnull=False
        )
        .exclude(ssn=AN["ssn"])
        .order_by("id")
        .first()
    )
    assert person is not None and person.birth_month and person.birth_day
    born = dt.date(person.birth_year, person.birth_month, person.birth_day)
    return {
        **AN,
        "phone": "0987654321",
        "full_name": person.full_name,
        "ssn": person.ssn,
        "date_of_birth": born.isoformat(),
        "sex": str(person.sex),
    }


def statements(queries: CaptureQueriesContext) -> list[str]:
    # Savepoints are the test's own transaction around the service's; production has none.
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_a_submission_takes_a_handful_of_statements(client: Client) -> None:
    assert submit(client, someone_else()).status_code == 201  # reference data now known to this process
    with CaptureQueriesContext(connection) as queries:
        response = submit(client, AN)
    assert response.status_code == 201
    sql = statements(queries)
    # The address's match budget taken with the person and what stands in the way, the
    # identity's budgets; then one statement: what stands in the way read again, the budgets
    # taken, the row, the OTP, the SMS, the two tasks and the audit row (no transaction of its
    # own: no savepoint or locking read here, and in production no BEGIN or COMMIT).
    assert len(sql) == 3, "\n".join(sql)
    assert not [s for s in sql if "places_" in s.split(" WHERE ")[0]]  # no province, ward or office read
    assert len([s for s in sql if "vssid_ratecounter" in s]) == 3


def test_the_match_commits_without_waiting_for_the_disk_in_a_transaction_of_its_own_only() -> None:
    # In a request (autocommit) the match's statement, which writes only the address's budget,
    # turns synchronous_commit off for its own transaction; here, inside the test's transaction,
    # the same statement is run and looked at. Inside a caller's transaction it must not be.
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    budgets = [(rate, "203.0.113.9") for rate in services.MATCHES_PER_ADDRESS]

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            value: str = cursor.fetchone()[0]
        return value

    found = services._person_with_standing(ssn=AN["ssn"], budgets=budgets)
    assert found is not None and found[0].ssn == AN["ssn"]
    assert setting() == "on"  # in the test's transaction: the caller's setting is kept
    found = services._person_with_standing(ssn=AN["ssn"], budgets=budgets, without_flush=True)
    assert found is not None and found[0].ssn == AN["ssn"]
    assert setting() == "off"
    key = _key(services.MATCHES_PER_ADDRESS[0], "203.0.113.9")
    assert RateCounter.objects.get(key=key).count == 2  # both counted


def test_a_change_of_reference_data_is_seen_at_once(client: Client) -> None:
    assert submit(client, someone_else()).status_code == 201
    office = Office.objects.get(code=AN["office_code"])
    office.valid_to = dt.date(2025, 6, 30)  # closed, through the admin
    office.save()
    body = error(submit(client, AN), 400, "invalid_input")
    assert "office_code" in body["fields"]


def test_a_reference_drawn_twice_redoes_the_whole_transaction(client: Client) -> None:
    taken = submit(client, someone_else()).json()["reference"]
    with mock.patch.object(services, "_new_reference", side_effect=[taken, "DK00000001"]):
        response = submit(client, AN)
    assert response.json()["reference"] == "DK00000001"
    registration = Registration.objects.get(reference="DK00000001")
    # The first attempt's rows and counts went with it: one of each.
    assert Message.objects.filter(kind="registration_otp", to="+84912345678").count() == 1
    assert DBTaskResult.objects.filter(task_path=PHOTO_TASK, args_kwargs__args=[registration.pk]).count() == 1
    phone_budget = services.OTP_PER_PHONE[0]
    assert RateCounter.objects.get(key=_key(phone_budget, "+84912345678")).count == 1


def test_the_photo_task_is_stored_with_the_registration_or_not_at_all(client: Client) -> None:
    reference = submit(client, AN).json()["reference"]
    registration = Registration.objects.get(reference=reference)
    assert DBTaskResult.objects.filter(task_path=PHOTO_TASK, args_kwargs__args=[registration.pk]).exists()
    # A submission refused inside its transaction (the phone's hourly SMS spent) leaves no task.
    for _ in range(4):
        assert submit(client, AN).status_code == 201
    tasks = DBTaskResult.objects.count()
    error(submit(client, AN), 429, "otp_rate_limited")
    assert DBTaskResult.objects.count() == tasks


def _standing_as_at_the_match() -> Any:
    """_person_with_standing as it read before something else committed: nothing in the way."""
    real = services._person_with_standing

    def read(**identity: Any) -> Any:
        found = real(**identity)
        assert found is not None
        return found[0], services._Standing(has_account=False, has_registration=False, has_draft=False)

    return mock.patch.object(services, "_person_with_standing", side_effect=read)


def test_a_draft_that_appeared_since_the_match_is_replaced_and_counted_once(client: Client) -> None:
    first = submit(client, AN).json()["reference"]
    with _standing_as_at_the_match():
        second = submit(client, AN).json()["reference"]
    assert list(Registration.objects.filter(ssn=AN["ssn"]).values_list("reference", flat=True)) == [second]
    assert second != first
    # The one statement saw the draft, wrote nothing and gave its counts back; the transaction
    # that replaced the draft counted the second SMS.
    assert RateCounter.objects.get(key=_key(services.OTP_PER_PHONE[0], "+84912345678")).count == 2
    assert Message.objects.filter(kind="registration_otp", to="+84912345678").count() == 2


def test_an_account_that_appeared_since_the_match_is_refused_and_counts_nothing(client: Client) -> None:
    person = Person.objects.get(ssn=AN["ssn"])
    User.objects.create(username=person.ssn, role=User.Role.CITIZEN, person=person)
    registrations, tasks = Registration.objects.count(), DBTaskResult.objects.count()
    with _standing_as_at_the_match():
        error(submit(client, AN), 409, "account_exists")
    assert Registration.objects.count() == registrations
    assert DBTaskResult.objects.count() == tasks
    assert not RateCounter.objects.filter(key=_key(services.OTP_PER_PHONE[0], "+84912345678"), count__gt=0).exists()
