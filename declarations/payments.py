"""Payments of employers and their allocation: oldest debt first, interest last (C12 section D).

Late interest follows the rule of the debt's month (declarations.interest: 0.03 % a day from
07/2025, a monthly rate before). It is not stored: `interest_until` derives it from the debt and
its allocations, so the C12 of any month shows the same figure whenever it is printed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_change
from declarations import alerts, interest, late
from declarations.intake import decode_csv
from declarations.models import FUNDS, Allocation, Debt, Payment
from declarations.services import DeclarationError, is_office_staff
from registry.models import Employer

MAX_AMOUNT = 1_000_000_000_000
MAX_STATEMENT_LINES = 5000


def _split(amount: int, weights: dict[str, int]) -> dict[str, int]:
    """`amount` over the funds in proportion to `weights`, the rounding remainder to the largest."""
    total = sum(weights.values())
    if total <= 0 or amount <= 0:
        return dict.fromkeys(FUNDS, 0)
    if amount >= total:
        return dict(weights)
    out = {f: amount * weights[f] // total for f in FUNDS}
    rest = amount - sum(out.values())
    for fund in sorted(FUNDS, key=lambda f: -weights[f]):
        if rest <= 0:
            break
        room = weights[fund] - out[fund]
        step = min(rest, room)
        out[fund] += step
        rest -= step
    return out


def interest_until(debt: Debt, day: dt.date, allocations: list[Allocation]) -> dict[str, int]:
    """Interest per fund accrued on `debt` up to and including `day` (declarations.interest)."""
    return interest.until(debt, day, allocations)


def allocate(employer: Employer) -> list[Debt]:
    """Set every unallocated payment against the employer's debts; call inside a transaction.

    Returns the debts whose principal became fully paid (their months are then paid for the
    workers, who are told: declarations.alerts). The workers' late months are recounted either
    way: processing calls this too, and its new periods or charges may cover late months.
    """
    debts = list(Debt.objects.select_for_update().filter(employer=employer).order_by("period"))
    pool = list(Payment.objects.select_for_update().filter(employer=employer, unallocated__gt=0).order_by("paid_on", "id"))
    if not pool:
        late.refresh(employer)
        return []
    by_debt: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in Allocation.objects.filter(debt__employer=employer):
        by_debt[allocation.debt_id].append(allocation)
    newly_paid: list[Debt] = []
    for payment in pool:
        remaining = payment.unallocated
        for debt in debts:
            if remaining <= 0:
                break
            unpaid = debt.unpaid_by_fund()
            if sum(unpaid.values()) <= 0:
                continue
            day = max(payment.paid_on, debt.period)
            share = _split(min(remaining, sum(unpaid.values())), {f: max(v, 0) for f, v in unpaid.items()})
            allocation = Allocation.objects.create(payment=payment, debt=debt, kind=Allocation.Kind.PRINCIPAL, day=day, **share)
            by_debt[debt.pk].append(allocation)
            for fund in FUNDS:
                setattr(debt, f"paid_{fund}", getattr(debt, f"paid_{fund}") + share[fund])
            remaining -= allocation.total
            if debt.unpaid <= 0 and debt.paid_on is None:
                debt.paid_on = day
                newly_paid.append(debt)
            debt.save(update_fields=[*(f"paid_{f}" for f in FUNDS), "paid_on"])
        for debt in debts:
            if remaining <= 0:
                break
            accrued = interest_until(debt, payment.paid_on, by_debt[debt.pk])
            paid: dict[str, int] = defaultdict(int)
            for allocation in by_debt[debt.pk]:
                if allocation.kind == Allocation.Kind.INTEREST:
                    for fund in FUNDS:
                        paid[fund] += getattr(allocation, fund)
            owed = {f: max(accrued[f] - paid[f], 0) for f in FUNDS}
            if sum(owed.values()) <= 0:
                continue
            share = _split(min(remaining, sum(owed.values())), owed)
            allocation = Allocation.objects.create(
                payment=payment, debt=debt, kind=Allocation.Kind.INTEREST, day=payment.paid_on, **share
            )
            by_debt[debt.pk].append(allocation)
            debt.interest_paid += allocation.total
            debt.save(update_fields=["interest_paid"])
            remaining -= allocation.total
        payment.unallocated = remaining
        payment.save(update_fields=["unallocated"])
    alerts.months_paid(employer, newly_paid)
    late.refresh(employer)
    return newly_paid


def _employer(code: str) -> Employer:
    employer = Employer.objects.filter(code=(code or "").strip().upper()).first()
    if employer is None:
        raise DeclarationError(
            "unknown_employer",
            _("Không có đơn vị mã %(code)s trong sổ đăng ký.") % {"code": (code or "")[:20]},
            fields={"employer": [_("Mã đơn vị không đúng.")]},
        )
    return employer


def _check(amount: int, paid_on: dt.date, reference: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    if amount <= 0:
        fields["amount"] = [_("Số tiền phải lớn hơn 0.")]
    elif amount > MAX_AMOUNT:
        fields["amount"] = [_("Số tiền quá lớn.")]
    if paid_on > timezone.localdate():
        fields["paid_on"] = [_("Ngày nộp không được ở tương lai.")]
    if not reference or len(reference) > 40 or not re.fullmatch(r"[\w./-]+", reference):
        fields["reference"] = [_("Số UNC / mã giao dịch: chữ, số, . / -, tối đa 40 ký tự.")]
    return fields


def record_payment(
    user: Any, *, employer_code: str, amount: int, paid_on: dt.date, reference: str, source: str = Payment.Source.UNC
) -> Payment:
    """A payment order (UNC) recorded by office staff, allocated at once."""
    if not is_office_staff(user):
        raise DeclarationError("forbidden", _("Chỉ cán bộ BHXH ghi nhận tiền nộp."), status=403)
    reference = (reference or "").strip()
    fields = _check(amount, paid_on, reference)
    employer = _employer(employer_code)
    if fields:
        raise DeclarationError("invalid_input", _("Thông tin nộp tiền không hợp lệ."), fields=fields)
    try:
        with transaction.atomic(durable=True):
            payment = Payment.objects.create(
                employer=employer,
                amount=amount,
                unallocated=amount,
                paid_on=paid_on,
                reference=reference,
                source=source,
                recorded_by=user,
            )
            allocate(employer)
            record_change(
                "payment_recorded",
                acting_user=user,
                object_type="payment",
                object_id=payment.pk,
                employer=employer.code,
                amount=amount,
            )
    except IntegrityError:
        raise DeclarationError(
            "duplicate_payment", _("Đã ghi nhận khoản nộp có số %(ref)s của đơn vị này.") % {"ref": reference}, status=409
        ) from None
    payment.refresh_from_db()
    return payment


def import_statement(user: Any, data: bytes) -> dict[str, Any]:
    """A bank statement CSV: columns MaDonVi, SoTien, NgayNop (dd/mm/yyyy), SoThamChieu.

    Every line is checked first; with any problem nothing is recorded. Lines whose reference was
    already recorded for that employer are skipped (a statement imported twice records nothing).
    """
    if not is_office_staff(user):
        raise DeclarationError("forbidden", _("Chỉ cán bộ BHXH ghi nhận tiền nộp."), status=403)
    if not data:
        raise DeclarationError("empty_file", _("Tệp trống: không có dữ liệu nào."))
    reader = csv.DictReader(io.StringIO(decode_csv(data)))
    needed = {"MaDonVi", "SoTien", "NgayNop", "SoThamChieu"}
    if not reader.fieldnames or not needed <= {f.strip() for f in reader.fieldnames}:
        raise DeclarationError("missing_keys", _("Sao kê cần các cột: %(cols)s.") % {"cols": ", ".join(sorted(needed))})
    lines: list[tuple[int, Employer, int, dt.date, str]] = []
    fields: dict[str, list[str]] = {}
    employers = {e.code: e for e in Employer.objects.filter(code__in=set())}
    for raw in reader:
        line = reader.line_num
        if len(lines) >= MAX_STATEMENT_LINES:
            raise DeclarationError("too_many_rows", _("Sao kê tối đa %(max)d dòng.") % {"max": MAX_STATEMENT_LINES})
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        code = row["MaDonVi"].upper()
        if code not in employers:
            found = Employer.objects.filter(code=code).first()
            if found is None:
                fields[f"{line}.MaDonVi"] = [_("Không có đơn vị mã %(code)s.") % {"code": code[:20]}]
                continue
            employers[code] = found
        text = row["SoTien"].replace(".", "").replace(",", "").replace(" ", "")
        amount = int(text) if re.fullmatch(r"-?\d{1,15}", text) else 0
        try:
            paid_on = dt.datetime.strptime(row["NgayNop"], "%d/%m/%Y").date()  # noqa: DTZ007 - a calendar day
        except ValueError:
            fields[f"{line}.NgayNop"] = [_("Ngày nộp theo dạng dd/mm/yyyy.")]
            continue
        for key, messages in _check(amount, paid_on, row["SoThamChieu"]).items():
            fields[f"{line}.{ {'amount': 'SoTien', 'paid_on': 'NgayNop', 'reference': 'SoThamChieu'}[key] }"] = messages
        lines.append((line, employers[code], amount, paid_on, row["SoThamChieu"]))
    if fields:
        raise DeclarationError("invalid_rows", _("Sao kê có dòng sai; chưa khoản nào được ghi."), fields=fields)
    recorded = skipped = 0
    with transaction.atomic(durable=True):
        touched: dict[str, Employer] = {}
        for _line, employer, amount, paid_on, reference in lines:
            if Payment.objects.filter(employer=employer, reference=reference).exists():
                skipped += 1
                continue
            Payment.objects.create(
                employer=employer,
                amount=amount,
                unallocated=amount,
                paid_on=paid_on,
                reference=reference,
                source=Payment.Source.BANK,
                recorded_by=user,
            )
            touched[employer.code] = employer
            recorded += 1
        for employer in touched.values():
            allocate(employer)
        record_change(
            "bank_statement_imported",
            acting_user=user,
            object_type="payment",
            object_id="statement",
            recorded=recorded,
            skipped=skipped,
        )
    return {"recorded": recorded, "skipped": skipped}
