"""Two clerks process the same dossier at the same moment: the rows are applied once."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from accounts.models import User
from declarations import actions, services
from declarations.intake import RawRow
from declarations.models import Charge, Dossier
from declarations.tests.support import BINH
from registry.models import ParticipationPeriod
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
    assert sorted(outcomes) == ["already_processed", "processed"]
    assert Dossier.objects.get(pk=dossier.pk).status == "processed"
    # Bình's open period split once (one more period per scheme she is in), one regular charge for October.
    schemes = ParticipationPeriod.objects.filter(person__ssn=BINH, to_month__isnull=True).count()
    assert ParticipationPeriod.objects.filter(person__ssn=BINH).count() == before + schemes
    assert Charge.objects.filter(person__ssn=BINH, month=period, kind="regular").count() == 1
