"""Form 01 ("Mẫu số 01", 01/ĐK-GD): the individual's declaration for electronic transactions, as a PDF.

After the OTP, the person prints this page, signs it and hands it in with the original CCCD at the
chosen BHXH office within 10 days (letter 1084/BHXH-QLT, design.md §5). The renderer is pure: it
takes a `Form01Data` and returns the bytes of a one-page A4 PDF; it knows nothing of the models.

Fonts and the text filter are vssid.pdf's: Noto Sans, subset to Vietnamese and instantiated once
per process.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

import segno
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import TTFFont

from vssid.pdf import FAMILY, Fonts, add_static_fonts, pdf_text, static_fonts

__all__ = ["Form01Data", "render_form01"]

VN_TZ: Final = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True, kw_only=True)
class Form01Data:
    reference: str  # e.g. "DK7F3K9Q2M"
    full_name: str
    ssn: str  # 10-digit mã số BHXH
    cccd: str  # 12 digits
    date_of_birth: date
    sex: int  # 1 male, 2 female
    phone: str  # as people read it: 0912345678
    email: str  # may be ""
    address: str  # street, ward, province in one line
    office_code: str  # "00106"
    office_name: str  # "BHXH cơ sở Đống Đa"
    office_address: str
    submitted_at: datetime  # aware
    deadline: date  # hand in by this date (10 days)
    status_url: str  # where the person checks the status
    place: str = "Hà Nội"  # the date line's place: the office's province when it is not Hà Nội


# ---- text helpers ------------------------------------------------------------------------------


def _dmy(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def _sex_label(sex: int) -> str:
    labels = {1: "Nam", 2: "Nữ"}
    if sex not in labels:
        raise ValueError(f"sex must be 1 (Nam) or 2 (Nữ), not {sex!r}")
    return labels[sex]


def _qr_png(reference: str) -> io.BytesIO:
    buf = io.BytesIO()
    segno.make(reference, error="m", micro=False).save(buf, kind="png", scale=10, border=4)
    buf.seek(0)
    return buf


# ---- layout ------------------------------------------------------------------------------------

PAGE_W: Final = 210.0
PAGE_H: Final = 297.0
LEFT: Final = 18.0
RIGHT: Final = PAGE_W - 18.0
WIDTH: Final = RIGHT - LEFT
INK: Final = (20, 20, 20)
GREY: Final = (110, 110, 110)
RULE: Final = (150, 150, 150)
ACCENT: Final = (160, 20, 30)
NOTICE_FILL: Final = (253, 244, 228)
BOX_FILL: Final = (238, 238, 238)


@dataclass(frozen=True)
class _Density:
    """How tightly to set the page. Ordinary values fit the first; absurdly long ones need the others."""

    row: float  # height of a field row
    smallest: float  # smallest type a field value may shrink to before it takes another line
    sign_box: float  # height of the signature box


_DENSITIES: Final = (_Density(7.2, 8.0, 24.0), _Density(6.3, 7.0, 18.0), _Density(5.5, 6.5, 13.0))


class _Form01(FPDF):
    """FPDF with the few drawing helpers the form needs. Every text goes through `t()` first."""

    def __init__(self, fonts: Fonts, density: _Density) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._cmap = fonts.cmap
        self.density = density
        self.row = density.row
        add_static_fonts(self, fonts)
        self.set_auto_page_break(auto=False)
        self.set_margins(LEFT, 10, PAGE_W - RIGHT)
        self.c_margin = 0.8
        self.set_text_color(*INK)
        self.set_draw_color(*INK)

    def t(self, value: str) -> str:
        return pdf_text(value, self._cmap)

    def close_fonts(self) -> None:
        """fontTools reads the font files lazily and keeps them open: close them once done."""
        for font in self.fonts.values():
            if isinstance(font, TTFFont):
                font.ttfont.close()

    def font(self, style: str = "", size: float = 10.5) -> None:
        self.set_font(FAMILY, style, size)

    def width(self, text: str) -> float:
        return float(self.get_string_width(text)) + 2 * self.c_margin

    def fit(self, text: str, width: float, style: str, size: float, smallest: float = 7.0) -> None:
        """Set the largest size ≤ `size` at which `text` fits `width` on one line."""
        self.font(style, size)
        while size > smallest and self.width(text) > width:
            size -= 0.5
            self.font(style, size)

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap in the current font (fpdf2's own line breaker is quadratic in the line length).

        A word wider than the line (a long e-mail address or URL) is cut between characters.
        """
        space = float(self.get_string_width(" "))
        room = width - 2 * self.c_margin
        lines: list[str] = []
        words: list[str] = []
        used = 0.0
        for word in text.split(" "):
            ww = float(self.get_string_width(word))
            if words and used + space + ww > room:
                lines.append(" ".join(words))
                words, used = [], 0.0
            while ww > room and not words:
                lo, hi = 1, len(word) - 1  # the longest head that fits, by bisection
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    lo, hi = (mid, hi) if float(self.get_string_width(word[:mid])) <= room else (lo, mid - 1)
                cut = lo
                lines.append(word[:cut])
                word = word[cut:]
                ww = float(self.get_string_width(word))
            used += (space if words else 0.0) + ww
            words.append(word)
        if words:
            lines.append(" ".join(words))
        return lines

    def shrink_wrap(self, text: str, width: float, style: str, size: float, max_lines: int, smallest: float = 8.0) -> list[str]:
        """Wrap `text`, in type as small as `smallest` when it needs more than `max_lines` lines."""
        self.font(style, size)
        lines = self.wrap(text, width)
        while len(lines) > max_lines and size > smallest:
            size -= 0.5
            self.font(style, size)
            lines = self.wrap(text, width)
        return lines

    def centred(self, y: float, text: str, style: str, size: float, x: float = LEFT, w: float = WIDTH, h: float = 5.5) -> float:
        text = self.t(text)
        self.fit(text, w, style, size)
        self.set_xy(x, y)
        self.cell(w, h, text, align=Align.C)
        return y + h

    def dotted(self, x1: float, x2: float, y: float) -> None:
        with self.local_context():
            self.set_draw_color(*RULE)
            self.set_line_width(0.2)
            self.set_dash_pattern(dash=0.4, gap=0.9)
            self.line(x1, y, x2, y)

    def label(self, x: float, y: float, text: str, size: float = 10.5, h: float | None = None) -> float:
        """A regular label at (x, y); returns the x after it."""
        self.font("", size)
        text = self.t(text)
        w = self.width(text) + 1.0
        self.set_xy(x, y)
        self.cell(w, h or self.row, text)
        return x + w

    def field(self, x: float, y: float, w: float, label: str, value: str, max_lines: int = 1, size: float = 10.5) -> float:
        """`label` in regular, then `value` in bold on dotted lines up to `x + w`; returns the y below.

        The value shrinks to fit `max_lines` lines, and takes more lines only when it must.
        """
        vx = self.label(x, y, label, size)
        room = x + w - vx
        for line in self.shrink_wrap(self.t(value) or "—", room, "B", size + 0.5, max_lines, self.density.smallest):
            self.set_xy(vx, y)
            self.cell(room, self.row, line)
            self.dotted(vx, x + w, y + self.row - 1.4)
            y += self.row
        return y

    def blank(self, x: float, y: float, w: float, label: str, size: float, h: float) -> None:
        """A label followed by a dotted line to fill in by hand."""
        vx = self.label(x, y, label, size, h)
        self.dotted(vx, x + w, y + h - 1.3)

    def checkbox(self, x: float, y: float, checked: bool, size: float = 3.6) -> None:
        with self.local_context():
            self.set_line_width(0.3)
            self.rect(x, y, size, size)
            if checked:
                self.set_line_width(0.45)
                self.line(x + 0.7, y + 0.7, x + size - 0.7, y + size - 0.7)
                self.line(x + 0.7, y + size - 0.7, x + size - 0.7, y + 0.7)

    def option(self, x: float, y: float, checked: bool, text: str, size: float = 10.5, h: float | None = None) -> float:
        """A checkbox and its label on a row starting at `y`; returns the x after the label."""
        h = h or self.row
        self.checkbox(x, y + (h - 3.6) / 2, checked)
        return self.label(x + 4.4, y, text, size, h)

    def paragraph(self, x: float, y: float, w: float, text: str, size: float, h: float) -> float:
        """Justified, wrapped regular text; returns the y below it."""
        self.font("", size)
        self.set_xy(x, y)
        self.multi_cell(w, h, self.t(text), align=Align.J, new_x=XPos.LEFT, new_y=YPos.NEXT)
        return float(self.get_y())


def _header(pdf: _Form01, data: Form01Data) -> float:
    # Form number and the desk reference, top right.
    pdf.font("B", 10)
    pdf.set_xy(RIGHT - 40, 9)
    pdf.cell(40, 6, pdf.t("Mẫu số 01"), border=1, align=Align.C)
    pdf.font("", 8)
    pdf.set_text_color(*GREY)
    pdf.set_xy(RIGHT - 70, 15.5)
    pdf.cell(70, 4, pdf.t(f"Mã hồ sơ: {data.reference}"), align=Align.R)
    pdf.set_text_color(*INK)

    y = pdf.centred(19, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", 12.5, h=6)
    motto = pdf.t("Độc lập - Tự do - Hạnh phúc")
    y = pdf.centred(y, motto, "B", 12, h=6)
    half = float(pdf.get_string_width(motto)) / 2
    with pdf.local_context():
        pdf.set_line_width(0.35)
        pdf.line(PAGE_W / 2 - half, y + 0.6, PAGE_W / 2 + half, y + 0.6)

    y += 7
    y = pdf.centred(y, "TỜ KHAI ĐĂNG KÝ SỬ DỤNG PHƯƠNG THỨC GIAO DỊCH ĐIỆN TỬ", "B", 13.5, h=6.5)
    y = pdf.centred(y, "TRONG LĨNH VỰC BẢO HIỂM XÃ HỘI", "B", 13.5, h=6.5)
    y = pdf.centred(y, "(Dành cho cá nhân)", "I", 10.5, h=5.5)

    # "Kính gửi: <office>", centred as a whole; a very long name wraps under itself.
    y += 3
    lead = pdf.t("Kính gửi:")
    pdf.font("", 11.5)
    lw = pdf.width(lead) + 1
    lines = pdf.shrink_wrap(pdf.t(data.office_name), WIDTH - lw, "B", 11.5, 1, smallest=9)
    size = float(pdf.font_size_pt)
    x = max(LEFT, PAGE_W / 2 - (lw + pdf.width(lines[0])) / 2)
    pdf.font("", 11.5)
    pdf.set_xy(x, y)
    pdf.cell(lw, 6.5, lead)
    pdf.font("B", size)
    for line in lines:
        pdf.set_xy(x + lw, y)
        pdf.cell(WIDTH - lw, 6.5, line)
        y += 6.5
    return y + 2.5


def _fields(pdf: _Form01, data: Form01Data, y: float) -> float:
    intro = "Tôi đăng ký sử dụng phương thức giao dịch điện tử trong lĩnh vực bảo hiểm xã hội với các thông tin sau:"
    y = pdf.paragraph(LEFT, y, WIDTH, intro, 10.5, 5.5)
    y += 1
    half = WIDTH / 2 - 3
    col2 = LEFT + WIDTH / 2 + 3

    y = pdf.field(LEFT, y, WIDTH, "1. Họ và tên:", data.full_name)
    y = max(
        pdf.field(LEFT, y, half, "2. Ngày sinh:", _dmy(data.date_of_birth)),
        pdf.field(col2, y, half, "3. Giới tính:", _sex_label(data.sex)),
    )
    y = max(pdf.field(LEFT, y, half, "4. Mã số BHXH:", data.ssn), pdf.field(col2, y, half, "5. Số CCCD:", data.cccd))
    y = pdf.field(LEFT, y, WIDTH, "6. Số điện thoại di động:", data.phone)
    y = pdf.field(LEFT, y, WIDTH, "7. Email:", data.email.strip() or "—")
    y = pdf.field(LEFT, y, WIDTH, "8. Địa chỉ liên hệ:", data.address, max_lines=3)
    x = pdf.label(LEFT, y, "9. Phương thức nhận thông báo:") + 1
    x = pdf.option(x, y, True, "Tin nhắn SMS")
    pdf.option(x + 6, y, bool(data.email.strip()), "Thư điện tử (email)")
    y += pdf.row

    y = pdf.field(LEFT, y, WIDTH, "10. Cơ quan BHXH tiếp nhận hồ sơ:", f"{data.office_code} - {data.office_name}") + 2.5

    return pdf.paragraph(
        LEFT,
        y,
        WIDTH,
        "Tôi cam đoan những thông tin kê khai trên là đúng sự thật và chịu trách nhiệm trước pháp luật về nội dung đã "
        "kê khai; đồng ý nhận thông báo, kết quả giải quyết qua các phương thức đã đăng ký và thực hiện đúng các quy định "
        "về giao dịch điện tử trong lĩnh vực bảo hiểm xã hội.",
        10.5,
        5.3,
    )


def _signatures(pdf: _Form01, data: Form01Data, y: float) -> float:
    top = y + 4

    # Right: place and date, "Người khai", a box to sign in, the name printed below.
    rx, rw = LEFT + WIDTH / 2 + 4, WIDTH / 2 - 4
    day = data.submitted_at.astimezone(VN_TZ).date()
    place = data.place.strip() or "Hà Nội"
    ry = pdf.centred(top, f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year:04d}", "I", 10.5, x=rx, w=rw)
    ry = pdf.centred(ry + 1, "Người khai", "B", 11, x=rx, w=rw, h=5.5)
    ry = pdf.centred(ry, "(Ký, ghi rõ họ tên)", "I", 9.5, x=rx, w=rw, h=4.5)
    box_w, box_h = rw - 14, pdf.density.sign_box
    with pdf.local_context():
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.25)
        pdf.rect(rx + (rw - box_w) / 2, ry + 1.5, box_w, box_h, round_corners=True, corner_radius=1.5)
    ry += box_h + 3
    for line in pdf.shrink_wrap(pdf.t(data.full_name), rw, "B", 11.5, 1, smallest=9):
        pdf.set_xy(rx, ry)
        pdf.cell(rw, 5.5, line, align=Align.C)
        ry += 5.5

    # Left: the office's box.
    bw = WIDTH / 2 - 4
    size, row = 9.5, 6.2
    height = 7 + 6 * row + 2
    with pdf.local_context():
        pdf.set_line_width(0.3)
        pdf.set_fill_color(*BOX_FILL)
        pdf.rect(LEFT, top, bw, 7, style="DF")
        pdf.rect(LEFT, top, bw, height)
    pdf.centred(top + 0.6, "Phần dành cho cơ quan BHXH", "B", 10, x=LEFT, w=bw, h=6)
    x0, inner = LEFT + 2, bw - 4
    ly = top + 8
    pdf.blank(x0, ly, inner, "Ngày nhận hồ sơ:", size, row)
    ly += row
    pdf.blank(x0, ly, inner, "Cán bộ tiếp nhận:", size, row)
    ly += row
    x = pdf.label(x0, ly, "Bản chính CCCD:", size, row) + 1
    x = pdf.option(x, ly, False, "Khớp", size, row)
    pdf.option(x + 3, ly, False, "Không khớp", size, row)
    ly += row
    x = pdf.label(x0, ly, "Kết quả:", size, row) + 1
    x = pdf.option(x, ly, False, "Duyệt", size, row)
    pdf.option(x + 3, ly, False, "Từ chối", size, row)
    ly += row
    pdf.blank(x0, ly, inner, "Lý do (nếu từ chối):", size, row)
    ly += row
    pdf.blank(x0, ly, inner, "Cán bộ ký tên:", size, row)
    return max(ry, top + height)


def _notice(pdf: _Form01, data: Form01Data, y: float, bottom: float) -> float:
    qr_side, side_w = 31.0, 44.0
    x0, text_w = LEFT + 4, WIDTH - side_w - 6

    office = data.office_name.strip()
    where = f"{office} ({data.office_address.strip()})" if data.office_address.strip() else office
    # (style, size, line height, colour, text)
    parts: list[tuple[str, float, float, tuple[int, int, int], str]] = [
        ("B", 11.0, 5.4, ACCENT, f"Nộp tờ khai này kèm bản chính CCCD tại {where} chậm nhất ngày {_dmy(data.deadline)}."),
        ("B", 9.5, 4.8, INK, "Mang theo:"),
        ("", 9.5, 4.6, INK, "• Tờ khai này, đã ký và ghi rõ họ tên ở mục “Người khai”;"),
        ("", 9.5, 4.6, INK, f"• Bản chính Căn cước công dân số {data.cccd} để cán bộ đối chiếu."),
        (
            "",
            9.0,
            4.5,
            INK,
            "Quá hạn trên, hồ sơ đăng ký hết hiệu lực và phải đăng ký lại. Khi hồ sơ được duyệt, tên đăng nhập là mã số "
            f"BHXH {data.ssn}; mật khẩu được gửi một lần bằng tin nhắn SMS đến số {data.phone}, "
            "lần đăng nhập đầu tiên phải đổi mật khẩu.",
        ),
    ]
    # Wrap first, to know the height of the box to draw behind the text. When long values leave too
    # little room above the footer, set the notice smaller and, at worst, leave out its last paragraph
    # (what happens after approval: not needed at the desk).
    attempts = [(parts, scale) for scale in (1.0, 0.95, 0.9, 0.85, 0.8, 0.75)] + [(parts[:-1], 0.75)]
    for used, scale in attempts:
        wrapped: list[tuple[str, float, float, tuple[int, int, int], list[str]]] = []
        height = 5.0
        for style, size, h, colour, text in used:
            pdf.font(style, size * scale)
            lines = pdf.wrap(pdf.t(text), text_w)
            wrapped.append((style, size * scale, h * scale, colour, lines))
            height += len(lines) * h * scale + 1.2
        height = max(height, qr_side + 17)
        top = y + (5.0 if scale == 1.0 else 2.0)
        if top + height <= bottom:
            break

    with pdf.local_context():
        pdf.set_draw_color(*ACCENT)
        pdf.set_fill_color(*NOTICE_FILL)
        pdf.set_line_width(0.7)
        pdf.rect(LEFT, top, WIDTH, height, style="DF")
        pdf.set_line_width(0.25)
        pdf.line(RIGHT - side_w, top + 3, RIGHT - side_w, top + height - 3)

    ty = top + 3
    for style, size, h, colour, lines in wrapped:
        pdf.font(style, size)
        pdf.set_text_color(*colour)
        for line in lines:
            pdf.set_xy(x0, ty)
            pdf.cell(text_w, h, line)
            ty += h
        ty += 1.2
    pdf.set_text_color(*INK)

    # The desk's side: the QR of the reference and the reference in large type.
    sx = RIGHT - side_w
    pdf.centred(top + 2, "Mã hồ sơ", "", 9, x=sx, w=side_w, h=4.5)
    pdf.image(
        _qr_png(data.reference),
        x=sx + (side_w - qr_side) / 2,
        y=top + 6.5,
        w=qr_side,
        h=qr_side,
        alt_text=pdf.t(f"Mã QR của mã hồ sơ {data.reference}"),
    )
    pdf.centred(top + 7 + qr_side, data.reference, "B", 16, x=sx + 1, w=side_w - 2, h=8)
    return top + height


FOOTER_Y: Final = PAGE_H - 16


def _footer(pdf: _Form01, data: Form01Data) -> None:
    y = FOOTER_Y
    with pdf.local_context():
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.line(LEFT, y, RIGHT, y)
    pdf.set_text_color(*GREY)
    url = pdf.t(data.status_url)
    lead = pdf.t(f"Mã hồ sơ: {data.reference} · Tra cứu tình trạng hồ sơ:") + " "
    shown = url
    pdf.fit(lead + shown, WIDTH, "", 8, smallest=6)
    while len(shown) > 20 and pdf.width(lead + shown) > WIDTH:
        shown = shown[:-2] + "…"  # only what is printed: the link keeps the whole address
    pdf.set_xy(LEFT, y + 1)
    pdf.cell(WIDTH, 4.5, lead + shown, link=url if url.startswith(("https://", "http://")) else "")
    pdf.font("", 7.5)
    pdf.set_xy(LEFT, y + 5.5)
    hint = "In trên khổ A4, ký và ghi rõ họ tên trước khi nộp. Tờ khai không thay cho bản chính giấy tờ tùy thân."
    pdf.cell(WIDTH - 34, 4, pdf.t(hint))
    when = data.submitted_at.astimezone(VN_TZ)
    pdf.set_xy(RIGHT - 34, y + 5.5)
    pdf.cell(34, 4, pdf.t(f"Đăng ký lúc {when:%H:%M} {_dmy(when.date())}"), align=Align.R)
    pdf.set_text_color(*INK)


def render_form01(data: Form01Data) -> bytes:
    """Render Form 01 for one registration: a one-page A4 PDF, every field filled."""
    if data.submitted_at.tzinfo is None or data.submitted_at.utcoffset() is None:
        raise ValueError("submitted_at must be an aware datetime")
    _sex_label(data.sex)  # fail before drawing anything
    fonts = static_fonts()
    for density in _DENSITIES:
        pdf = _Form01(fonts, density)
        try:
            if _draw(pdf, data) or density is _DENSITIES[-1]:
                return bytes(pdf.output())
            # Too long to fit: lay the page out again, tighter (only ever for absurdly long values).
        finally:
            pdf.close_fonts()
    raise AssertionError("unreachable")


def _draw(pdf: _Form01, data: Form01Data) -> bool:
    """Draw the whole page; returns whether it fits above the footer."""
    reference = pdf.t(data.reference)
    # Metadata names the form and the reference only: no personal data.
    pdf.set_title(f"Tờ khai Mẫu số 01 - Đăng ký giao dịch điện tử - {reference}")
    pdf.set_subject("Tờ khai đăng ký sử dụng phương thức giao dịch điện tử trong lĩnh vực bảo hiểm xã hội (cá nhân)")
    pdf.set_keywords(f"BHXH, Mẫu số 01, {reference}")
    pdf.set_creator("VssID - Bảo hiểm xã hội số")
    pdf.set_lang("vi-VN")
    pdf.set_creation_date(data.submitted_at)
    pdf.add_page()
    y = _header(pdf, data)
    y = _fields(pdf, data, y)
    y = _signatures(pdf, data, y)
    bottom = _notice(pdf, data, y, FOOTER_Y - 2)
    _footer(pdf, data)
    return bottom <= FOOTER_Y - 2
