"""CSV exports, the printable instruction sheet (PDF) and the trend chart (SVG), drawn on the server."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Final
from xml.sax.saxutils import escape

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from employers.campaign import Adoption, TrendPoint
from employers.services import registration_url, status_label, worker_status
from registry.models import Employer, Person
from vssid import numbers
from vssid.pdf import FAMILY, pdf_text, static_fonts  # Noto Sans subset to Vietnamese, built once per process


def _csv(header: list[str], rows: Iterable[list[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        # Spreadsheet formula injection: a cell that starts with = + - @ is quoted as text.
        writer.writerow([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens Vietnamese correctly


def workers_csv(people: Iterable[Person]) -> bytes:
    header = ["ma_so_bhxh", "ho_ten", "ngay_sinh", "trang_thai", "han_nop_to_khai", "moi_lan_cuoi"]
    rows = (
        [
            p.ssn,
            p.full_name,
            p.date_of_birth_display,
            status_label(worker_status(p)),
            p.registration_deadline.isoformat() if getattr(p, "registration_deadline", None) else "",  # type: ignore[attr-defined]
            p.last_invited_at.isoformat() if getattr(p, "last_invited_at", None) else "",  # type: ignore[attr-defined]
        ]
        for p in people
    )
    return _csv(header, rows)


def adoption_csv(group_by: str, total: Adoption, rows: list[Adoption]) -> bytes:
    header = ["nhom", "ma", "ten", "so_nguoi_tham_gia", "co_tai_khoan", "dang_dang_ky", "ty_le_phan_tram"]
    lines = [[group_by, r.key, r.label, r.insured, r.accounts, r.in_progress, r.percent] for r in rows]
    lines.append(["tong", "", total.label, total.insured, total.accounts, total.in_progress, total.percent])
    return _csv(header, lines)


def instruction_sheet_pdf(employer: Employer) -> bytes:
    """One A4 page to hand out at work: the letter's two steps and a QR of the registration page."""
    fonts = static_fonts()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    for style, path in fonts.files.items():
        pdf.add_font(FAMILY, style, str(path))
    pdf.add_page()
    pdf.set_margins(18, 18, 18)

    def t(value: str) -> str:
        return pdf_text(value, fonts.cmap)

    def para(value: str, size: float = 12, style: str = "", height: float = 6.5) -> None:
        pdf.set_font(FAMILY, style, size)
        pdf.multi_cell(0, height, t(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    url = registration_url()
    pdf.set_y(18)
    para("BẢO HIỂM XÃ HỘI SỐ – VssID", 11, "B")
    para(employer.name, 11)
    pdf.ln(4)
    para("Hướng dẫn đăng ký và cài đặt ứng dụng VssID", 20, "B", 10)
    pdf.ln(2)
    para(
        "Đơn vị đề nghị mỗi người lao động đăng ký tài khoản giao dịch điện tử và cài ứng dụng VssID "
        "để xem thẻ BHYT, quá trình tham gia và quyền lợi BHXH, BHYT, BHTN của mình.",
    )
    pdf.ln(4)
    para("Bước 1: Đăng ký tài khoản giao dịch điện tử", 14, "B", 8)
    for line in (
        f"• Vào trang {url} (hoặc quét mã QR bên dưới), chọn “Đăng ký ngay”.",
        "• Nhập họ tên, mã số BHXH hoặc số CCCD, ngày sinh, số điện thoại; đính kèm ảnh mặt trước, "
        "mặt sau CCCD và ảnh chân dung; chọn cơ quan BHXH nơi nộp hồ sơ.",
        "• Nhập mã OTP gửi qua SMS, in Tờ khai Mẫu số 01, ký và ghi rõ họ tên.",
        "• Trong 10 ngày, nộp tờ khai tại cơ quan BHXH đã chọn, mang theo CCCD bản chính. "
        "Khi hồ sơ hợp lệ, mật khẩu được gửi qua SMS.",
    ):
        para(line)
    pdf.ln(3)
    para("Bước 2: Cài đặt ứng dụng VssID và đăng nhập", 14, "B", 8)
    for line in (
        "• Tải ứng dụng VssID – BHXH số trên App Store hoặc Google Play.",
        "• Đăng nhập bằng mã số BHXH (hoặc số CCCD) và mật khẩu nhận qua SMS; đổi mật khẩu ở lần đăng nhập đầu.",
    ):
        para(line)
    pdf.ln(4)
    qr = io.BytesIO()
    segno.make(url, error="m", micro=False).save(qr, kind="png", scale=8, border=4)
    qr.seek(0)
    top = pdf.get_y()
    pdf.image(qr, x=18, y=top, w=50, h=50)
    pdf.set_xy(74, top + 4)
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(0, 6.5, t("Quét mã để mở trang đăng ký"), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 11)
    pdf.multi_cell(0, 6, t(url), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(top + 56)
    para(
        "Vướng mắc xin liên hệ BHXH TP Hà Nội: Phòng Quản lý thu 0243.7223968; "
        "Phòng Truyền thông và phát triển đối tượng 0243.72236554; tổng đài 1900 9068.",
        10,
    )
    return bytes(pdf.output())


# The axis goes up to the first of these above the highest share: a campaign at 11 % reads on a
# 0–20 % axis, not as a flat line at the bottom of a 0–100 % one.
AXIS_TOPS: Final = (0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1.0)


def trend_svg(points: list[TrendPoint], *, title: str) -> str:
    """A line chart of the share with an account, week by week; readable without JavaScript.

    Drawn at about a phone's width (360 units), so its 12-unit labels stay near 12 px on a phone.
    """
    width, height, left, right, top, bottom = 360, 220, 44, 14, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max((p.share for p in points), default=0.0)
    axis_top = next((t for t in AXIS_TOPS if highest <= t), 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img"'
        ' aria-labelledby="trend-title" class="trend">',
        f'<title id="trend-title">{escape(title)}</title>',
    ]
    for step in range(5):
        share = axis_top * step / 4
        y = top + plot_h * (1 - share / axis_top)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" class="grid"/>')
        label = escape(numbers.percent(round(share * 100, 1)))
        parts.append(f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    if points:
        span = max(1, points[-1].week - points[0].week)
        coords = [
            (
                left + plot_w * ((p.week - points[0].week) / span if len(points) > 1 else 0.5),
                top + plot_h * (1 - min(p.share, axis_top) / axis_top),
            )
            for p in points
        ]
        parts.append('<polyline class="line" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
        for (x, y), p in zip(coords, points, strict=True):
            label = f"{p.day:%d/%m/%Y}: {numbers.percent(round(p.share * 100, 1))}"
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="dot"><title>{escape(label)}</title></circle>')
        # Dates under the first and the last point; the middle one when there is room.
        base = height - bottom + 18
        parts.append(f'<text x="{left}" y="{base}">{points[0].day:%d/%m/%Y}</text>')
        if len(points) > 1:
            parts.append(f'<text x="{width - right}" y="{base}" text-anchor="end">{points[-1].day:%d/%m/%Y}</text>')
        if len(points) > 4:
            middle = points[len(points) // 2]
            x = coords[len(points) // 2][0]
            parts.append(f'<text x="{x:.1f}" y="{base}" text-anchor="middle">{middle.day:%d/%m}</text>')
    parts.append("</svg>")
    return "".join(parts)
