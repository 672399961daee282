"""A large dossier is processed by the worker in batches of whole people: 202 and progress while it
runs, a run cut short resumes without applying a row twice, rows the register no longer accepts
send it back with the reasons."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from declarations import actions, processing, services
from declarations.intake import RawRow
from declarations.models import Charge, Dossier, Row
from declarations.tests.support import BINH, DEMO_EMPLOYER, bearer
from registry.models import ParticipationPeriod, Person

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
OCT = dt.date(2026, 10, 1)
NEWCOMERS = 5


@pytest.fixture(autouse=True)
def december(settings: Any) -> Any:
    settings.TASKS = IMMEDIATE  # the worker's task runs when its enqueue commits
    with time_machine.travel(dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small figures stand for large ones: more than 2 rows goes to the worker, 2 rows a batch."""
    monkeypatch.setattr(actions, "INLINE_ROWS", 2)
    monkeypatch.setattr(processing, "BATCH_ROWS", 2)


def rows() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "HoTen": f"Người Mới {i}",
            "MaSoBhxh": f"00119901{i:04d}",
            "PhuongAnId": "TM",
            "NgaySinh": "01/01/1990",
            "GioiTinh": "0",
            "TienLuong": "9000000",
            "TuThang": "10/2026",
        }
        for i in range(NEWCOMERS)
    ]
    # Two rows of one person: they must land in the same batch.
    out.append({"HoTen": "Trần Thị Bình", "MaSoBhxh": BINH, "PhuongAnId": "DC", "TienLuong": "13000000", "TuThang": "10/2026"})
    out.append(
        {
            "HoTen": "Trần Thị Bình",
            "MaSoBhxh": BINH,
            "PhuongAnId": "AD",
            "TienLuong": "14000000",
            "TuThang": "09/2026",
            "DenThang": "09/2026",
        }
    )
    return out


def received() -> Dossier:
    hr, staff = User.objects.get(username="nhansu.demo"), User.objects.get(username="canbo.dongda")
    raw = [RawRow(line=5 + i, values=r) for i, r in enumerate(rows())]
    dossier = services.create_dossier(hr, OCT, raw=raw, source="api")
    services.submit(hr, dossier.pk)
    return actions.receive(staff, dossier.pk)


def newcomers() -> Any:
    return Person.objects.filter(cccd__startswith="00119901")


def assert_applied_once(dossier: Dossier, binh_before: int) -> None:
    dossier.refresh_from_db()
    assert dossier.status == "processed" and dossier.number and dossier.rows_done == dossier.row_count == NEWCOMERS + 2
    assert not Row.objects.filter(dossier=dossier, applied=False).exists()
    assert newcomers().count() == NEWCOMERS
    for person in newcomers():
        periods = ParticipationPeriod.objects.filter(person=person)
        assert sorted(periods.values_list("scheme", flat=True)) == ["bhtn", "bhtnld", "bhxh", "bhyt"]
        assert Charge.objects.filter(person=person, month=OCT, kind="regular").count() == 1
    binh = Person.objects.get(ssn=BINH)
    open_now = ParticipationPeriod.objects.filter(person=binh, to_month__isnull=True, employer_id=DEMO_EMPLOYER)
    assert ParticipationPeriod.objects.filter(person=binh).count() == binh_before + open_now.count()
    assert set(open_now.values_list("from_month", "salary_basis")) == {(OCT, 13_000_000)}
    assert Charge.objects.filter(person=binh, month=OCT, kind="regular").count() == 1
    assert Charge.objects.filter(person=binh, month=dt.date(2026, 9, 1), kind="adjust").count() == 1
    # "Who changed my data": one row per person, not one per batch run.
    changed = AuditEvent.objects.filter(action="participation_changed", object_id=str(dossier.pk))
    assert sorted(changed.values_list("person_id", flat=True)) == sorted([*newcomers().values_list("pk", flat=True), binh.pk])
    done = AuditEvent.objects.get(action="declaration_processed", object_id=str(dossier.pk))
    assert done.detail["opened"] == NEWCOMERS and done.detail["changed"] == 1 and done.detail["new_people"] == NEWCOMERS


def test_a_large_dossier_is_processed_by_the_worker_with_progress_on_the_api_and_the_page(
    client: Client, large: None, django_capture_on_commit_callbacks: Any
) -> None:
    dossier = received()
    binh_before = ParticipationPeriod.objects.filter(person__ssn=BINH).count()
    staff = bearer(client, "canbo.dongda")
    url = f"/api/v1/staff/declarations/{dossier.pk}"
    with django_capture_on_commit_callbacks(execute=True) as queued:
        started = client.post(f"{url}/process", **staff)
        assert started.status_code == 202, started.content
        body = started.json()
        assert body["status"] == "processing" and body["rows_done"] == 0 and body["number"] == ""
        assert body["row_count"] == NEWCOMERS + 2
        again = client.post(f"{url}/process", **staff)
        assert again.status_code == 409 and again.json()["code"] == "already_processing"
        assert client.get(url, **staff).json()["status"] == "processing"
        client.force_login(User.objects.get(username="canbo.dongda"))
        page = client.get(f"/staff/ke-khai/{dossier.pk}/").content.decode()
        assert "Đang xử lý" in page and f"0 / {NEWCOMERS + 2}" in page and 'hx-trigger="every 3s"' in page
        assert "Xử lý: ghi vào sổ" not in page  # no second press
        queue = client.get("/staff/ke-khai/").content.decode()
        assert f"Đang xử lý (0/{NEWCOMERS + 2})" in queue
        assert not newcomers().exists()  # nothing applied in the request
    assert len(queued) == 1  # the worker's task, queued once
    done = client.get(url, **staff).json()
    assert done["status"] == "processed" and done["rows_done"] == NEWCOMERS + 2 and done["number"]
    page = client.get(f"/staff/ke-khai/{dossier.pk}/").content.decode()
    assert "Đã xử lý" in page and done["number"] in page and "hx-trigger" not in page
    assert_applied_once(dossier, binh_before)


def test_batches_hold_all_rows_of_their_people() -> None:
    dossier = received()
    binh = Person.objects.get(ssn=BINH).pk
    batches = processing.plan(dossier.pk, size=1)
    people = [set(Row.objects.filter(pk__in=ids).values_list("person_id", "cccd")) for ids in batches]
    assert sum(len(ids) for ids in batches) == NEWCOMERS + 2
    assert [len(ids) for ids in batches if any(pid == binh for pid, _ in people[batches.index(ids)])] == [2]
    for i, first in enumerate(people):
        for second in people[i + 1 :]:
            assert not first & second


def test_a_run_cut_short_resumes_and_applies_each_row_once(
    large: None, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    dossier = received()
    binh_before = ParticipationPeriod.objects.filter(person__ssn=BINH).count()
    staff = User.objects.get(username="canbo.dongda")
    real = processing.apply_batch
    calls = []

    def dies_in_the_second_batch(*args: Any) -> Any:
        calls.append(1)
        outcome = real(*args)
        if len(calls) == 2:  # killed after writing, before the batch committed
            raise SystemExit("worker killed")
        return outcome

    monkeypatch.setattr(processing, "apply_batch", dies_in_the_second_batch)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert actions.process(staff, dossier.pk).status == "processing"
    assert len(queued) == 1
    with pytest.raises(SystemExit):
        actions.run(dossier.pk)
    dossier.refresh_from_db()
    assert dossier.status == "processing" and dossier.rows_done == 2  # the first batch only
    # The first batch (Bình's two rows, known people first) is in; the second, with the newcomers it
    # had created, rolled back whole.
    binh = Person.objects.get(ssn=BINH)
    assert set(Row.objects.filter(dossier=dossier, applied=True).values_list("person_id", flat=True)) == {binh.pk}
    assert ParticipationPeriod.objects.filter(person=binh).count() > binh_before
    assert not newcomers().exists() and not Row.objects.filter(dossier=dossier, person__isnull=False).exclude(person=binh)

    # Nothing moves for five minutes: the periodic sweep queues the dossier again, and the task resumes it.
    monkeypatch.setattr(processing, "apply_batch", real)
    assert actions.resume_stalled(timezone.now() + dt.timedelta(minutes=4)) == []
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert actions.resume_stalled(timezone.now() + dt.timedelta(minutes=6)) == [dossier.pk]
    assert len(queued) == 1
    assert_applied_once(dossier, binh_before)
    # Run again (a duplicate of the task): nothing more happens.
    assert actions.run(dossier.pk) == "processed"
    assert_applied_once(dossier, binh_before)


def test_rows_the_register_no_longer_accepts_send_a_large_dossier_back(
    client: Client, large: None, django_capture_on_commit_callbacks: Any
) -> None:
    dossier = received()
    # Since the employer submitted, Bình left (another dossier processed her departure).
    ParticipationPeriod.objects.filter(person__ssn=BINH, to_month__isnull=True).update(to_month=dt.date(2026, 8, 1))
    staff = bearer(client, "canbo.dongda")
    url = f"/api/v1/staff/declarations/{dossier.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{url}/process", **staff).status_code == 202
    back = client.get(url, **staff).json()
    assert back["status"] == "received" and back["rows_done"] == 0 and back["number"] == ""
    assert {p["row"] for p in back["problems"]} == {5 + NEWCOMERS, 6 + NEWCOMERS}
    assert not newcomers().exists() and not Row.objects.filter(dossier=dossier, applied=True).exists()
    client.force_login(User.objects.get(username="canbo.dongda"))
    page = client.get(f"/staff/ke-khai/{dossier.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and f"Dòng {5 + NEWCOMERS}, cột" in text and "Trả lại đơn vị" in text
    assert AuditEvent.objects.filter(action="declaration_processing_refused", object_id=str(dossier.pk)).count() == 1


def test_a_small_dossier_is_processed_in_the_request(client: Client) -> None:
    dossier = received()
    response = client.post(f"/api/v1/staff/declarations/{dossier.pk}/process", **bearer(client, "canbo.dongda"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "processed" and response.json()["rows_done"] == NEWCOMERS + 2


def test_the_clerks_page_hands_a_large_dossier_to_the_worker(
    client: Client, large: None, django_capture_on_commit_callbacks: Any
) -> None:
    dossier = received()
    client.force_login(User.objects.get(username="canbo.dongda"))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(f"/staff/ke-khai/{dossier.pk}/", {"action": "process"}, follow=True)
    assert len(queued) == 1
    page = response.content.decode()
    assert response.status_code == 200 and "Đang xử lý hồ sơ (7 dòng)" in page and "0 / 7" in page
    # The employer sees the same state on their side.
    client.force_login(User.objects.get(username="nhansu.demo"))
    theirs = client.get(f"/don-vi/ke-khai/{dossier.pk}/").content.decode()
    assert "Đang xử lý" in theirs and "hx-get" in theirs
