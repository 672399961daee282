"""Two clerks process the same dossier at the same moment, or two runs of the worker go at one dossier:
the rows are applied once."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from accounts.models import User
from declarations import actions, processing, services
from declarations.intake import RawRow
from declarations.models import Charge, Dossier, Row
from declarations.tests.support import BINH
from registry.models import ParticipationPeriod, Person
from vssid.errors import DomainError

pytestmark = [pytest.mark.usefixtures("seeded_register", "register_restored_afterwards")]


def test_two_clerks_process_once(django_db_blocker: Any) -> None:
    hr = User.objects.get(username="nhansu.demo")
    staff = User.objects.get(username="canbo.dongda")
    User.objects.create(username="canbo.dongda2", role=User.Role.STAFF, office_id=staff.office_id)
    period = dt.date(2026, 10, 1)
    row = {"HoTen": "Trần Thị Bình", "MaSoBhxh": BINH, "PhuongAnId": "DC", "TienLuong": "13000000", "TuThang": "10/2026"}
    dossier = services.create_dossier(hr, period, raw=[RawRow(line=5, values=row)], source="api")
    services.submit(hr, dossier.pk)
    actions.receive(staff, dossier.pk)
    before = ParticipationPeriod.objects.filter(person__ssn=BINH).count()

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def clerk(username: str) -> None:
        try:
            user = User.objects.get(username=username)
            barrier.wait()
            actions.process(user, dossier.pk)
            outcomes.append("processed")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk, args=(name,)) for name in ("canbo.dongda", "canbo.dongda2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The second clerk waits for the first one's lock, then finds the dossier processing (its rows
    # being applied by the first clerk's request) or already processed.
    assert sorted(outcomes) in (["already_processed", "processed"], ["already_processing", "processed"]), outcomes
    assert Dossier.objects.get(pk=dossier.pk).status == "processed"
    # Bình's open period split once (one more period per scheme she is in), one regular charge for October.
    schemes = ParticipationPeriod.objects.filter(person__ssn=BINH, to_month__isnull=True).count()
    assert ParticipationPeriod.objects.filter(person__ssn=BINH).count() == before + schemes
    assert Charge.objects.filter(person__ssn=BINH, month=period, kind="regular").count() == 1


def test_two_runs_of_the_worker_apply_each_row_once(monkeypatch: pytest.MonkeyPatch) -> None:
    hr = User.objects.get(username="nhansu.demo")
    staff = User.objects.get(username="canbo.dongda")
    period = dt.date(2026, 10, 1)
    rows = [
        {
            "HoTen": f"Người Mới {i}",
            "MaSoBhxh": f"0011990{i:05d}",
            "PhuongAnId": "TM",
            "NgaySinh": "01/01/1990",
            "GioiTinh": "1",
            "TienLuong": "9000000",
            "TuThang": "10/2026",
        }
        for i in range(30)
    ]
    rows.append({"HoTen": "Trần Thị Bình", "MaSoBhxh": BINH, "PhuongAnId": "DC", "TienLuong": "13000000", "TuThang": "10/2026"})
    dossier = services.create_dossier(hr, period, raw=[RawRow(line=5 + i, values=r) for i, r in enumerate(rows)], source="api")
    services.submit(hr, dossier.pk)
    actions.receive(staff, dossier.pk)
    # Handed to the worker (nothing runs it here), in batches of 4 rows so the runs interleave.
    monkeypatch.setattr(actions, "INLINE_ROWS", 0)
    monkeypatch.setattr(processing, "BATCH_ROWS", 4)
    monkeypatch.setattr(actions, "_enqueue", lambda pk: None)
    started = actions.process(staff, dossier.pk)
    assert started.status == "processing" and started.rows_done == 0
    before = ParticipationPeriod.objects.filter(person__ssn=BINH).count()

    barrier = threading.Barrier(2)
    results: list[str] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(actions.run(dossier.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["processed", "processed"]
    done = Dossier.objects.get(pk=dossier.pk)
    assert done.status == "processed" and done.rows_done == 31 and done.number
    newcomers = Person.objects.filter(cccd__startswith="0011990")
    assert newcomers.count() == 30
    assert ParticipationPeriod.objects.filter(person__in=newcomers).count() == 30 * 4
    schemes = ParticipationPeriod.objects.filter(person__ssn=BINH, to_month__isnull=True).count()
    assert ParticipationPeriod.objects.filter(person__ssn=BINH).count() == before + schemes
    assert Charge.objects.filter(month=period, kind="regular", person__in=newcomers).count() == 30
    assert not Row.objects.filter(dossier=dossier, applied=False).exists()
