"""Validation of D02-LT rows that says where: every problem as (row, key, Vietnamese message).

Two passes. `parse_rows` reads each row on its own (codes, months, amounts). `check_rows` then
looks at the register for all rows at once: people by BHXH code and CCCD, their periods and the
rows already declared are each fetched with a few batched queries, whatever the number of rows,
so a 10,000-row file is checked in well under a second of database time.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, cast

from django.db.models import Field, Lookup
from django.utils.translation import gettext as _

from declarations import codes
from declarations.intake import RawRow, as_text, excel_serial
from declarations.models import Dossier, Row
from registry import rules
from registry.history import format_vnd
from registry.models import Employer, ParticipationPeriod, Person, Scheme

MAX_ERRORS = 1000
CHUNK = 5000
# `any_of` takes one array parameter, whatever its length: a whole file's people in one query each
# (a chunk per 5,000 made the server read the employer's earlier rows once per chunk).
ARRAY_CHUNK = 200_000
MAX_WAGE = 10_000_000_000  # a monthly wage above 10 billion dong is a typing error
T = TypeVar("T")


@dataclass
class Problem:
    line: int
    key: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.line, "key": self.key, "message": self.message}


@dataclass
class RowIn:
    """One row after parsing: what `Row` will hold."""

    line: int
    pa: str = ""
    ssn: str = ""
    cccd: str = ""
    full_name: str = ""
    birth_date: str = ""
    sex: int | None = None
    title: str = ""
    wage: int = 0
    coefficient: Decimal | None = None
    allowances: int = 0
    from_month: dt.date | None = None
    to_month: dt.date | None = None
    note: str = ""
    region: int = 1
    person_id: int | None = None
    # Filled by check_rows for the people it found.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def who(self) -> str:
        return self.ssn or self.cccd

    @property
    def last_month(self) -> dt.date | None:
        return self.to_month or self.from_month

    def salary_basis(self, month: dt.date) -> int:
        """The wage the contributions are computed on in `month`: a coefficient times that month's base salary."""
        if self.coefficient is not None:
            return round(self.coefficient * rules.base_salary_on(month)) + self.allowances
        return self.wage + self.allowances

    def to_model(self, dossier: Dossier) -> Row:
        return Row(
            dossier=dossier,
            line=self.line,
            pa=self.pa,
            ssn=self.ssn,
            cccd=self.cccd,
            person_id=self.person_id,
            full_name=self.full_name,
            birth_date=self.birth_date,
            sex=self.sex,
            title=self.title,
            wage=self.wage,
            coefficient=self.coefficient,
            allowances=self.allowances,
            from_month=self.from_month or dt.date(1900, 1, 1),
            to_month=self.to_month,
            note=self.note,
        )

    def values(self) -> tuple[Any, ...]:
        """The columns of ROW_COLUMNS after the dossier, as `to_model` would set them."""
        return (
            self.line,
            self.pa,
            self.ssn,
            self.cccd,
            self.person_id,
            self.full_name,
            self.birth_date,
            self.sex,
            self.title,
            self.wage,
            self.coefficient,
            self.allowances,
            self.from_month or dt.date(1900, 1, 1),
            self.to_month,
            self.note,
        )


# A row's own columns, in the order of RowIn.values(): what a draft's COPY writes after the dossier
# and what rows_of reads back.
ROW_FIELDS = (
    "line",
    "pa",
    "ssn",
    "cccd",
    "person_id",
    "full_name",
    "birth_date",
    "sex",
    "title",
    "wage",
    "coefficient",
    "allowances",
    "from_month",
    "to_month",
    "note",
)
ROW_COLUMNS = ("dossier_id", *ROW_FIELDS)


def rows_of(dossier_id: int) -> list[RowIn]:
    """A saved dossier's rows, to check again (plain values: model instances cost more than the checks)."""
    out = []
    for pk, *values in Row.objects.filter(dossier_id=dossier_id).order_by("line").values_list("pk", *ROW_FIELDS):
        row = RowIn(**dict(zip(ROW_FIELDS, values, strict=True)))
        row.extra["pk"] = pk
        out.append(row)
    return out


class AnyOf(Lookup[Any]):
    """`field__any_of=[…]`: `= ANY(array)` on PostgreSQL, one parameter however long the list.

    `__in` sends one placeholder per value; for the 5,000 values of a chunk the client spent more
    time building and scanning the statement, and Django preparing each value, than the server
    spent answering it.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        return list(self.rhs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            # Typed as the column: an int4[] against a bigint column is compared element by element
            # instead of through a hash of the array.
            return f"{lhs} = ANY(%s::{self.lhs.output_field.db_type(connection)}[])", [*params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


# On the fields the checks and processing look up by the thousand (instances: nothing else changes).
for _model, _name in (
    (Person, "ssn"),
    (Person, "cccd"),
    (ParticipationPeriod, "person"),
    (Row, "person"),
    (Row, "cccd"),
    (Row, "id"),
):
    cast(Field[Any, Any], _model._meta.get_field(_name)).register_lookup(AnyOf)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def month_text(day: dt.date | None) -> str:
    return f"{day.month:02d}/{day.year}" if day else ""


def add_months(day: dt.date, months: int) -> dt.date:
    return rules.month_from_index(rules.month_index(day) + months)


# ---- one row at a time -------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{1,2})[/.-](\d{4})$")
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_THOUSANDS = re.compile(r"^\d{1,3}([.,]\d{3})+$")
_NUMBER = re.compile(r"^\d+([.,]\d{1,4})?$")


def parse_month(value: Any) -> dt.date | None:
    """MM/YYYY text, a date cell, or an Excel serial number; None when it is none of them."""
    if isinstance(value, dt.datetime | dt.date):
        return dt.date(value.year, value.month, 1)
    if isinstance(value, int | float) and not isinstance(value, bool):
        day = excel_serial(float(value))
        return day.replace(day=1) if day else None
    text = as_text(value)
    if match := _MONTH.match(text):
        month, year = int(match[1]), int(match[2])
    elif match := _DATE.match(text):
        month, year = int(match[2]), int(match[3])
    elif text.isdigit() and 5 <= len(text) <= 6:
        # A serial number that reached us as text (a CSV saved from a date column).
        day = excel_serial(float(text))
        return day.replace(day=1) if day else None
    else:
        return None
    if not (1 <= month <= 12 and 1900 <= year <= 2100):
        return None
    return dt.date(year, month, 1)


def parse_birth(value: Any) -> str | None:
    """dd/mm/yyyy, mm/yyyy or yyyy as text (the register keeps partial dates); None when unreadable."""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1900 <= value <= 2100 and float(value).is_integer():
            return str(int(value))
        day = excel_serial(float(value))
        return day.strftime("%d/%m/%Y") if day else None
    text = as_text(value)
    if match := _DATE.match(text):
        try:
            return dt.date(int(match[3]), int(match[2]), int(match[1])).strftime("%d/%m/%Y")
        except ValueError:
            return None
    if match := _MONTH.match(text):
        return f"{int(match[1]):02d}/{match[2]}" if 1 <= int(match[1]) <= 12 else None
    if re.fullmatch(r"(19|20)\d\d", text):
        return text
    return None


def parse_amount(value: Any) -> Decimal | None:
    """A non-negative number: 5310000, "5.310.000", "5,310,000", "2,34" (a coefficient); None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    text = as_text(value).replace(" ", "").replace("đ", "").replace("VND", "")
    if text.startswith("-"):
        return Decimal(-1)
    if _THOUSANDS.match(text):
        # Vietnamese writes 5.310.000; a CSV from an English Excel 5,310,000. Either way an amount.
        return Decimal(text.replace(".", "").replace(",", ""))
    if _NUMBER.match(text):
        return Decimal(text.replace(",", "."))
    return None


def _birth_year(birth: str) -> int:
    return int(birth[-4:])


def parse_rows(raw: Iterable[RawRow], period: dt.date, problems: list[Problem]) -> list[RowIn]:
    out: list[RowIn] = []
    for raw_row in raw:
        v = raw_row.values
        row = RowIn(line=raw_row.line)

        def bad(key: str, message: str, row: RowIn = row) -> None:
            problems.append(Problem(row.line, key, message))

        pa = as_text(v.get("PhuongAnId")).upper()
        pa = pa.split("-", 1)[0].strip()  # "TM-Tăng mới" as the template's text column shows it
        if not pa:
            bad("PhuongAnId", _("Thiếu mã phương án (nếu ô là công thức, mở tệp trong Excel và lưu lại)."))
        elif pa not in codes.PA_CODES:
            bad("PhuongAnId", _("Mã phương án “%(pa)s” không có trong danh mục.") % {"pa": pa[:10]})
        row.pa = pa[:2]

        ident = as_text(v.get("MaSoBhxh")).replace(" ", "")
        cccd_col = as_text(v.get("Cmnd")).replace(" ", "")
        if re.fullmatch(r"\d{10}", ident):
            row.ssn = ident
        elif re.fullmatch(r"\d{12}", ident):
            row.cccd = ident
        elif not ident and re.fullmatch(r"\d{12}", cccd_col) and pa == "TM":
            row.cccd = cccd_col
        else:
            bad("MaSoBhxh", _("Mã số BHXH gồm 10 chữ số (hoặc số CCCD 12 chữ số)."))
        if not row.cccd and re.fullmatch(r"\d{12}", cccd_col):
            row.cccd = cccd_col

        row.full_name = as_text(v.get("HoTen"))
        if not row.full_name:
            bad("HoTen", _("Thiếu họ và tên."))
        elif len(row.full_name) > 100:
            bad("HoTen", _("Họ và tên tối đa 100 ký tự."))

        birth_raw = v.get("NgaySinh")
        if as_text(birth_raw):
            birth = parse_birth(birth_raw)
            if birth is None:
                bad("NgaySinh", _("Ngày sinh theo dạng dd/mm/yyyy."))
            else:
                row.birth_date = birth
        sex = as_text(v.get("GioiTinh")).lower()
        if sex:
            mapped = {"1": 1, "nam": 1, "0": 2, "nữ": 2, "nu": 2}.get(sex)
            if mapped is None:
                bad("GioiTinh", _("Giới tính: 1 là nam, 0 là nữ."))
            row.sex = mapped
        row.title = as_text(v.get("ChucVu"))[:500]
        row.note = as_text(v.get("GhiChu"))[:500]
        region = as_text(v.get("MaVungLTT"))
        if region:
            if region.lstrip("0") in ("1", "2", "3", "4"):
                row.region = int(region)
            else:
                bad("MaVungLTT", _("Mã vùng lương tối thiểu từ 01 đến 04."))

        from_raw, to_raw = v.get("TuThang"), v.get("DenThang")
        row.from_month = parse_month(from_raw)
        if row.from_month is None:
            bad("TuThang", _("Từ tháng theo dạng MM/YYYY.") if as_text(from_raw) else _("Thiếu từ tháng (MM/YYYY)."))
        if as_text(to_raw):
            row.to_month = parse_month(to_raw)
            if row.to_month is None:
                bad("DenThang", _("Đến tháng theo dạng MM/YYYY."))
        if row.from_month and row.to_month and row.to_month < row.from_month:
            bad(
                "DenThang",
                _("Đến tháng %(to)s trước từ tháng %(from)s.")
                % {"to": month_text(row.to_month), "from": month_text(row.from_month)},
            )
        if pa in codes.ADJUSTING and row.from_month and row.from_month >= period:
            bad(
                "TuThang",
                _("Phương án %(pa)s điều chỉnh các tháng trước kỳ kê khai %(period)s.")
                % {"pa": pa, "period": month_text(period)},
            )
        if row.from_month and row.from_month > add_months(period, 1) and pa not in codes.ADJUSTING:
            bad(
                "TuThang",
                _("Từ tháng %(month)s sau kỳ kê khai %(period)s.")
                % {"month": month_text(row.from_month), "period": month_text(period)},
            )

        _parse_wage(row, v, bad)
        if pa in codes.NEEDS_WAGE and not as_text(v.get("TienLuong")):
            bad("TienLuong", _("Phương án %(pa)s cần mức lương.") % {"pa": pa})
        if pa == "TM" and row.cccd and not row.ssn:
            if not row.birth_date:
                bad("NgaySinh", _("Người tham gia lần đầu cần ngày sinh."))
            if row.sex is None:
                bad("GioiTinh", _("Người tham gia lần đầu cần giới tính (1 nam, 0 nữ)."))
        if row.from_month and (row.wage or row.coefficient is not None) and row.coefficient is None:
            for month in (row.from_month, row.to_month):
                if month is None:
                    continue
                try:
                    floor = rules.minimum_wage_on(month, row.region)
                except ValueError:
                    continue
                if row.salary_basis(month) < floor:
                    bad(
                        "TienLuong",
                        _("Mức lương %(wage)s thấp hơn lương tối thiểu vùng %(region)d tháng %(month)s (%(floor)s).")
                        % {
                            "wage": format_vnd(row.salary_basis(month)),
                            "region": row.region,
                            "month": month_text(month),
                            "floor": format_vnd(floor),
                        },
                    )
                    break
        out.append(row)
    return out


def _parse_wage(row: RowIn, v: dict[str, Any], bad: Any) -> None:
    raw = v.get("TienLuong")
    if as_text(raw):
        amount = parse_amount(raw)
        if amount is None:
            bad("TienLuong", _("Mức lương phải là số."))
        elif amount < 0:
            bad("TienLuong", _("Mức lương không được âm."))
        elif amount == 0:
            bad("TienLuong", _("Mức lương phải lớn hơn 0."))
        elif amount <= 100:
            # The portal's reading: a value up to 100 is a coefficient (hệ số) of the base salary.
            row.coefficient = amount.quantize(Decimal("0.01"))
        elif amount != amount.to_integral_value():
            bad("TienLuong", _("Mức lương bằng đồng là số nguyên."))
        elif amount > MAX_WAGE:
            bad("TienLuong", _("Mức lương quá lớn."))
        else:
            row.wage = int(amount)
    allowances = 0
    for key in ("PhuCapChucVu", "PhuCapThamNienVuotKhung", "PhuCapThamNienNghe", "PhuCapLuong", "PhuCapBoSung"):
        if not as_text(v.get(key)):
            continue
        amount = parse_amount(v.get(key))
        if amount is None or amount < 0:
            bad(key, _("Phụ cấp phải là số không âm."))
            continue
        if row.coefficient is not None and key == "PhuCapChucVu" and amount <= 100:
            row.coefficient += amount.quantize(Decimal("0.01"))
        elif row.coefficient is not None and key in ("PhuCapThamNienVuotKhung", "PhuCapThamNienNghe") and amount <= 100:
            # Seniority allowances of a coefficient wage are a percentage of it.
            row.coefficient = (row.coefficient * (1 + amount / 100)).quantize(Decimal("0.01"))
        elif amount > MAX_WAGE or amount != amount.to_integral_value():
            bad(key, _("Phụ cấp bằng đồng là số nguyên."))
        else:
            allowances += int(amount)
    row.allowances = allowances


# ---- against the register ----------------------------------------------------------------------


@dataclass
class Span:
    employer: str
    start: dt.date
    end: dt.date | None
    voluntary: bool

    def covers(self, month: dt.date) -> bool:
        return self.start <= month and (self.end is None or month <= self.end)


@dataclass(frozen=True)
class Known:
    pk: int
    ssn: str
    cccd: str


def _people(rows: list[RowIn]) -> tuple[dict[str, Known], dict[str, Known]]:
    ssns = sorted({r.ssn for r in rows if r.ssn})
    cccds = sorted({r.cccd for r in rows if r.cccd and not r.ssn})
    by_ssn: dict[str, Known] = {}
    by_cccd: dict[str, Known] = {}
    for part in chunks(ssns, ARRAY_CHUNK):
        for pk, ssn, cccd in Person.objects.filter(ssn__any_of=part).values_list("pk", "ssn", "cccd"):
            by_ssn[ssn] = Known(pk, ssn, cccd)
    for part in chunks(cccds, ARRAY_CHUNK):
        for pk, ssn, cccd in Person.objects.filter(cccd__any_of=part).values_list("pk", "ssn", "cccd"):
            by_cccd[cccd] = Known(pk, ssn, cccd)
    return by_ssn, by_cccd


def _spans(person_ids: list[int]) -> dict[int, list[Span]]:
    spans: dict[int, list[Span]] = defaultdict(list)
    for part in chunks(person_ids, ARRAY_CHUNK):
        for pid, employer, start, end, voluntary in ParticipationPeriod.objects.filter(
            person_id__any_of=part, scheme=Scheme.BHXH
        ).values_list("person_id", "employer_id", "from_month", "to_month", "voluntary"):
            spans[pid].append(Span(employer or "", start, end, voluntary))
    return spans


def check_rows(
    rows: list[RowIn], *, employer: Employer, period: dt.date, dossier_id: int | None, problems: list[Problem]
) -> None:
    """Register checks of every row at once; sets `person_id` of the rows whose person is known."""
    by_ssn, by_cccd = _people(rows)
    for row in rows:
        person = by_ssn.get(row.ssn) if row.ssn else by_cccd.get(row.cccd)
        if person is not None:
            row.person_id = person.pk
            if row.ssn and row.cccd and person.cccd != row.cccd:
                problems.append(Problem(row.line, "Cmnd", _("Số CCCD không khớp với mã số BHXH %(ssn)s.") % {"ssn": row.ssn}))
        elif row.ssn:
            problems.append(Problem(row.line, "MaSoBhxh", _("Mã số BHXH %(ssn)s không có trong sổ đăng ký.") % {"ssn": row.ssn}))
        elif row.cccd and row.pa != "TM":
            problems.append(
                Problem(
                    row.line,
                    "MaSoBhxh",
                    _("Không tìm thấy người có CCCD %(cccd)s; người chưa có mã số BHXH dùng phương án TM.") % {"cccd": row.cccd},
                )
            )
    spans = _spans(sorted({r.person_id for r in rows if r.person_id}))
    _check_employment(rows, employer, spans, problems)
    _check_within_file(rows, problems)
    _check_declared(rows, employer, dossier_id, problems)


def _check_employment(rows: list[RowIn], employer: Employer, spans: dict[int, list[Span]], problems: list[Problem]) -> None:
    code = employer.code
    pending_leaves = _pending_leaves(rows, code)
    for row in rows:
        if row.person_id is None or row.from_month is None or row.pa not in codes.PA_CODES:
            continue
        mine = [s for s in spans.get(row.person_id, []) if s.employer == code]
        start = row.from_month
        before = add_months(start, -1)
        if row.pa in codes.OPENING:
            if any(s.covers(start) or (s.end is None and s.start >= start) for s in mine):
                problems.append(
                    Problem(
                        row.line,
                        "TuThang",
                        _("Người này đang tham gia tại đơn vị trong tháng %(month)s (trùng thời gian).")
                        % {"month": month_text(start)},
                    )
                )
                continue
            elsewhere = [
                s for s in spans.get(row.person_id, []) if s.employer not in ("", code) and not s.voluntary and s.covers(start)
            ]
            if elsewhere and (row.person_id, elsewhere[0].employer) not in pending_leaves:
                problems.append(
                    Problem(
                        row.line,
                        "MaSoBhxh",
                        _("Người này đang tham gia tại đơn vị %(other)s; đơn vị đó cần báo giảm (GD/GC) trước.")
                        % {"other": elsewhere[0].employer},
                    )
                )
        elif row.pa in codes.RESUMING:
            if any(s.covers(start) for s in mine):
                problems.append(
                    Problem(
                        row.line,
                        "TuThang",
                        _("Người này đang đóng tại đơn vị trong tháng %(month)s.") % {"month": month_text(start)},
                    )
                )
            elif not any(s.end is not None and s.end < start for s in mine):
                problems.append(Problem(row.line, "MaSoBhxh", _("Người này chưa từng là người lao động của đơn vị.")))
        elif row.pa in codes.LEAVING | codes.PAUSING | codes.CHANGING:
            if not any(s.covers(before) or s.covers(start) for s in mine):
                problems.append(
                    Problem(
                        row.line,
                        "MaSoBhxh",
                        _("Người này không phải người lao động của đơn vị trong tháng %(month)s.")
                        % {"month": month_text(before)},
                    )
                )
        elif row.pa in codes.ADJUSTING:
            last = row.last_month or start
            if not any(s.start <= last and (s.end is None or s.end >= start) for s in mine):
                problems.append(
                    Problem(row.line, "MaSoBhxh", _("Người này không phải người lao động của đơn vị trong các tháng điều chỉnh."))
                )


def _pending_leaves(rows: list[RowIn], code: str) -> set[tuple[int, str]]:
    """(person, employer) pairs where the other employer has declared the worker's departure (GD/GC/GH) and awaits processing."""
    ids = [r.person_id for r in rows if r.person_id and r.pa in codes.OPENING]
    found: set[tuple[int, str]] = set()
    for part in chunks(ids, ARRAY_CHUNK):
        for pid, emp in (
            Row.objects.filter(
                person_id__any_of=part,
                pa__in=sorted(codes.LEAVING),
                dossier__status__in=[Dossier.Status.SUBMITTED, Dossier.Status.RECEIVED, Dossier.Status.PROCESSING],
            )
            .exclude(dossier__employer_id=code)
            .values_list("person_id", "dossier__employer_id")
        ):
            found.add((pid, emp))
    return found


def _check_within_file(rows: list[RowIn], problems: list[Problem]) -> None:
    seen: dict[tuple[object, ...], int] = {}
    by_person: dict[str, list[RowIn]] = defaultdict(list)
    for row in rows:
        if not row.who or row.from_month is None:
            continue
        key = (row.who, row.pa, row.from_month, row.to_month)
        if key in seen:
            problems.append(Problem(row.line, "MaSoBhxh", _("Dòng trùng với dòng %(line)d.") % {"line": seen[key]}))
            continue
        seen[key] = row.line
        by_person[row.who].append(row)
    groups = (
        codes.OPENING | codes.RESUMING | codes.CHANGING,
        codes.ADJUSTING_UP,
        codes.ADJUSTING_DOWN,
        codes.LEAVING | codes.PAUSING,
    )
    for person_rows in by_person.values():
        if len(person_rows) < 2:
            continue
        for group in groups:
            mine = sorted((r for r in person_rows if r.pa in group), key=lambda r: (r.from_month, r.line))
            for first, second in itertools.pairwise(mine):
                if first.from_month is None or second.from_month is None:
                    continue
                first_end = first.to_month or (first.from_month if group != groups[0] else None)
                if first_end is None or second.from_month <= first_end:
                    problems.append(
                        Problem(
                            second.line, "TuThang", _("Trùng thời gian với dòng %(line)d của cùng người.") % {"line": first.line}
                        )
                    )


def _check_declared(rows: list[RowIn], employer: Employer, dossier_id: int | None, problems: list[Problem]) -> None:
    """A month already declared: the same person, code and from-month in another live dossier of the employer.

    By person where the register knows them (the row index on person), by CCCD for first-time
    participants (the index of rows with no person yet).
    """
    known = {(r.person_id, r.pa, r.from_month): r for r in rows if r.person_id and r.from_month}
    newcomers = {(r.cccd, r.pa, r.from_month): r for r in rows if not r.person_id and r.cccd and r.from_month}
    live = [Dossier.Status.SUBMITTED, Dossier.Status.RECEIVED, Dossier.Status.PROCESSING, Dossier.Status.PROCESSED]
    found: list[tuple[RowIn, str, dt.date, str, dt.date]] = []
    base = Row.objects.filter(dossier__employer=employer, dossier__status__in=live)
    if dossier_id is not None:
        base = base.exclude(dossier_id=dossier_id)
    fields = ("pa", "from_month", "dossier__number", "dossier__period")
    for part in chunks(sorted({key[0] for key in known}), ARRAY_CHUNK):
        for pid, pa, start, number, period in base.filter(person_id__any_of=part).values_list("person_id", *fields):
            if (row := known.get((pid, pa, start))) is not None:
                found.append((row, pa, start, number, period))
    for cccds in chunks(sorted({key[0] for key in newcomers}), ARRAY_CHUNK):
        for cccd, pa, start, number, period in base.filter(person__isnull=True, cccd__any_of=cccds).values_list("cccd", *fields):
            if (row := newcomers.get((cccd, pa, start))) is not None:
                found.append((row, pa, start, number, period))
    reported: set[int] = set()
    for row, pa, start, number, period in found:
        if row.line in reported:
            continue
        reported.add(row.line)
        problems.append(
            Problem(
                row.line,
                "TuThang",
                _("Tháng %(month)s đã được kê khai (phương án %(pa)s) trong hồ sơ kỳ %(period)s %(number)s.")
                % {"month": month_text(start), "pa": pa, "period": month_text(period), "number": number},
            )
        )


def validate(
    raw_or_rows: Iterable[RawRow] | list[RowIn], *, employer: Employer, period: dt.date, dossier_id: int | None = None
) -> tuple[list[RowIn], list[Problem]]:
    problems: list[Problem] = []
    items = list(raw_or_rows)
    if items and isinstance(items[0], RowIn):
        rows = [r for r in items if isinstance(r, RowIn)]
    else:
        rows = parse_rows([r for r in items if isinstance(r, RawRow)], period, problems)
    check_rows(rows, employer=employer, period=period, dossier_id=dossier_id, problems=problems)
    problems.sort(key=lambda p: (p.line, p.key))
    return rows, problems
