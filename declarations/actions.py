"""The office's steps on a dossier: receive, process (rows into the register), return with a reason.

Each is one durable transaction with the dossier row locked (select_for_update) and its status
checked under the lock, so two clerks pressing "Xử lý" at once start processing once: the second
waits for the first to commit, then finds the dossier processing (or processed) and gets a 409.
Audited inside.

Processing itself is not one transaction: a 100,000-row dossier would hold its locks, and keep the
register's changes invisible, for minutes. "Xử lý" marks the dossier `processing`; the rows are
then applied in batches of whole people (declarations.processing), one short transaction each that
also marks its rows applied and advances the dossier's count, and a last one numbers the dossier.
A run cut short (a worker killed, a deploy) is started again by `resume_stalled` and goes on from
the rows not applied; two runs at once take turns on the dossier's lock and skip applied rows.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_change
from declarations import payments, processing
from declarations.models import Dossier, DossierCounter, Row
from declarations.services import DeclarationError, RowsInvalid, get_for_staff
from declarations.validation import MAX_ERRORS, Problem, rows_of, validate
from registry.models import Employer

MAX_REASON = 1000
# Up to this many rows the clerk's request applies them itself (one batch, well under a second), so
# the answer is the processed dossier with its number, as a clerk typing one worker expects; larger
# dossiers go to the worker and the page follows their progress.
INLINE_ROWS = 500
# A processing dossier with no batch committed for this long has lost its run: start it again.
STALLED = dt.timedelta(minutes=5)
logger = logging.getLogger(__name__)


def _locked(user: Any, pk: int) -> Dossier:
    get_for_staff(user, pk)  # 404 for another office's dossier, before any lock
    return Dossier.objects.select_for_update(of=("self",)).select_related("employer", "office").get(pk=pk)


def _refuse(dossier: Dossier, wanted: str) -> DeclarationError:
    label = Dossier.Status(dossier.status).label
    return DeclarationError(
        f"already_{dossier.status}" if dossier.status in ("processing", "processed", "returned") else "wrong_status",
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


def process(user: Any, pk: int, *, request: Any = None) -> Dossier:
    """Start applying the rows to the register and the ledger, once; the dossier as it is after.

    Processed already (with its number) for a small dossier; `processing` for a large one, which the
    worker goes on with.
    """
    dossier = get_for_staff(user, pk)
    if dossier.status != Dossier.Status.RECEIVED:
        raise _refuse(dossier, _("xử lý"))
    inline = dossier.row_count <= INLINE_ROWS
    # A large file is checked again by the worker (seconds for 100,000 rows, not in a request).
    moved = _recheck(dossier) if inline else []
    dossier = _start(user, pk, moved, request=request)
    if inline:
        try:
            run(pk, checked=True)
        except DatabaseError:
            # A deadlock or a lost connection: the worker takes it from the rows not applied yet.
            logger.exception("processing dossier %s in the request failed; handed to the worker", pk)
            _enqueue(pk)
    dossier.refresh_from_db()
    return dossier


def _recheck(dossier: Dossier) -> list[tuple[int, int | None]]:
    """The rows against the register as it is now (it may have moved since the employer submitted):
    RowsInvalid, or the rows whose person is found now (a newcomer someone else registered meanwhile).
    Reads only, before any lock."""
    rows = rows_of(dossier.pk)
    stored = [r.person_id for r in rows]
    checked, problems = validate(rows, employer=dossier.employer, period=dossier.period, dossier_id=dossier.pk)
    if problems:
        raise RowsInvalid(problems, status=409)
    return [(r.extra["pk"], r.person_id) for r, was in zip(checked, stored, strict=True) if r.person_id != was]


def _enqueue(pk: int) -> None:
    from declarations.tasks import process_dossier  # the task module imports this one

    process_dossier.enqueue(pk)


@transaction.atomic(durable=True)
def _start(user: Any, pk: int, moved: list[tuple[int, int | None]], *, request: Any = None) -> Dossier:
    dossier = _locked(user, pk)
    if dossier.status != Dossier.Status.RECEIVED:
        raise _refuse(dossier, _("xử lý"))
    for row_pk, person_id in moved:  # rarely any: someone who was a newcomer at submission
        Row.objects.filter(pk=row_pk, dossier=dossier).update(person_id=person_id)
    dossier.status = Dossier.Status.PROCESSING
    dossier.decided_by = user
    dossier.rows_done = 0
    dossier.outcome = {}
    dossier.progress_at = timezone.now()
    dossier.save(update_fields=["status", "decided_by", "rows_done", "outcome", "progress_at"])
    record_change(
        "declaration_processing", acting_user=user, object_type="dossier", object_id=pk, request=request, rows=dossier.row_count
    )
    if dossier.row_count > INLINE_ROWS:
        transaction.on_commit(lambda: _enqueue(pk), robust=True)
    return dossier


def _lock_processing(pk: int) -> Dossier | None:
    dossier = Dossier.objects.select_for_update(of=("self",)).select_related("employer", "decided_by").get(pk=pk)
    if dossier.status != Dossier.Status.PROCESSING:
        return None
    # Batches of two dossiers of one employer take turns: both may touch one worker's periods.
    # (NO KEY: the rows that only refer to the employer are not held up.)
    list(Employer.objects.select_for_update(no_key=True).filter(pk=dossier.employer_id).values_list("pk", flat=True))
    return dossier


def run(pk: int, *, checked: bool = False) -> str:
    """Apply a processing dossier's rows not applied yet, batch after batch, then number it.

    Safe to call again after a run was cut short, or twice at once: the status of the dossier after.
    Rows the register no longer accepts send the dossier back to `received` with the problems.
    """
    dossier = Dossier.objects.select_related("employer").get(pk=pk)
    moved: list[tuple[int, int | None]] = []
    if dossier.status == Dossier.Status.PROCESSING and "ledger_start" not in dossier.outcome and not checked:
        try:
            moved = _recheck(dossier)
        except RowsInvalid as exc:
            return _send_back(pk, exc.problems)
    start = _prepare(pk, moved)
    if start is None:
        return str(Dossier.objects.values_list("status", flat=True).get(pk=pk))
    for ids in processing.plan(pk):
        if not _apply(pk, ids, start):
            break
    return _finish(pk)


@transaction.atomic(durable=True)
def _send_back(pk: int, problems: list[Problem]) -> str:
    dossier = _lock_processing(pk)
    if dossier is None or "ledger_start" in dossier.outcome:
        return str(Dossier.objects.values_list("status", flat=True).get(pk=pk))
    dossier.status = Dossier.Status.RECEIVED
    dossier.outcome = {"problems": [p.as_dict() for p in problems[:MAX_ERRORS]], "problem_count": len(problems)}
    dossier.progress_at = timezone.now()
    dossier.save(update_fields=["status", "outcome", "progress_at"])
    record_change(
        "declaration_processing_refused",
        acting_user=dossier.decided_by,
        object_type="dossier",
        object_id=pk,
        problems=len(problems),
    )
    return Dossier.Status.RECEIVED.value


@transaction.atomic(durable=True)
def _prepare(pk: int, moved: list[tuple[int, int | None]]) -> dt.date | None:
    dossier = _lock_processing(pk)
    if dossier is None:
        return None
    if "ledger_start" in dossier.outcome:  # a run before this one prepared it
        return dt.date.fromisoformat(dossier.outcome["ledger_start"])
    for row_pk, person_id in moved:  # rarely any
        Row.objects.filter(pk=row_pk, dossier=dossier).update(person_id=person_id)
    start = processing.prepare(dossier)
    dossier.outcome = {"ledger_start": start.isoformat()}
    dossier.progress_at = timezone.now()
    dossier.save(update_fields=["outcome", "progress_at"])
    return start


@transaction.atomic(durable=True)
def _apply(pk: int, ids: list[int], start: dt.date) -> bool:
    dossier = _lock_processing(pk)
    if dossier is None:
        return False
    if connection.vendor == "postgresql":
        # A batch need not wait for its WAL to reach the disk: a crash can lose only whole batches,
        # their marker with them, and the resumed run applies them again. The last step (the
        # number) commits synchronously, which flushes every batch before it.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
    lines = processing.load_lines(ids)  # without the rows another run applied meanwhile
    if lines:
        outcome = processing.apply_batch(dossier, lines, start)  # marks its rows applied
        processing.audit_people(dossier, outcome.people, dossier.decided_by)
        counts = dossier.outcome.get("counts", {})
        dossier.outcome["counts"] = {k: counts.get(k, 0) + v for k, v in outcome.counts().items()}
        dossier.rows_done += len(lines)
    dossier.progress_at = timezone.now()
    dossier.save(update_fields=["rows_done", "outcome", "progress_at"])
    return True


@transaction.atomic(durable=True)
def _finish(pk: int) -> str:
    dossier = _lock_processing(pk)
    if dossier is None:
        return str(Dossier.objects.values_list("status", flat=True).get(pk=pk))
    if dossier.rows.filter(applied=False).exists():  # another run is still at it
        return Dossier.Status.PROCESSING.value
    processing.finish(dossier)
    dossier.seq, dossier.number = _number(dossier)
    dossier.status = Dossier.Status.PROCESSED
    dossier.decided_at = timezone.now()
    dossier.progress_at = dossier.decided_at
    dossier.save(update_fields=["seq", "number", "status", "decided_at", "progress_at"])
    record_change(
        "declaration_processed",
        acting_user=dossier.decided_by,
        object_type="dossier",
        object_id=pk,
        number=dossier.number,
        **dossier.outcome.get("counts", {}),
    )
    # Money already received (an overpayment) goes to the new debt at once.
    payments.allocate(dossier.employer)
    return Dossier.Status.PROCESSED.value


def resume_stalled(now: dt.datetime | None = None) -> list[int]:
    """Dossiers processing with no progress for STALLED: their run was lost; a new one is queued."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        # A dossier whose batch is running right now is locked: skipped, it is alive.
        ids = list(
            Dossier.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=Dossier.Status.PROCESSING, progress_at__lt=now - STALLED)
            .values_list("pk", flat=True)
        )
        Dossier.objects.filter(pk__in=ids).update(progress_at=now)
        for pk in ids:
            transaction.on_commit(lambda pk=pk: _enqueue(pk), robust=True)  # type: ignore[misc]
    return ids
