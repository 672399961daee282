"""The C14-TS statement PDF, parsed back with pypdf."""

from __future__ import annotations

import io
import unicodedata

import pytest
from django.test import Client
from pypdf import PdfReader

from accounts.models import User
from registry import history
from registry.models import Employer, ParticipationPeriod, Person
from registry.statement import SCHEME_TITLES
from registry.tests.history_support import BINH_SSN, citizen_client, make_long_history

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return unicodedata.normalize("NFC", text), len(reader.pages)


def test_binh_statement_has_identity_employers_totals_and_note() -> None:
    response = citizen_client().get("/ca-nhan/qua-trinh/c14-ts.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text, _pages = _text(response.content)
    person = Person.objects.get(ssn=BINH_SSN)
    assert "Trần Thị Bình" in text
    assert BINH_SSN in text and person.cccd in text
    codes = set(ParticipationPeriod.objects.filter(person=person).values_list("employer_id", flat=True))
    for employer in Employer.objects.filter(code__in=codes):
        assert employer.name[:25] in text  # long names are cut to the column
    for scheme in history.SCHEME_ORDER:
        result = history.participation_history(person.pk, scheme=scheme)
        assert f"Tổng thời gian tham gia: {result.total_display}" in text
    assert "Đây là bản tra cứu, không thay thế sổ BHXH" in text
    assert "Ngày lập:" in text
    assert "12.800.000 đ" in text


def test_long_history_takes_several_pages_and_lists_every_employer() -> None:
    person = make_long_history(120)
    User.objects.create_user(username=person.ssn, password="x", role=User.Role.CITIZEN, person=person)
    text, pages = _text(citizen_client(person.ssn).get("/ca-nhan/qua-trinh/c14-ts.pdf").content)
    assert pages > 1
    assert "Lê Thị Dài Hạn" in text
    total = history.participation_history(person.pk, scheme="bhxh").total_display
    assert f"Tổng thời gian tham gia: {total}" in text
    for employer in Employer.objects.filter(periods__person=person).distinct():
        assert employer.name[:20] in text
    assert "Tự nguyện" in text
    assert f"Trang {pages}/{pages}" in text


def test_statement_is_for_the_owner_only() -> None:
    assert Client().get("/ca-nhan/qua-trinh/c14-ts.pdf").status_code == 302
    client = Client()
    client.force_login(User.objects.get(username="nhansu.demo"))
    assert client.get("/ca-nhan/qua-trinh/c14-ts.pdf").status_code == 404


def test_column_titles_wrap_inside_their_columns_instead_of_running_into_the_next() -> None:
    from fpdf import FPDF

    from registry.statement import COLUMNS, HEAD_LINE_H, LEFT, RIGHT
    from vssid.pdf import FAMILY, add_static_fonts, pdf_text, static_fonts

    fonts = static_fonts()
    pdf = FPDF(unit="mm", format="A4")
    add_static_fonts(pdf, fonts)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 7.5)
    assert sum(width for _t, width, _a in COLUMNS) == RIGHT - LEFT
    for title, width, _align in COLUMNS:
        text = pdf_text(title, fonts.cmap)
        lines = pdf.multi_cell(width, HEAD_LINE_H, text, dry_run=True, output="LINES")
        assert isinstance(lines, list) and 1 <= len(lines) <= 2, (title, lines)
        assert all(pdf.get_string_width(line) <= width for line in lines), (title, lines)
    pdf.output()  # closes the font files fpdf opened


def test_every_section_starts_a_new_row_wherever_the_salary_changed() -> None:
    # The register keeps a period per salary in every scheme, so each section of the C14-TS lists
    # each salary of the job once, not the first (BHYT) or the last (BHTNLĐ) for the whole job.
    text, _pages = _text(citizen_client().get("/ca-nhan/qua-trinh/c14-ts.pdf").content)
    person = Person.objects.get(ssn=BINH_SSN)
    salaries = sorted(
        set(
            ParticipationPeriod.objects.filter(person=person, scheme="bhxh", voluntary=False).values_list(
                "salary_basis", flat=True
            )
        )
    )
    assert len(salaries) > 1
    sections = {
        scheme: text[text.index(title) : text.index(nxt) if nxt else len(text)]
        for (scheme, title), nxt in zip(SCHEME_TITLES.items(), [*list(SCHEME_TITLES.values())[1:], None], strict=True)
    }
    for scheme in ("bhxh", "bhyt"):
        for salary in salaries:
            assert f"{salary:,}".replace(",", ".") + " đ" in sections[scheme], (scheme, salary)
