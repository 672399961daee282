"""The office's steps on a dossier: receive, process (rows into the register), return with a reason.

Each is one durable transaction with the dossier row locked (select_for_update) and its status
checked under the lock, so two clerks pressing "Xử lý" at once apply the rows once: the second
waits for the first to commit, then finds the dossier processed and gets a 409. Audited inside.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import record_change
from declarations import db, payments, processing
from declarations.models import Dossier, DossierCounter
from declarations.services import DeclarationError, RowsInvalid, get_for_staff
from declarations.validation import RowIn, validate

MAX_REASON = 1000


def _locked(user: Any, pk: int) -> Dossier:
    get_for_staff(user, pk)  # 404 for another office's dossier, before any lock
    return Dossier.objects.select_for_update(of=("self",)).select_related("employer", "office").get(pk=pk)


def _refuse(dossier: Dossier, wanted: str) -> DeclarationError:
    label = Dossier.Status(dossier.status).label
    return DeclarationError(
        f"already_{dossier.status}" if dossier.status in ("processed", "returned") else "wrong_status",
        _("Hồ sơ đang ở trạng thái “%(status)s”, không thể %(action)s.") % {"status": label, "action": wanted},
        status=409,
    )


@transaction.atomic(durable=True)
def receive(user: Any, pk: int, *, request: Any = None) -> Dossier:
    dossier = _locked(user, pk)
    if dossier.status != Dossier.Status.SUBMITTED:
        raise _refuse(dossier, _("tiếp nhận"))
    dossier.status = Dossier.Status.RECEIVED
    dossier.received_at = timezone.now()
    dossier.received_by = user
    dossier.save(update_fields=["status", "received_at", "received_by"])
    record_change("declaration_received", acting_user=user, object_type="dossier", object_id=pk, request=request)
    return dossier


@transaction.atomic(durable=True)
def return_dossier(user: Any, pk: int, reason: str, *, request: Any = None) -> Dossier:
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > MAX_REASON:
        raise DeclarationError(
            "invalid_input",
            _("Nhập lý do trả lại (tối đa %(max)d ký tự).") % {"max": MAX_REASON},
            fields={"reason": [_("Nhập lý do trả lại.")]},
        )
    dossier = _locked(user, pk)
    if dossier.status not in (Dossier.Status.SUBMITTED, Dossier.Status.RECEIVED):
        raise _refuse(dossier, _("trả lại"))
    dossier.status = Dossier.Status.RETURNED
    dossier.return_reason = reason
    dossier.decided_at = timezone.now()
    dossier.decided_by = user
    dossier.save(update_fields=["status", "return_reason", "decided_at", "decided_by"])
    record_change("declaration_returned", acting_user=user, object_type="dossier", object_id=pk, request=request)
    return dossier


def _number(dossier: Dossier) -> tuple[int, str]:
    year = timezone.localdate().year
    counter, _created = DossierCounter.objects.select_for_update().get_or_create(office_id=dossier.office_id, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, f"{counter.last:05d}/{year}/{dossier.office_id}"


@transaction.atomic(durable=True)
def process(user: Any, pk: int, *, request: Any = None) -> Dossier:
    """Apply the rows to the register and the ledger, give the dossier its number; once."""
    dossier = _locked(user, pk)
    if dossier.status != Dossier.Status.RECEIVED:
        raise _refuse(dossier, _("xử lý"))
    rows = list(dossier.rows.all())
    # The register may have moved since the employer submitted: checked again under the lock.
    checked, problems = validate(
        [RowIn.from_model(r) for r in rows], employer=dossier.employer, period=dossier.period, dossier_id=dossier.pk
    )
    if problems:
        raise RowsInvalid(problems, status=409)
    for row, row_in in zip(rows, checked, strict=True):
        row.person_id = row_in.person_id
    outcome = processing.apply(dossier, rows)
    dossier.seq, dossier.number = _number(dossier)
    dossier.status = Dossier.Status.PROCESSED
    dossier.decided_at = timezone.now()
    dossier.decided_by = user
    dossier.save(update_fields=["seq", "number", "status", "decided_at", "decided_by"])
    record_change(
        "declaration_processed",
        acting_user=user,
        object_type="dossier",
        object_id=pk,
        request=request,
        number=dossier.number,
        opened=outcome.opened,
        ended=outcome.ended,
        changed=outcome.changed,
        new_people=outcome.new_people,
        adjustments=outcome.adjustments,
    )
    # One row per person whose history changed, so "who changed my data" answers for each of them.
    db.insert(
        AuditEvent,
        [
            AuditEvent(
                actor=user,
                actor_label=user.get_username(),
                action="participation_changed",
                object_type="dossier",
                object_id=str(pk),
                person_id=pid,
                detail={"number": dossier.number},
            )
            for pid in sorted(outcome.people)
        ],
    )
    # Money already received (an overpayment) goes to the new debt at once.
    payments.allocate(dossier.employer)
    return dossier
