"""Photo files and registration rows agree: files go only once a deletion commits, and files no
row refers to (a crash between writing them and the commit) are swept an hour on."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils.module_loading import import_string
from django_tasks.base import Task

from api.tests.support import AN, API, photos
from enrollment.models import Registration
from enrollment.services import sweep_photos
from enrollment.tests.web_support import use_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


def submit(client: Client, **fields: str) -> Any:
    return client.post(f"{API}/registrations", {**AN, **fields, **photos()})


def stored(settings: Any) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def files_of(registration: Registration) -> set[str]:
    return {registration.id_front.name, registration.id_back.name, registration.portrait.name}


def test_a_failed_resubmission_keeps_the_draft_and_its_photos(
    client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert submit(client).status_code == 201
    draft = Registration.objects.get(ssn=AN["ssn"])
    # The second submission fails after it has deleted the draft row, inside its transaction.
    with (
        django_capture_on_commit_callbacks(execute=True),
        mock.patch("enrollment.services.audit_event", autospec=True, side_effect=RuntimeError("audit down")),
        pytest.raises(RuntimeError),
    ):
        submit(client)
    assert Registration.objects.get(ssn=AN["ssn"]).reference == draft.reference
    assert stored(settings) == files_of(draft)  # the draft's photos are there, the new ones gone


def test_a_successful_resubmission_deletes_the_drafts_photos_after_commit(
    client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert submit(client).status_code == 201
    draft_files = files_of(Registration.objects.get(ssn=AN["ssn"]))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert submit(client).status_code == 201
    assert draft_files <= stored(settings)  # not before the commit
    for callback in callbacks:
        callback()
    assert stored(settings) == files_of(Registration.objects.get(ssn=AN["ssn"]))


def age(path: Path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_the_sweep_deletes_old_files_no_row_refers_to(client: Client, settings: Any) -> None:
    assert submit(client).status_code == 201
    live = files_of(Registration.objects.get(ssn=AN["ssn"]))
    folder = Path(settings.MEDIA_ROOT) / "registrations"
    orphan, fresh = folder / "orphan.jpg", folder / "in-flight.jpg"
    orphan.write_bytes(b"x")
    fresh.write_bytes(b"x")
    age(orphan, 2)
    for name in live:
        age(Path(settings.MEDIA_ROOT) / name, 2)
    assert sweep_photos() == 1
    assert stored(settings) == live | {"registrations/in-flight.jpg"}
    assert sweep_photos(older_than=dt.timedelta(0)) == 1  # the in-flight one, once old enough
    assert stored(settings) == live


def test_the_sweep_copes_with_no_folder_yet(settings: Any) -> None:
    assert sweep_photos() == 0


def test_the_sweep_and_the_counter_purge_run_periodically() -> None:
    paths = dict(django_settings.PERIODIC_TASKS)
    for path in ("enrollment.tasks.sweep_registration_photos", "vssid.ratelimit.purge_rate_counters"):
        assert isinstance(import_string(path), Task) and paths[path] <= 3600
