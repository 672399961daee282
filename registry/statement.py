"""The participation statement PDF, laid out like form C14-TS ("Xác nhận quá trình đóng BHXH").

Fonts: the static Noto Sans faces of vssid.pdf, built once per process (subset to the Vietnamese
repertoire, instantiated from the variable font); text goes through its NFC/cmap filter, so every
PDF of the project draws Vietnamese the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from registry.history import SchemeHistory, format_month, format_years_months, full_history
from registry.models import Person
from vssid.pdf import FAMILY, add_static_fonts, pdf_text, static_fonts

PAGE_W: Final = 210.0
PAGE_H: Final = 297.0
LEFT: Final = 12.0
RIGHT: Final = PAGE_W - 12.0
BOTTOM: Final = PAGE_H - 16.0
ROW_H: Final = 6.0
INK: Final = (20, 20, 20)
GREY: Final = (110, 110, 110)
HEAD_FILL: Final = (230, 236, 244)
NOTE_FILL: Final = (253, 244, 228)

SCHEME_TITLES: Final = {
    "bhxh": "Bảo hiểm xã hội (BHXH)",
    "bhtn": "Bảo hiểm thất nghiệp (BHTN)",
    "bhyt": "Bảo hiểm y tế (BHYT)",
    "bhtnld": "Bảo hiểm tai nạn lao động, bệnh nghề nghiệp (BHTNLĐ-BNN)",
}
# Column title, width (mm), alignment.
COLUMNS: Final = (
    ("Từ tháng", 18.0, Align.C),
    ("Đến tháng", 18.0, Align.C),
    ("Đơn vị", 62.0, Align.L),
    ("Chức vụ", 32.0, Align.L),
    ("Tiền lương đóng", 28.0, Align.R),
    ("Số tháng", 14.0, Align.C),
    ("Chậm đóng", 14.0, Align.C),
)
HEAD_LINE_H: Final = 3.6
"""A column title wraps onto a second line rather than run into its neighbour."""
NOTE: Final = "Đây là bản tra cứu, không thay thế sổ BHXH."


@dataclass(frozen=True, kw_only=True)
class StatementData:
    full_name: str
    ssn: str
    cccd: str
    date_of_birth: str  # as printed: dd/mm/yyyy, or the year alone
    sex: str
    address: str
    issued_on: dt.date
    schemes: list[SchemeHistory]


class _Statement(FPDF):
    def __init__(self, data: StatementData) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        fonts = static_fonts()
        self._cmap = fonts.cmap
        self._data = data
        add_static_fonts(self, fonts)
        self.set_auto_page_break(auto=False)
        self.set_margins(LEFT, 12, PAGE_W - RIGHT)
        self.set_title(pdf_text(f"C14-TS {data.full_name}", self._cmap))
        self.set_creator("VssID")

    def t(self, value: str) -> str:
        return pdf_text(value, self._cmap)

    def footer(self) -> None:
        self.set_y(PAGE_H - 12)
        self.set_font(FAMILY, "I", 7.5)
        self.set_text_color(*GREY)
        line = f"{self._data.full_name} – Mã số BHXH {self._data.ssn} – {NOTE} – Trang {self.page_no()}/{{nb}}"
        self.cell(RIGHT - LEFT, 4, self.t(line), align=Align.C)
        self.set_text_color(*INK)

    def ensure(self, height: float) -> bool:
        """Start a new page when `height` does not fit; True when it did."""
        if self.get_y() + height > BOTTOM:
            self.add_page()
            return True
        return False

    def title_lines(self, title: str, width: float) -> int:
        """How many lines a column title takes in its column (a one-line title is centred)."""
        lines = self.multi_cell(width, HEAD_LINE_H, self.t(title), align=Align.C, dry_run=True, output="LINES")
        return len(lines) if isinstance(lines, list) else 1

    def table_head(self) -> None:
        self.set_font(FAMILY, "B", 7.5)
        self.set_fill_color(*HEAD_FILL)
        top, x = self.get_y(), self.get_x()
        for title, width, _align in COLUMNS:
            self.set_xy(x, top)
            self.rect(x, top, width, 2 * HEAD_LINE_H, style="DF")
            self.set_xy(x, top + (2 - self.title_lines(title, width)) * HEAD_LINE_H / 2)
            self.multi_cell(width, HEAD_LINE_H, self.t(title), align=Align.C, new_x=XPos.RIGHT, new_y=YPos.TOP)
            x += width
        self.set_xy(LEFT, top + 2 * HEAD_LINE_H)
        self.set_font(FAMILY, "", 7.5)

    def fit(self, value: str, width: float) -> str:
        """Cut a cell's text to its column, with an ellipsis."""
        value = self.t(value)
        if self.get_string_width(value) <= width - 2:
            return value
        while value and self.get_string_width(value + "…") > width - 2:
            value = value[:-1]
        return value + "…"


def _salary(amount: int, currency: str) -> str:
    return f"{amount:,}".replace(",", ".") + (" đ" if currency == "VND" else f" {currency}")


def render_statement(data: StatementData) -> bytes:
    pdf = _Statement(data)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_text_color(*INK)

    pdf.set_font(FAMILY, "B", 9)
    pdf.cell(90, 5, pdf.t("BẢO HIỂM XÃ HỘI VIỆT NAM"), new_x=XPos.RIGHT)
    pdf.cell(RIGHT - LEFT - 90, 5, pdf.t("Mẫu C14-TS (bản tra cứu)"), align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(FAMILY, "B", 13)
    pdf.cell(RIGHT - LEFT, 7, pdf.t("XÁC NHẬN QUÁ TRÌNH THAM GIA BẢO HIỂM"), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "I", 9)
    pdf.cell(
        RIGHT - LEFT,
        5,
        pdf.t(f"Ngày lập: {data.issued_on:%d/%m/%Y}"),
        align=Align.C,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)

    pdf.set_font(FAMILY, "", 9.5)
    for label, value in (
        ("Họ và tên", data.full_name),
        ("Mã số BHXH", data.ssn),
        ("Số CCCD", data.cccd),
        ("Ngày sinh", data.date_of_birth),
        ("Giới tính", data.sex),
        ("Địa chỉ", data.address),
    ):
        pdf.set_font(FAMILY, "", 9.5)
        pdf.cell(32, 5.5, pdf.t(f"{label}:"))
        pdf.set_font(FAMILY, "B", 9.5)
        pdf.cell(RIGHT - LEFT - 32, 5.5, pdf.fit(value, RIGHT - LEFT - 32), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.ln(2)
    pdf.set_fill_color(*NOTE_FILL)
    pdf.set_font(FAMILY, "B", 9)
    pdf.cell(RIGHT - LEFT, 7, pdf.t(NOTE), border=1, align=Align.C, fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    for history in data.schemes:
        pdf.ln(4)
        pdf.ensure(ROW_H * 5)
        pdf.set_font(FAMILY, "B", 10.5)
        pdf.cell(RIGHT - LEFT, 6, pdf.t(SCHEME_TITLES.get(history.scheme, history.scheme)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "", 9)
        pdf.cell(
            RIGHT - LEFT,
            5,
            pdf.t(
                f"Tổng thời gian tham gia: {format_years_months(history.total_months)}"
                f" – Tổng thời gian chậm đóng: {format_years_months(history.late_months)}"
            ),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        if not history.rows:
            pdf.set_font(FAMILY, "I", 9)
            pdf.cell(RIGHT - LEFT, 5, pdf.t("Không có quá trình tham gia."), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            continue
        pdf.table_head()
        for row in history.rows:
            if pdf.ensure(ROW_H):
                pdf.table_head()
            employer = row.employer_name or ("Tự nguyện" if row.voluntary else "")
            values = (
                format_month(row.from_month),
                format_month(row.to_month) if row.to_month else "nay",
                employer,
                row.position,
                _salary(row.salary_basis, row.currency),
                str(row.months),
                str(row.late_months) if row.late_months else "",
            )
            for (_title, width, align), value in zip(COLUMNS, values, strict=True):
                pdf.cell(width, ROW_H, pdf.fit(value, width), border=1, align=align)
            pdf.ln(ROW_H)

    pdf.ln(6)
    pdf.ensure(20)
    pdf.set_font(FAMILY, "I", 8.5)
    pdf.multi_cell(
        RIGHT - LEFT,
        4.5,
        pdf.t(
            "Số liệu theo cơ sở dữ liệu tại ngày lập. Tháng chưa có hoặc sai, hãy phản ánh trên VssID "
            "(mục Quá trình tham gia) hoặc liên hệ đơn vị, cơ quan BHXH, tổng đài 1900 9068. " + NOTE
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())


def statement_for_person(person_id: int, *, today: dt.date | None = None) -> bytes:
    """The C14-TS statement of the whole history of one person (two queries: person, periods)."""
    person = Person.objects.select_related("ward", "province").get(pk=person_id)
    issued = today or timezone.localdate()
    parts = [person.street, person.ward.name if person.ward else "", person.province.name]
    data = StatementData(
        full_name=person.full_name,
        ssn=person.ssn,
        cccd=person.cccd,
        date_of_birth=person.date_of_birth_display,
        sex=person.get_sex_display(),
        address=", ".join(p for p in parts if p),
        issued_on=issued,
        schemes=full_history(person_id, today=issued),
    )
    return render_statement(data)
