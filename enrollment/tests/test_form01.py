"""Form 01 PDF: one A4 page, every field readable back, NFC text, the QR decodes to the reference.

Pure rendering: no database, no models.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from io import BytesIO
from typing import cast

import pytest
import zxingcpp
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from enrollment.form01 import Form01Data, render_form01
from vssid.pdf import preload_fonts

A4_PT = (595.28, 841.89)


def make_data(**changes: object) -> Form01Data:
    data = Form01Data(
        reference="DK7F3K9Q2M",
        full_name="Nguyễn Văn An",
        ssn="0123456789",
        cccd="001090012345",
        date_of_birth=date(1990, 5, 12),
        sex=1,
        phone="0912345678",
        email="an.nguyen@example.vn",
        address="Số 12 ngõ 34 phố Tây Sơn, Phường Đống Đa, Thành phố Hà Nội",
        office_code="00106",
        office_name="BHXH cơ sở Đống Đa",
        office_address="Số 9 Trần Quang Diệu, Phường Đống Đa, Hà Nội",
        # 18:30 UTC on the 9th is 01:30 on the 10th in Hà Nội.
        submitted_at=datetime(2026, 3, 9, 18, 30, tzinfo=UTC),
        deadline=date(2026, 3, 20),
        status_url="https://vssid.example.vn/dang-ky/trang-thai/",
    )
    return dataclasses.replace(data, **changes)  # type: ignore[arg-type]


def read(pdf: bytes) -> tuple[PdfReader, str, str]:
    """The reader, the raw text of page 1, and that text in NFC with whitespace collapsed."""
    reader = PdfReader(BytesIO(pdf))
    raw = reader.pages[0].extract_text()
    return reader, raw, " ".join(unicodedata.normalize("NFC", raw).split())


@pytest.fixture(scope="module")
def an() -> tuple[PdfReader, str, str]:
    return read(render_form01(make_data()))


def test_one_a4_page_and_a_pdf(an: tuple[PdfReader, str, str]) -> None:
    reader, _, _ = an
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A4_PT


def test_every_field_is_printed(an: tuple[PdfReader, str, str]) -> None:
    _, _, text = an
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Mẫu số 01",
        "TỜ KHAI ĐĂNG KÝ SỬ DỤNG PHƯƠNG THỨC GIAO DỊCH ĐIỆN TỬ TRONG LĨNH VỰC BẢO HIỂM XÃ HỘI",
        "Kính gửi: BHXH cơ sở Đống Đa",
        "Họ và tên: Nguyễn Văn An",
        "Mã số BHXH: 0123456789",
        "Số CCCD: 001090012345",
        "Ngày sinh: 12/05/1990",
        "Giới tính: Nam",
        "Số điện thoại di động: 0912345678",
        "Email: an.nguyen@example.vn",
        "Địa chỉ liên hệ: Số 12 ngõ 34 phố Tây Sơn, Phường Đống Đa, Thành phố Hà Nội",
        "Tin nhắn SMS",
        "00106 - BHXH cơ sở Đống Đa",
        "Tôi cam đoan",
        "Người khai",
        "Ký, ghi rõ họ tên",
        "Phần dành cho cơ quan BHXH",
        "Ngày nhận hồ sơ",
        "Cán bộ tiếp nhận",
        "Kết quả",
        "DK7F3K9Q2M",
        "https://vssid.example.vn/dang-ky/trang-thai/",
    ):
        assert expected in text, expected


def test_notice_names_the_office_the_address_and_the_deadline(an: tuple[PdfReader, str, str]) -> None:
    _, _, text = an
    assert (
        "Nộp tờ khai này kèm bản chính CCCD tại BHXH cơ sở Đống Đa "
        "(Số 9 Trần Quang Diệu, Phường Đống Đa, Hà Nội) chậm nhất ngày 20/03/2026." in text
    )
    assert "Bản chính Căn cước công dân số 001090012345" in text


def test_date_line_is_the_submission_day_in_vietnam(an: tuple[PdfReader, str, str]) -> None:
    _, _, text = an
    assert "Hà Nội, ngày 10 tháng 03 năm 2026" in text


def test_footer_has_reference_and_status_url(an: tuple[PdfReader, str, str]) -> None:
    _, _, text = an
    assert "Mã hồ sơ: DK7F3K9Q2M · Tra cứu tình trạng hồ sơ: https://vssid.example.vn/dang-ky/trang-thai/" in text


def test_qr_decodes_to_the_reference(an: tuple[PdfReader, str, str]) -> None:
    reader, _, _ = an
    images = reader.pages[0].images
    assert len(images) == 1
    found = zxingcpp.read_barcodes(images[0].image)
    assert [(r.format, r.text) for r in found] == [(zxingcpp.BarcodeFormat.QRCode, "DK7F3K9Q2M")]


def test_metadata_names_the_form_not_the_person(an: tuple[PdfReader, str, str]) -> None:
    reader, _, _ = an
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Tờ khai Mẫu số 01 - Đăng ký giao dịch điện tử - DK7F3K9Q2M"
    assert meta.author is None
    everything = " ".join(str(value) for value in meta.values())
    for personal in ("Nguyễn", "0123456789", "001090012345", "0912345678", "example.vn"):
        assert personal not in everything


def test_fonts_are_embedded_noto_sans_faces(an: tuple[PdfReader, str, str]) -> None:
    reader, _, _ = an
    resources = cast(DictionaryObject, reader.pages[0]["/Resources"])
    fonts = [cast(DictionaryObject, ref.get_object()) for ref in cast(DictionaryObject, resources["/Font"]).values()]
    names = {str(font["/BaseFont"]).split("+")[-1] for font in fonts}
    assert names == {"NotoSans", "NotoSansBold", "NotoSansItalic"}  # fpdf2 names them by full name
    for font in fonts:
        descendant = cast(DictionaryObject, cast(ArrayObject, font["/DescendantFonts"])[0].get_object())
        descriptor = cast(DictionaryObject, descendant["/FontDescriptor"].get_object())
        assert "/FontFile2" in descriptor


# Every tone: ngang, huyền, sắc, hỏi, ngã, nặng, on a, ă, â, e, ê, i, o,
# ô, ơ, u, ư, y and đ, given decomposed (NFD) as some keyboards and browsers send them.
TONES_NFC = "Đỗ Huỳnh Thị Ngọc Ánh Hải Thư Ưởng Ờn Ẵm Ẩn Ễ Ữu Ớt Ẹp Ổi Ĩnh Ọc Ứa"


def test_decomposed_input_is_printed_precomposed() -> None:
    nfd = unicodedata.normalize("NFD", TONES_NFC)
    assert nfd != TONES_NFC
    address_nfd = unicodedata.normalize("NFD", "Ngõ Huế, Phường Hoàn Kiếm, Thành phố Hà Nội")
    office_nfd = unicodedata.normalize("NFD", "BHXH cơ sở Hoàn Kiếm")
    _, raw, text = read(render_form01(make_data(full_name=nfd, address=address_nfd, office_name=office_nfd, sex=2, email="")))
    # The PDF itself holds precomposed letters: extraction gives NFC without being asked.
    assert unicodedata.is_normalized("NFC", raw)
    assert not any(unicodedata.combining(ch) for ch in raw)
    assert f"Họ và tên: {TONES_NFC}" in text
    assert text.count(TONES_NFC) == 2  # the field and the name under the signature box
    assert "Ngõ Huế, Phường Hoàn Kiếm, Thành phố Hà Nội" in text
    assert "Kính gửi: BHXH cơ sở Hoàn Kiếm" in text
    assert "Giới tính: Nữ" in text
    assert "Email: —" in text
    for expected in ("0123456789", "001090012345", "12/05/1990", "20/03/2026", "DK7F3K9Q2M", "Ký, ghi rõ họ tên"):
        assert expected in text


def text_positions(reader: PdfReader) -> list[tuple[float, float, str]]:
    """(x, y, text) of every text run on page 1, in points from the bottom left."""
    runs: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            runs.append((tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], text))

    reader.pages[0].extract_text(visitor_text=visit)
    return runs


FOOTER_RULE_PT = 16 / 25.4 * 72  # the footer's rule is 16 mm above the bottom edge
FOOTER_STARTS = ("Mã hồ sơ: DK7F3K9Q2M · Tra cứu", "In trên khổ A4", "Đăng ký lúc")


def assert_laid_out_on_the_page(reader: PdfReader) -> None:
    """One page; only the footer below its rule; nothing starting outside the margins."""
    assert len(reader.pages) == 1
    runs = text_positions(reader)
    assert runs
    for x, y, text in runs:
        assert 40 < x < 560 and 14 < y < 820, (x, y, text)  # 14 pt: 5 mm, what printers need
        in_footer = text.strip().startswith(FOOTER_STARTS)
        assert (y < FOOTER_RULE_PT) == in_footer, (y, text)


def test_ordinary_values_are_laid_out_on_the_page(an: tuple[PdfReader, str, str]) -> None:
    assert_laid_out_on_the_page(an[0])


def test_long_values_stay_on_one_page_and_readable() -> None:
    address = (
        "Số 123 ngách 45/67 ngõ 890 đường Nguyễn Khoái, tổ dân phố số 15, khu tập thể Bộ Giao thông Vận tải, "
        "Phường Vĩnh Tuy, Thành phố Hà Nội, gần chợ Mơ và trường Trung học cơ sở Vĩnh Tuy"
    )
    reader, _, text = read(
        render_form01(
            make_data(
                full_name="Tôn Nữ Thị Hoàng Phương Nguyễn Ngọc Bảo Trâm",
                address=address,
                email="mot.dia.chi.thu.dien.tu.rat.dai.de.thu@mot-ten-mien-cung-rat-dai.example.com.vn",
                office_address="Tầng 3, tòa nhà số 86 phố Trần Hưng Đạo, Phường Cửa Nam, Thành phố Hà Nội",
            )
        )
    )
    assert_laid_out_on_the_page(reader)
    assert address in text
    assert "Tôn Nữ Thị Hoàng Phương Nguyễn Ngọc Bảo Trâm" in text
    assert "mot.dia.chi.thu.dien.tu.rat.dai.de.thu@mot-ten-mien-cung-rat-dai.example.com.vn" in text
    assert "chậm nhất ngày 20/03/2026" in text


def test_absurdly_long_values_are_set_tighter_but_kept_whole() -> None:
    # Each as long as its column allows (street 255, e-mail 254, office address 255, ...).
    name = "Công Tằng Tôn Nữ Thị Hoàng Phương Nguyễn Ngọc Bảo Trâm Lê Huỳnh Thị Mỹ Duyên Đoàn Thị Hồng"
    street = ("Số 123 ngách 45/67 ngõ 890 đường Nguyễn Khoái, tổ dân phố số 15, khu tập thể Bộ Giao thông Vận tải, " * 3)[:255]
    email = "a" * 64 + "@" + "b" * 177 + ".example.vn"
    office_address = ("Tầng 3, tòa nhà số 86 phố Trần Hưng Đạo, Phường Cửa Nam, Thành phố Hà Nội, " * 4)[:255]
    reader, _, text = read(
        render_form01(
            make_data(
                full_name=name,
                address=f"{street}, Phường Vĩnh Tuy, Thành phố Hà Nội",
                email=email,
                office_name="BHXH cơ sở Liên Chiểu - Hòa Vang - Cẩm Lệ và các đặc khu mở rộng",
                office_address=office_address,
            )
        )
    )
    assert_laid_out_on_the_page(reader)
    squeezed = "".join(text.split())  # long values wrap, a long e-mail address even inside itself
    for value in (name, street, email, office_address, "20/03/2026", "0123456789", "001090012345", "DK7F3K9Q2M"):
        assert "".join(value.split()) in squeezed, value


def test_place_of_the_date_line_can_follow_the_office() -> None:
    when = datetime(2026, 7, 1, 9, 0, tzinfo=timezone(timedelta(hours=7)))
    _, _, text = read(render_form01(make_data(place="Đà Nẵng", submitted_at=when)))
    assert "Đà Nẵng, ngày 01 tháng 07 năm 2026" in text


def test_characters_outside_the_font_degrade_gracefully() -> None:
    _, _, text = read(render_form01(make_data(address="ul. Łódzka 5, Kraków ✓")))
    assert "Kraków" in text  # ó is in the font; Ł and ✓ are not
    assert "?ódzka" in text


@pytest.mark.parametrize(
    "changes",
    [
        {"submitted_at": datetime(2026, 3, 9, 18, 30)},  # naive
        {"sex": 3},
    ],
)
def test_bad_input_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        render_form01(make_data(**changes))


def test_fonts_can_be_prepared_ahead_and_renders_are_independent() -> None:
    preload_fonts()
    first = read(render_form01(make_data(reference="DKAAAAAAAA")))[2]
    second = read(render_form01(make_data(reference="DKBBBBBBBB", full_name="Trần Thị Bình")))[2]
    assert "DKAAAAAAAA" in first and "DKBBBBBBBB" not in first
    assert "Trần Thị Bình" in second and "Nguyễn Văn An" not in second
