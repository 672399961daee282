"""Reading a D02-LT list from the I-VAN Excel template or a CSV, safely, into plain rows.

The template (declarations.md §2.4): sheet `DuLieu`, visible headers on rows 1–3, technical keys
on row 4, data from row 5; columns are found by their key, never by letter, because vendors and
versions lay them out differently. A CSV carries the same keys on its first line.

Everything here refuses with `IntakeError` (code, Vietnamese message) before any row reaches the
database: too large, not a workbook, a macro workbook, a zip bomb, no `DuLieu` sheet, missing keys,
an encoding we cannot read. python-calamine reads the workbook (Rust, values only, the cached
result of formulas); it is about 5× faster than openpyxl on a 100,000-row file (bench/declarations.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

from vssid.errors import DomainError

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
# A real template of 100,000 rows unpacks to about 60 MB of XML; a zip bomb to gigabytes.
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_RATIO = 150  # worksheet XML compresses about 10–20×; 1 KB of zeros compresses 1000×
MAX_ZIP_ENTRIES = 2000
SHEET = "DuLieu"
KEY_ROW = 4  # 1-based, as Excel numbers rows
FIRST_DATA_ROW = 5
REQUIRED_KEYS = ("HoTen", "MaSoBhxh", "PhuongAnId", "TuThang")
KNOWN_KEYS = (
    "STT",
    "HoTen",
    "MaSoBhxh",
    "PhuongAnId",
    "NgaySinh",
    "GioiTinh",
    "Cmnd",
    "ChucVu",
    "TienLuong",
    "PhuCapChucVu",
    "PhuCapThamNienVuotKhung",
    "PhuCapThamNienNghe",
    "PhuCapLuong",
    "PhuCapBoSung",
    "TuThang",
    "DenThang",
    "GhiChu",
    "MaVungLTT",
)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class IntakeError(DomainError):
    # The API has answered refused files with 422 since it began; a too-large one is 413.
    api_input_status = 422


@dataclass
class RawRow:
    line: int
    values: dict[str, Any]  # key -> str, int, float, date or datetime, as the file held it


def _too_large() -> IntakeError:
    return IntakeError(
        "file_too_large",
        _("Tệp quá lớn (tối đa %(mb)d MB). Chia danh sách thành nhiều hồ sơ.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
        status=413,
    )


def read_upload(upload: IO[bytes], size: int | None = None) -> bytes:
    """The bytes of an upload, refused past the limit without reading further."""
    if size is not None and size > MAX_FILE_BYTES:
        raise _too_large()
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _too_large()
    if not data:
        raise IntakeError("empty_file", _("Tệp trống: không có dữ liệu nào."), fields={"file": [_("Tệp trống.")]})
    return data


def parse_file(data: bytes, name: str) -> tuple[str, list[RawRow]]:
    """("excel" | "csv", rows) of a file; the kind follows the content, the name only breaks ties."""
    if not data:
        raise IntakeError("empty_file", _("Tệp trống: không có dữ liệu nào."), fields={"file": [_("Tệp trống.")]})
    if len(data) > MAX_FILE_BYTES:
        raise _too_large()
    if data.startswith(OLE_MAGIC):
        raise IntakeError(
            "legacy_or_macro_workbook",
            _("Tệp là bảng tính Excel cũ (.xls) hoặc có mật khẩu. Mở tệp và lưu lại dạng .xlsx (không có macro)."),
            fields={"file": [_("Chỉ nhận .xlsx hoặc .csv.")]},
        )
    if data.startswith(b"PK"):
        return "excel", parse_xlsx(data)
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm", ".xls")):
        raise IntakeError(
            "not_a_workbook", _("Tệp không phải bảng tính .xlsx hợp lệ."), fields={"file": [_("Tệp bị hỏng hoặc sai định dạng.")]}
        )
    return "csv", parse_csv(data)


# ---- Excel -------------------------------------------------------------------------------------


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise IntakeError(
            "not_a_workbook", _("Tệp không phải bảng tính .xlsx hợp lệ."), fields={"file": [_("Tệp bị hỏng hoặc sai định dạng.")]}
        ) from None
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise IntakeError("unsafe_workbook", _("Tệp có cấu trúc bất thường, không thể đọc an toàn."))
    names = {info.filename.lower() for info in infos}
    content_types = archive.read("[Content_Types].xml") if "[content_types].xml" in names else b""
    if any(n.endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
        raise IntakeError(
            "macro_workbook",
            _("Tệp có macro (VBA). Vì an toàn, hãy lưu lại dạng .xlsx không có macro rồi gửi lại."),
            fields={"file": [_("Không nhận tệp có macro.")]},
        )
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNPACKED_BYTES or (info.file_size > 1024 * 1024 and ratio > MAX_RATIO):
            raise IntakeError(
                "unsafe_workbook",
                _("Tệp nén bất thường (giải nén quá lớn), không thể đọc an toàn."),
                fields={"file": [_("Tệp bị từ chối vì lý do an toàn.")]},
            )


def parse_xlsx(data: bytes) -> list[RawRow]:
    from python_calamine import CalamineWorkbook

    _check_zip(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine raises its own error types for every malformed part
        raise IntakeError(
            "not_a_workbook", _("Tệp không phải bảng tính .xlsx hợp lệ."), fields={"file": [_("Tệp bị hỏng hoặc sai định dạng.")]}
        ) from None
    if SHEET not in book.sheet_names:
        raise IntakeError(
            "missing_sheet",
            _("Không có trang tính “%(sheet)s” (tệp có: %(names)s). Dùng tệp mẫu D02-LT.")
            % {"sheet": SHEET, "names": ", ".join(book.sheet_names[:10])},
            fields={"file": [_("Thiếu trang tính %(sheet)s.") % {"sheet": SHEET}]},
        )
    sheet = book.get_sheet_by_name(SHEET)
    # Rows up to the key row plus the data, one more to notice a file over the limit.
    table = sheet.to_python(skip_empty_area=False, nrows=FIRST_DATA_ROW + MAX_ROWS)
    if len(table) < KEY_ROW:
        raise _missing_keys(REQUIRED_KEYS, where=_("dòng %(row)d của trang %(sheet)s") % {"row": KEY_ROW, "sheet": SHEET})
    keys = [str(k).strip() if k is not None else "" for k in table[KEY_ROW - 1]]
    columns = _columns(keys, where=_("dòng %(row)d của trang %(sheet)s") % {"row": KEY_ROW, "sheet": SHEET})
    rows: list[RawRow] = []
    for offset, cells in enumerate(table[FIRST_DATA_ROW - 1 :]):
        values = {key: cells[index] if index < len(cells) else "" for key, index in columns.items()}
        if all(v in ("", None) for v in values.values()):
            continue
        rows.append(RawRow(line=FIRST_DATA_ROW + offset, values=values))
    _check_count(rows)
    return rows


def _columns(keys: list[str], *, where: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, key in enumerate(keys):
        # Case-insensitive match of the known keys; the first column of a key wins.
        canonical = next((k for k in KNOWN_KEYS if k.lower() == key.lower()), None)
        if canonical and canonical not in columns:
            columns[canonical] = index
    missing = [k for k in REQUIRED_KEYS if k not in columns]
    if missing:
        raise _missing_keys(missing, where=where)
    return columns


def _missing_keys(missing: tuple[str, ...] | list[str], *, where: str) -> IntakeError:
    return IntakeError(
        "missing_keys",
        _("Thiếu cột %(keys)s ở %(where)s (mã cột kỹ thuật của tệp mẫu).") % {"keys": ", ".join(missing), "where": where},
        fields={key: [_("Thiếu cột này.")] for key in missing},
    )


def _check_count(rows: list[RawRow]) -> None:
    if not rows:
        raise IntakeError("empty_file", _("Tệp không có dòng dữ liệu nào."), fields={"file": [_("Không có dòng dữ liệu.")]})
    if len(rows) > MAX_ROWS:
        raise IntakeError(
            "too_many_rows",
            _("Tệp có hơn %(max)s dòng. Chia danh sách thành nhiều hồ sơ.") % {"max": f"{MAX_ROWS:,}".replace(",", ".")},
        )


# ---- CSV ---------------------------------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """UTF-8 with or without BOM; anything else (Windows-1258, the old Vietnamese code page) refused clearly."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IntakeError(
            "csv_encoding",
            _(
                "Tệp CSV không ở bảng mã UTF-8 (có thể là Windows-1258 hoặc TCVN3). "
                "Trong Excel chọn Lưu thành → “CSV UTF-8 (phân cách bằng dấu phẩy)” rồi gửi lại."
            ),
            fields={"file": [_("Bảng mã phải là UTF-8.")]},
        ) from None
    if "\x00" in text:
        raise IntakeError("csv_encoding", _("Tệp CSV chứa ký tự NUL: có thể là tệp UTF-16 hoặc tệp nhị phân."))
    return text


def parse_csv(data: bytes) -> list[RawRow]:
    text = decode_csv(data)
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise IntakeError("empty_file", _("Tệp trống: không có dữ liệu nào."), fields={"file": [_("Tệp trống.")]}) from None
    columns = _columns([h.strip() for h in header], where=_("dòng tiêu đề của tệp CSV"))
    rows: list[RawRow] = []
    try:
        for cells in reader:
            if len(rows) > MAX_ROWS:
                break
            values = {key: cells[index] if index < len(cells) else "" for key, index in columns.items()}
            if all(not str(v).strip() for v in values.values()):
                continue
            rows.append(RawRow(line=reader.line_num, values=values))
    except csv.Error as exc:
        raise IntakeError("csv_malformed", _("Tệp CSV sai định dạng ở dòng %(line)d.") % {"line": reader.line_num}) from exc
    _check_count(rows)
    return rows


# ---- values ------------------------------------------------------------------------------------

EXCEL_EPOCH = dt.date(1899, 12, 30)


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return " ".join(str(value).split())


def excel_serial(value: float) -> dt.date | None:
    """An Excel serial day number (1900 system) as a date; None outside 1900–2100."""
    if not 1 <= value < 73051:
        return None
    return EXCEL_EPOCH + dt.timedelta(days=int(value))
