"""The C12 statement as an A4 landscape PDF, in the Noto Sans faces of Form 01 (vssid.pdf)."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from declarations.c12 import Statement, dots
from declarations.validation import month_text
from vssid.pdf import FAMILY, add_static_fonts, pdf_text, static_fonts

COLUMNS = (("STT", 16), ("Nội dung", 95), ("BHXH", 33), ("BHYT", 33), ("BHTN", 33), ("BHTNLĐ-BNN", 33), ("Cộng", 34))
ROW_H = 5.6
COUNT_LINES = {"A.1", "B.1", "B.1.1", "B.1.2", "Đ.1"}


def _money(value: int) -> str:
    return dots(value) or "-"


def render(statement: Statement) -> bytes:
    fonts = static_fonts()
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    add_static_fonts(pdf, fonts)
    pdf.set_title(pdf_text(f"C12 {statement.employer.code} {month_text(statement.period)}", fonts.cmap))
    pdf.set_creator("VssID")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()

    def t(value: str) -> str:
        return pdf_text(value, fonts.cmap)

    pdf.set_font(FAMILY, "B", 10)
    pdf.cell(0, 5, t("BẢO HIỂM XÃ HỘI VIỆT NAM"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 9)
    pdf.cell(0, 5, t(f"Cơ quan BHXH: {statement.employer.office_id}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 13)
    pdf.cell(
        0, 8, t("THÔNG BÁO KẾT QUẢ ĐÓNG BHXH, BHYT, BHTN, BHTNLĐ-BNN (C12)"), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font(FAMILY, "", 10)
    pdf.cell(0, 6, t(f"Tháng {month_text(statement.period)}"), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(
        0, 5, t(f"Đơn vị: {statement.employer.name} – Mã đơn vị: {statement.employer.code}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    if statement.employer.address:
        pdf.cell(0, 5, t(f"Địa chỉ: {statement.employer.address}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 5, t("Đơn vị tính: đồng"), align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_font(FAMILY, "B", 8.5)
    pdf.set_fill_color(230, 236, 245)
    for title, width in COLUMNS:
        pdf.cell(width, ROW_H + 1, t(title), border=1, align=Align.C, fill=True)
    pdf.ln(ROW_H + 1)
    for line in statement.lines:
        heading = "." not in line.stt
        pdf.set_font(FAMILY, "B" if heading else "", 8.5)
        values = [line.funds[f] for f in ("bhxh", "bhyt", "bhtn", "bhtnld")] + [line.cong]
        cells = [line.stt, line.label]
        if line.fund_texts:
            cells += [line.fund_texts.get(f, "") for f in ("bhxh", "bhyt", "bhtn", "bhtnld")] + [line.cong_text]
        elif line.text:
            cells += [line.text, "", "", "", ""]
        elif line.stt in COUNT_LINES:
            cells += [str(v) for v in values]
        elif line.stt in ("A.2.1", "Đ.2.1", "C.1", "C", "B.2.1", "B.2.2") or (
            line.total is not None and not any(line.funds.values())
        ):
            cells += ["", "", "", "", _money(line.cong)]
        else:
            cells += [_money(v) for v in values]
        for (_title, width), value in zip(COLUMNS, cells, strict=True):
            align = Align.L if width in (16, 95) else Align.R
            pdf.cell(width, ROW_H, t(value), border=1, align=align)
        pdf.ln(ROW_H)
    pdf.ln(3)
    pdf.set_font(FAMILY, "I", 8)
    pdf.multi_cell(
        0,
        4,
        t(
            "Lãi chậm đóng các tháng từ 07/2025: 0,03 %/ngày trên số tiền chậm đóng, tính từ ngày sau hạn đóng "
            "(ngày cuối tháng sau kỳ đóng), Luật BHXH 2024 điều 40. Các tháng trước 07/2025: lãi suất theo tháng "
            "tính vào ngày đầu mỗi tháng trên số tiền chậm đóng từ 30 ngày trở lên (Luật BHXH 2014 điều 122). "
            "Tiền nộp được phân bổ cho khoản nợ cũ nhất trước, tiền lãi sau cùng."
        ),
    )
    return bytes(pdf.output())
