"""Dossiers of the employer portal and the office queue: who may see what, creating, submitting.

HR clerks reach only their employer's dossiers, office staff only those of their own office;
anything else is a 404, exactly like a dossier that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record_change
from declarations import db
from declarations.intake import RawRow, parse_file
from declarations.models import Dossier, Row
from declarations.validation import MAX_ERRORS, ROW_COLUMNS, Problem, RowIn, month_text, rows_of, validate
from employers.services import employer_for_user
from registry.models import Employer
from vssid.errors import DomainError
from vssid.ratelimit import Rate, RateLimited, take

_PERIOD = re.compile(r"^(\d{2})/?(\d{4})$")


class DeclarationError(DomainError):
    api_input_status = 422


class RowsInvalid(DeclarationError):
    """A file or rows with problems: nothing was written; `problems` says where, row by row."""

    def __init__(self, problems: list[Problem], *, status: int = 400) -> None:
        shown = problems[:MAX_ERRORS]
        fields: dict[str, list[str]] = {}
        for p in shown:
            fields.setdefault(f"{p.line}.{p.key}", []).append(p.message)
        super().__init__(
            "invalid_rows",
            _("Có %(count)d lỗi trong %(rows)d dòng; chưa dòng nào được ghi. Sửa các dòng được chỉ ra rồi gửi lại.")
            % {"count": len(problems), "rows": len({p.line for p in problems})},
            status=status,
            fields=fields,
        )
        self.problems = problems


def refused_on_processing(dossier: Dossier) -> RowsInvalid | None:
    """The problems the worker found when it checked a large dossier's rows again before processing
    (the register had moved): the dossier went back to `received`, these say why."""
    stored = dossier.outcome.get("problems") if dossier.status == Dossier.Status.RECEIVED else None
    if not stored:
        return None
    return RowsInvalid([Problem(p["row"], p["key"], p["message"]) for p in stored], status=409)


def parse_period(text: str) -> dt.date:
    """MMYYYY or MM/YYYY → first day of that month."""
    match = _PERIOD.match((text or "").strip())
    if not match or not 1 <= int(match[1]) <= 12 or not 2000 <= int(match[2]) <= 2100:
        raise DeclarationError(
            "invalid_period",
            _("Kỳ kê khai theo dạng MMYYYY, ví dụ 112026."),
            fields={"period": [_("Kỳ kê khai theo dạng MMYYYY.")]},
        )
    return dt.date(int(match[2]), int(match[1]), 1)


def _check_period(period: dt.date, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    latest = dt.date(today.year + today.month // 12, today.month % 12 + 1, 1)
    if period > latest:
        raise DeclarationError(
            "invalid_period",
            _("Chưa thể kê khai kỳ %(period)s.") % {"period": month_text(period)},
            fields={"period": [_("Kỳ kê khai ở tương lai.")]},
        )


# ---- access ------------------------------------------------------------------------------------


def is_office_staff(user: Any) -> bool:
    return (
        isinstance(user, User)
        and user.is_authenticated
        and user.role in (User.Role.STAFF, User.Role.LEAD)
        and bool(user.office_id)
    )


def dossiers_for_employer(user: Any) -> QuerySet[Dossier]:
    employer = employer_for_user(user)
    return Dossier.objects.filter(employer=employer).select_related("office").order_by("-period", "-batch")


def get_for_employer(user: Any, pk: int) -> Dossier:
    employer = employer_for_user(user)
    dossier = Dossier.objects.filter(employer=employer, pk=pk).select_related("employer", "office").first()
    if dossier is None:
        raise Http404
    return dossier


def staff_queue(user: Any, status: str | None = None) -> QuerySet[Dossier]:
    if not is_office_staff(user):
        raise Http404
    statuses = [status] if status else [Dossier.Status.SUBMITTED, Dossier.Status.RECEIVED, Dossier.Status.PROCESSING]
    return (
        Dossier.objects.filter(office_id=user.office_id, status__in=statuses)
        .select_related("employer")
        .order_by("submitted_at", "id")
    )


def get_for_staff(user: Any, pk: int) -> Dossier:
    if not is_office_staff(user):
        raise Http404
    dossier = (
        Dossier.objects.filter(office_id=user.office_id, pk=pk)
        .exclude(status=Dossier.Status.DRAFT)
        .select_related("employer", "office")
        .first()
    )
    if dossier is None:
        raise Http404
    return dossier


# ---- creating and submitting -------------------------------------------------------------------


def _save_dossier(user: User, employer: Employer, period: dt.date, rows: list[RowIn], *, source: str, file_name: str) -> Dossier:
    for attempt in range(3):
        try:
            with transaction.atomic(durable=True):
                batch = (Dossier.objects.filter(employer=employer, period=period).aggregate(m=Max("batch"))["m"] or 0) + 1
                dossier = Dossier.objects.create(
                    employer=employer,
                    office_id=employer.office_id,
                    period=period,
                    batch=batch,
                    source=source,
                    file_name=file_name[:200],
                    created_by=user,
                    row_count=len(rows),
                )
                # Tuples, not 100,000 model instances (building those took longer than the COPY).
                db.copy_rows(Row, ROW_COLUMNS, [(dossier.pk, *r.values()) for r in rows])
                record_change(
                    "declaration_created",
                    acting_user=user,
                    object_type="dossier",
                    object_id=dossier.pk,
                    rows=len(rows),
                    period=month_text(period),
                    source=source,
                )
                return dossier
        except IntegrityError:
            # Two uploads of the same period at once took the same batch number: take the next.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def create_dossier(
    user: Any,
    period: dt.date,
    *,
    raw: list[RawRow] | None = None,
    rows: list[RowIn] | None = None,
    source: str,
    file_name: str = "",
) -> Dossier:
    """A draft dossier of these rows, or RowsInvalid listing every problem (nothing written)."""
    employer = employer_for_user(user)
    if source in (Dossier.Source.FORM, Dossier.Source.API):
        _take_upload(user)
    _check_period(period)
    items: Any = raw if raw is not None else rows or []
    checked, problems = validate(items, employer=employer, period=period)
    if problems:
        raise RowsInvalid(problems)
    return _save_dossier(user, employer, period, checked, source=source, file_name=file_name)


# Each file is read and checked against the register whole: a budget per clerk keeps one login
# (or a script with its token) from occupying the workers with uploads.
UPLOADS = Rate("declaration_upload_user_hour", 60, dt.timedelta(hours=1))


def _take_upload(user: Any) -> None:
    try:
        take(UPLOADS, f"user:{user.pk}")
    except RateLimited as exc:
        raise DeclarationError(
            "too_many_requests",
            _("Đã gửi quá nhiều tệp. Thử lại sau %(minutes)d phút.") % {"minutes": exc.retry_minutes},
            status=429,
        ) from None


def create_from_file(user: Any, period: dt.date, data: bytes, name: str) -> Dossier:
    employer_for_user(user)  # a 404 before reading anything for someone who is not HR
    _take_upload(user)
    kind, raw = parse_file(data, name)
    return create_dossier(
        user, period, raw=raw, source=Dossier.Source.EXCEL if kind == "excel" else Dossier.Source.CSV, file_name=name
    )


def add_row(user: Any, pk: int, values: dict[str, Any]) -> Row:
    """One worker typed on the portal's form, added to a draft (the whole draft is checked again)."""
    dossier = get_for_employer(user, pk)
    if dossier.status != Dossier.Status.DRAFT:
        raise DeclarationError("not_draft", _("Hồ sơ đã gửi, không thể thêm dòng."), status=409)
    existing = rows_of(dossier.pk)
    line = max((r.line for r in existing), default=0) + 1
    checked, problems = validate(
        [RawRow(line=line, values=values)], employer=dossier.employer, period=dossier.period, dossier_id=dossier.pk
    )
    if not problems:
        # The new row against the draft's own rows (duplicates, overlaps).
        _all, problems = validate(existing + checked, employer=dossier.employer, period=dossier.period, dossier_id=dossier.pk)
        problems = [p for p in problems if p.line == line]
    if problems:
        raise RowsInvalid(problems)
    with transaction.atomic(durable=True):
        locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if locked.status != Dossier.Status.DRAFT:
            raise DeclarationError("not_draft", _("Hồ sơ đã gửi, không thể thêm dòng."), status=409)
        row = checked[0].to_model(locked)
        row.save()
        locked.row_count = locked.rows.count()
        locked.save(update_fields=["row_count"])
        record_change(
            "declaration_row_added", acting_user=user, object_type="dossier", object_id=locked.pk, line=line, person=row.person_id
        )
    return row


def new_form_dossier(user: Any, period: dt.date, values: dict[str, Any]) -> Dossier:
    """A dossier of one worker typed on the form."""
    return create_dossier(user, period, raw=[RawRow(line=1, values=values)], source=Dossier.Source.FORM)


def submit(user: Any, pk: int) -> Dossier:
    """Draft → submitted, once: a second submit (double click, retry) is 409 and changes nothing."""
    dossier = get_for_employer(user, pk)
    if dossier.status != Dossier.Status.DRAFT:
        raise DeclarationError("already_submitted", _("Hồ sơ này đã được gửi."), status=409)
    rows = rows_of(dossier.pk)
    _checked, problems = validate(rows, employer=dossier.employer, period=dossier.period, dossier_id=dossier.pk)
    if problems:
        raise RowsInvalid(problems, status=409)
    with transaction.atomic(durable=True):
        updated = Dossier.objects.filter(pk=dossier.pk, status=Dossier.Status.DRAFT).update(
            status=Dossier.Status.SUBMITTED, submitted_at=timezone.now()
        )
        if not updated:
            raise DeclarationError("already_submitted", _("Hồ sơ này đã được gửi."), status=409)
        record_change("declaration_submitted", acting_user=user, object_type="dossier", object_id=dossier.pk)
    dossier.refresh_from_db()
    return dossier
