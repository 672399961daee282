"""Bank statements as the banks export them (account lines first, debits and balances among the
credits, the employer's code inside the transfer description), beside the office's own layout."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import User
from declarations import payments
from declarations.models import Payment
from declarations.services import DeclarationError
from declarations.tests.support import DEMO_EMPLOYER
from registry.models import Employer

pytestmark = pytest.mark.django_db


def _staff() -> User:
    return User.objects.get(username="canbo.dongda")


def _other() -> str:
    employer = Employer.objects.exclude(code=DEMO_EMPLOYER).order_by("code").first()
    assert employer is not None
    return employer.code


def test_vietcombank_style_export_with_comma_thousands() -> None:
    other = _other()
    data = (
        "NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM\n"
        "Sao kê tài khoản,0011000000001\n"
        "Từ ngày 01/11/2026 đến ngày 30/11/2026\n"
        "\n"
        "STT,Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Số dư,Mô tả\n"
        ',,,,,"5,000,000",Số dư đầu kỳ\n'
        f'1,20/11/2026,5001ABCD12,,"3,398,400",,"{DEMO_EMPLOYER} nop BHXH T10/2026"\n'
        '2,21/11/2026,5001ABCD13,"1,000,000",,,Phi dich vu\n'
        f'3,22/11/2026,5001ABCD14,,"1,250,000.00",,"CT DEN: {other.lower()}-dong bhyt bo sung"\n'
        ',,,"1,000,000","4,648,400",,Tổng cộng\n'
    ).encode()
    assert payments.import_statement(_staff(), data) == {"recorded": 2, "skipped": 0}
    got = set(Payment.objects.filter(source=Payment.Source.BANK).values_list("employer_id", "amount", "paid_on", "reference"))
    assert got == {
        (DEMO_EMPLOYER, 3_398_400, dt.date(2026, 11, 20), "5001ABCD12"),
        (other, 1_250_000, dt.date(2026, 11, 22), "5001ABCD14"),
    }
    # The same export again records nothing.
    assert payments.import_statement(_staff(), data) == {"recorded": 0, "skipped": 2}


def test_bidv_agribank_style_export_with_semicolons_dot_thousands_and_times() -> None:
    data = (
        "\ufeffSố tài khoản;12010000000001\n"
        "Ngày hiệu lực;Số bút toán;Ghi nợ (VND);Ghi có (VND);Diễn giải\n"
        f"25/11/2026 10:15:02;FT26329000001;;6.796.800;BHXH {DEMO_EMPLOYER} T09+T10/2026\n"
        "25/11/2026 11:00:00;FT26329000002;50.000;;Thu phi SMS\n"
    ).encode()
    assert payments.import_statement(_staff(), data) == {"recorded": 1, "skipped": 0}
    payment = Payment.objects.get(reference="FT26329000001")
    assert (payment.employer_id, payment.amount, payment.paid_on) == (DEMO_EMPLOYER, 6_796_800, dt.date(2026, 11, 25))


def test_bank_line_without_a_known_code_or_with_cents_refuses_the_whole_file() -> None:
    data = (
        "Ngày giao dịch,Số tham chiếu,Số tiền ghi có,Nội dung\n"
        f"20/11/2026,REF0001,3398400,{DEMO_EMPLOYER} T10\n"
        "20/11/2026,REF0002,1000000,Chuyen tien ung ho\n"
        f'20/11/2026,REF0003,"1,000.50",{DEMO_EMPLOYER}\n'
        f"20/11/2099,REF0004,1000,{DEMO_EMPLOYER}\n"
    ).encode()
    with pytest.raises(DeclarationError) as caught:
        payments.import_statement(_staff(), data)
    assert caught.value.status == 400 and caught.value.code == "invalid_rows"
    assert set(caught.value.fields) == {"3.text", "4.credit", "5.NgayNop"}
    assert "mã đơn vị" in caught.value.fields["3.text"][0]
    assert not Payment.objects.exists()


def test_unknown_layout_is_named_clearly() -> None:
    with pytest.raises(DeclarationError) as caught:
        payments.import_statement(_staff(), b"Date,Amount\n20/11/2026,5\n")
    assert caught.value.code == "missing_keys" and "Số tiền ghi có" in caught.value.message


def test_office_layout_still_accepted() -> None:
    data = f"MaDonVi,SoTien,NgayNop,SoThamChieu\n{DEMO_EMPLOYER},1.000.000,24/11/2026,UNC-777\n".encode()
    assert payments.import_statement(_staff(), data) == {"recorded": 1, "skipped": 0}
    assert Payment.objects.get(reference="UNC-777").amount == 1_000_000
