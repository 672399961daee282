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
from dataclasses import dataclass
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
from vssid.text import fold

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


# A bank's own statement export (VCB, BIDV, Agribank … as saved to CSV): found by its header row,
# which may come after a few lines of account details. Header names are compared without
# diacritics, case or a unit in brackets ("Số tiền ghi có (VND)"); one of each group is needed.
# The layouts are those commonly seen in these exports, not a bank's published specification.
BANK_HEADERS: dict[str, tuple[str, ...]] = {
    "day": ("ngay giao dich", "ngay gd", "ngay hieu luc", "ngay hach toan", "ngay", "transaction date", "date"),
    "reference": (
        "so tham chieu",
        "so but toan",
        "so ct",
        "so chung tu",
        "ma giao dich",
        "so giao dich",
        "ma gd",
        "reference",
        "ref no",
    ),
    "credit": ("so tien ghi co", "ghi co", "so tien co", "phat sinh co", "co", "credit", "credit amount"),
    "text": (
        "noi dung",
        "noi dung giao dich",
        "noi dung chi tiet",
        "dien giai",
        "mo ta",
        "mo ta giao dich",
        "chi tiet giao dich",
        "description",
        "transaction details",
    ),
}
HEADER_SCAN = 30
OWN_COLUMNS = ("MaDonVi", "SoTien", "NgayNop", "SoThamChieu")
_BRACKETS = re.compile(r"\(.*?\)")
_DAY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T].*)?$")
_COMMA_GROUPS = re.compile(r"^(\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$")
_DOT_GROUPS = re.compile(r"^(\d{1,3}(?:\.\d{3})+)(?:,(\d+))?$")
_PLAIN = re.compile(r"^(\d+)(?:[.,](\d{1,2}))?$")


@dataclass
class _Line:
    line: int
    code: str  # the own layout's MaDonVi; empty for a bank line until found in its text
    text: str  # a bank line's description, where the employer's code is looked for
    amount: int
    day_text: str
    reference: str


def _header_key(cell: str) -> str:
    return " ".join(_BRACKETS.sub(" ", fold(cell or "")).replace(":", " ").split())


def _bank_columns(header: list[str]) -> dict[str, int] | None:
    """Where each needed column is in a header row, or None when the row is not a bank header."""
    keys = [_header_key(c) for c in header]
    found: dict[str, int] = {}
    for name, names in BANK_HEADERS.items():
        for index, key in enumerate(keys):
            parts = {key, *(p.strip() for p in key.split("/"))}
            if parts & set(names):
                found[name] = index
                break
    return found if len(found) == len(BANK_HEADERS) else None


def parse_vnd(text: str) -> int | None:
    """A bank amount: "1.234.567", "1,234,567.00", "1234567" → 1234567; 0 when empty; None if not
    a whole amount of đồng. Groups of three digits are thousands whichever sign separates them."""
    text = (text or "").replace(" ", "").replace("\u00a0", "")
    text = re.sub(r"(?i)(vnd|đ)$", "", text)
    if not text:
        return 0
    if match := _COMMA_GROUPS.match(text):
        whole, cents = match[1].replace(",", ""), match[2] or ""
    elif match := _DOT_GROUPS.match(text):
        whole, cents = match[1].replace(".", ""), match[2] or ""
    elif match := _PLAIN.match(text):
        whole, cents = match[1], match[2] or ""
    else:
        return None
    if cents.strip("0") or len(whole) > 15:
        return None  # đồng have no cents
    return int(whole)


def _rows(text: str) -> tuple[str, list[tuple[int, list[str]]], dict[str, int]]:
    """(layout, numbered data rows, column positions) of a statement in either layout."""
    for delimiter in (",", ";", "\t"):
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        for index, row in enumerate(rows[:HEADER_SCAN]):
            cells = [c.strip() for c in row]
            if set(OWN_COLUMNS) <= set(cells):
                return "own", list(enumerate(rows[index + 1 :], start=index + 2)), {k: cells.index(k) for k in OWN_COLUMNS}
            columns = _bank_columns(cells)
            if columns is not None:
                return "bank", list(enumerate(rows[index + 1 :], start=index + 2)), columns
    raise DeclarationError(
        "missing_keys",
        _(
            "Không nhận ra sao kê: cần các cột %(own)s, hoặc tệp sao kê của ngân hàng có các cột Ngày giao dịch, "
            "Số tham chiếu, Số tiền ghi có, Nội dung (Diễn giải)."
        )
        % {"own": ", ".join(OWN_COLUMNS)},
    )


def _lines(text: str, fields: dict[str, list[str]]) -> list[_Line]:
    """The statement's payment lines; a bank's lines that are not money in (debits, balances,
    totals) are passed over."""
    layout, rows, columns = _rows(text)
    out: list[_Line] = []
    for number, raw in rows:
        cells = [c.strip() for c in raw]
        if not any(cells):
            continue
        if len(out) >= MAX_STATEMENT_LINES:
            raise DeclarationError("too_many_rows", _("Sao kê tối đa %(max)d dòng.") % {"max": MAX_STATEMENT_LINES})

        def cell(name: str, cells: list[str] = cells) -> str:
            index = columns[name]
            return cells[index] if index < len(cells) else ""

        if layout == "own":
            text_amount = cell("SoTien").replace(".", "").replace(",", "").replace(" ", "")
            amount = int(text_amount) if re.fullmatch(r"-?\d{1,15}", text_amount) else 0
            out.append(_Line(number, cell("MaDonVi").upper(), "", amount, cell("NgayNop"), cell("SoThamChieu")))
            continue
        credit = parse_vnd(cell("credit"))
        if credit is None:
            fields[f"{number}.credit"] = [_("Số tiền ghi có không hợp lệ.")]
            continue
        if credit == 0 or not _DAY.match(cell("day")):
            continue  # money out, an opening or closing balance, a total line
        out.append(_Line(number, "", cell("text"), credit, cell("day"), cell("reference")))
    return out


def _codes_in(text: str) -> set[str]:
    return {t for t in re.split(r"[^A-Z0-9]+", fold(text).upper()) if 7 <= len(t) <= 15}


def import_statement(user: Any, data: bytes) -> dict[str, Any]:
    """A bank statement CSV, in the office's layout (columns MaDonVi, SoTien, NgayNop dd/mm/yyyy,
    SoThamChieu) or as a bank exports it (Ngày giao dịch, Số tham chiếu, Số tiền ghi có, Nội dung /
    Diễn giải …): then each credit's employer is the unit code written in its description, and
    debit lines are passed over.

    Every line is checked first; with any problem nothing is recorded. Lines whose reference was
    already recorded for that employer are skipped (a statement imported twice records nothing).
    """
    if not is_office_staff(user):
        raise DeclarationError("forbidden", _("Chỉ cán bộ BHXH ghi nhận tiền nộp."), status=403)
    if not data:
        raise DeclarationError("empty_file", _("Tệp trống: không có dữ liệu nào."))
    fields: dict[str, list[str]] = {}
    parsed = _lines(decode_csv(data), fields)
    wanted = {p.code for p in parsed if p.code} | {c for p in parsed if not p.code for c in _codes_in(p.text)}
    employers = {e.code: e for e in Employer.objects.filter(code__in=sorted(wanted))} if wanted else {}
    lines: list[tuple[int, Employer, int, dt.date, str]] = []
    for item in parsed:
        line = item.line
        if item.code:
            employer = employers.get(item.code)
            if employer is None:
                fields[f"{line}.MaDonVi"] = [_("Không có đơn vị mã %(code)s.") % {"code": item.code[:20]}]
                continue
        else:
            found = sorted(_codes_in(item.text) & employers.keys())
            if len(found) != 1:
                fields[f"{line}.text"] = [
                    _("Nội dung chuyển tiền không có mã đơn vị nào trong sổ đăng ký.")
                    if not found
                    else _("Nội dung chuyển tiền có nhiều mã đơn vị: %(codes)s.") % {"codes": ", ".join(found)}
                ]
                continue
            employer = employers[found[0]]
        match = _DAY.match(item.day_text)
        try:
            if match is None:
                raise ValueError
            paid_on = dt.date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            fields[f"{line}.NgayNop"] = [_("Ngày nộp theo dạng dd/mm/yyyy.")]
            continue
        for key, messages in _check(item.amount, paid_on, item.reference).items():
            fields[f"{line}.{ {'amount': 'SoTien', 'paid_on': 'NgayNop', 'reference': 'SoThamChieu'}[key] }"] = messages
        lines.append((line, employer, item.amount, paid_on, item.reference))
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
