"""bench/check_ceiling.py's variants of the check's write: they must read what the check reads and
write what they claim, or the ceiling they measure is not the check's."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEvent
from bench import urls_check_ceiling as ceiling
from counter import register, services
from counter.tests.conftest import BINH, BINH_CARD, OFFICER, check
from vssid.models import RateCounter


def test_one_statement_reads_what_the_check_reads_and_writes_its_budgets_and_a_row(facility_token: str) -> None:
    expected = register.read_with_token(facility_token, BINH_CARD)
    got = ceiling._read_with_token_in_one_statement(facility_token, BINH_CARD)
    assert expected is not None and got is not None
    assert got[0].pk == expected[0].pk
    assert got[1] == expected[1]
    assert AuditEvent.objects.filter(actor_label="check-ceiling", action=services.CHECK_ACTION).count() == 1
    assert RateCounter.objects.filter(key__startswith="card_check_").count() == 3


def test_the_variants_replace_only_the_write(client: Client, facility_token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Restored after the test: install() patches the modules for the benchmark's server.
    monkeypatch.setattr(services, "_write_in_one_statement", services._write_in_one_statement)
    monkeypatch.setattr(register, "read_with_token", register.read_with_token)
    ceiling.install("no_write")
    r = check(client, facility_token, {**BINH, **OFFICER})
    assert r.json()["maKetQua"] == "000"
    assert not AuditEvent.objects.filter(action=services.CHECK_ACTION).exists()
    ceiling.install("audit_only")
    assert check(client, facility_token, {**BINH, **OFFICER}).json()["maKetQua"] == "000"
    assert AuditEvent.objects.filter(action=services.CHECK_ACTION, detail__result="000").count() == 1
    assert not RateCounter.objects.filter(key__startswith="card_check_").exists()
    with pytest.raises(ValueError, match="CHECK_CEILING"):
        ceiling.install("fast")
