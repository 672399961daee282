"""The documented demo people and their employer (design.md §7); their logins are accounts.demo's.

Written out by hand rather than simulated so the README, the tests and the acceptance checks can
rely on every detail: Nguyễn Văn An has no account (to try the registration), Trần Thị Bình has
one. Both work for the same employer in Đống Đa, whose office is 00106.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from registry import rules
from registry.cardformat import build_card_number
from registry.demo import cardstates
from registry.demo.generator import VN_TZ, Context, EmployerRow, Rows
from vssid.text import fold

D = dt.date
DEMO_OFFICE = "00106"
DEMO_EMPLOYER_CODE = "0101234567DNA03"
DEMO_WARD = "00235"  # phường Đống Đa, served by BHXH cơ sở Đống Đa (00106)
DEMO_FACILITY = "01927"  # Bệnh viện Đa khoa Đống Đa
AN_FIVE_YEARS = D(2017, 8, 1)
BINH_FIVE_YEARS = D(2021, 9, 1)
PREVIOUS_EMPLOYER_INDEX = 1  # An's first job was at the first generated employer

AN: dict[str, Any] = {
    "id": 1,
    "ssn": "0123456789",
    "cccd": "001090012345",
    "full_name": "Nguyễn Văn An",
    "birth": D(1990, 5, 12),
    "sex": 1,
    "phone": "+84912345678",
    "email": "",
    "street": "Số 12, ngõ 34 phố Tây Sơn",
}
BINH: dict[str, Any] = {
    "id": 2,
    "ssn": "0198765432",
    "cccd": "001192054321",
    "full_name": "Trần Thị Bình",
    "birth": D(1992, 11, 3),
    "sex": 2,
    "phone": "+84987654321",
    "email": "binh.tran@example.vn",
    "street": "Số 5, ngách 8/20 phố Thái Hà",
}


def _demo_ward(offices_by_ward: dict[str, str]) -> str | None:
    if offices_by_ward.get(DEMO_WARD) == DEMO_OFFICE:
        return DEMO_WARD
    wards = sorted(code for code, office in offices_by_ward.items() if office == DEMO_OFFICE)
    return wards[0] if wards else None


def demo_employer_row(offices_by_ward: dict[str, str]) -> EmployerRow:
    return EmployerRow(
        code=DEMO_EMPLOYER_CODE,
        name="Công ty Cổ phần Công nghệ Sông Hồng",
        group="DN",
        province="01",
        ward=_demo_ward(offices_by_ward),
        office=DEMO_OFFICE,
        public=False,
        late_payer=False,
        address="Số 18 phố Thái Hà",
        phone="024.38561234",
    )


def _person_row(p: dict[str, Any], ward: str | None) -> tuple[object, ...]:
    b = p["birth"]
    return (
        p["id"],
        p["ssn"],
        p["cccd"],
        p["full_name"],
        fold(p["full_name"]),
        b.year,
        b.month,
        b.day,
        p["sex"],
        p["street"],
        ward,
        "01",
        p["phone"],
        p["email"],
        None,
    )


def _job(rows: Rows, pid: int, employer: str, position: str, salaries: list[tuple[dt.date, int]], end: dt.date | None) -> None:
    # One period per salary in every scheme, as the register keeps them: the C14-TS starts a new
    # row wherever the salary changed, in the BHYT and BHTNLĐ sections as in BHXH's.
    for i, (start, salary) in enumerate(salaries):
        stop = rules.month_from_index(rules.month_index(salaries[i + 1][0]) - 1) if i + 1 < len(salaries) else end
        rows.periods.append((pid, "bhxh", start, stop, employer, position, salary, "VND", False, "DN", 0))
        rows.periods.append((pid, "bhtn", start, stop, employer, position, salary, "VND", False, "DN", 0))
        rows.periods.append((pid, "bhyt", start, stop, employer, position, salary, "VND", False, "DN", 0))
        if stop is None or stop >= rules.BHTNLD_START:
            tnld_start = max(start, rules.BHTNLD_START)
            rows.periods.append((pid, "bhtnld", tnld_start, stop, employer, position, salary, "VND", False, "DN", 0))


def _employee_card(
    p: dict[str, Any], facility: str, valid_from: dt.date, valid_to: dt.date, *, five_year_date: dt.date
) -> tuple[object, ...]:
    """An employee's DN card at level 4 in Hà Nội, active for the year, issued at its start."""
    card_number = build_card_number("DN", 4, "01", p["ssn"])
    return (p["id"], card_number, "DN", 4, "01", "", facility, valid_from, valid_to, five_year_date, valid_from, "active")


def _visit(
    pid: int,
    facility: str,
    admitted: dt.datetime,
    discharged: dt.datetime,
    inpatient: bool,
    icd: str,
    diagnosis: str,
    total: int,
    *,
    five_year_date: dt.date,
) -> tuple[object, ...]:
    """A visit at the person's own facility with their level-4 card, paid as the law says (rules.card_pays):
    Bình's 250,000 visit of 17/03/2025 is below 15 % of the base salary (351,000) and costs her nothing."""
    day = admitted.date()
    paid = rules.card_pays(total, 4, day, inpatient=inpatient, five_years=five_year_date <= day)
    return (pid, facility, admitted, discharged, inpatient, icd, diagnosis, total, paid.insurance, paid.patient)


def rows(ctx: Context) -> Rows:
    out = Rows()
    today = ctx.as_of
    ward = ctx.employers[0].ward
    hanoi = ctx.initial_facilities["01"]
    facility = DEMO_FACILITY if DEMO_FACILITY in hanoi else hanoi[0]
    previous = ctx.employers[PREVIOUS_EMPLOYER_INDEX].code if len(ctx.employers) > 1 else DEMO_EMPLOYER_CODE
    year_start, year_end = D(today.year, 1, 1), D(today.year, 12, 31)

    # Nguyễn Văn An: two jobs with a one-month gap, yearly raises, a short sick leave.
    out.people.append(_person_row(AN, ward))
    _job(
        out,
        AN["id"],
        previous,
        "Kỹ thuật viên",
        [(D(2012, 8, 1), 4_500_000), (D(2014, 1, 1), 5_800_000), (D(2016, 1, 1), 7_200_000)],
        D(2018, 1, 1),
    )
    _job(
        out,
        AN["id"],
        DEMO_EMPLOYER_CODE,
        "Kỹ sư phần mềm",
        [(D(2018, 3, 1), 9_500_000), (D(2020, 1, 1), 11_000_000), (D(2022, 7, 1), 13_500_000), (D(2024, 7, 1), 16_000_000)],
        None,
    )
    out.cards.append(_employee_card(AN, facility, year_start, year_end, five_year_date=AN_FIVE_YEARS))
    out.benefits.append(
        (
            AN["id"],
            "odts",
            "om_dau",
            "1523/QĐ-BHXH-OD-2023",
            D(2023, 11, 20),
            D(2023, 10, 9),
            D(2023, 10, 13),
            rules.sickness_benefit(13_500_000, 5),
            DEMO_EMPLOYER_CODE,
            "",
            "",
        )
    )
    out.visits.append(
        _visit(
            AN["id"],
            facility,
            dt.datetime(2023, 10, 9, 8, 15, tzinfo=VN_TZ),
            dt.datetime(2023, 10, 9, 10, 40, tzinfo=VN_TZ),
            False,
            "J20",
            "Viêm phế quản cấp",
            420_000,
            five_year_date=AN_FIVE_YEARS,
        )
    )

    # Trần Thị Bình: one employer since 2016, maternity leave in 2021.
    out.people.append(_person_row(BINH, ward))
    _job(
        out,
        BINH["id"],
        DEMO_EMPLOYER_CODE,
        "Kế toán viên",
        [(D(2016, 9, 1), 6_000_000), (D(2019, 1, 1), 8_200_000), (D(2022, 1, 1), 10_500_000), (D(2025, 1, 1), 12_800_000)],
        None,
    )
    out.cards.append(_employee_card(BINH, facility, year_start, year_end, five_year_date=BINH_FIVE_YEARS))
    birth = D(2021, 4, 10)
    out.benefits.append(
        (
            BINH["id"],
            "odts",
            "thai_san",
            "2087/QĐ-BHXH-TS-2021",
            D(2021, 5, 12),
            birth,
            D(2021, 10, 9),
            rules.maternity_benefit(8_200_000, birth),
            DEMO_EMPLOYER_CODE,
            "Vietcombank",
            "4821",
        )
    )
    out.visits.append(
        _visit(
            BINH["id"],
            facility,
            dt.datetime(2021, 4, 9, 22, 5, tzinfo=VN_TZ),
            dt.datetime(2021, 4, 12, 9, 0, tzinfo=VN_TZ),
            True,
            "O80",
            "Đẻ thường",
            6_200_000,
            five_year_date=BINH_FIVE_YEARS,
        )
    )
    out.visits.append(
        _visit(
            BINH["id"],
            facility,
            dt.datetime(2025, 3, 17, 9, 30, tzinfo=VN_TZ),
            dt.datetime(2025, 3, 17, 11, 0, tzinfo=VN_TZ),
            False,
            "J06",
            "Viêm đường hô hấp trên cấp",
            250_000,
            five_year_date=BINH_FIVE_YEARS,
        )
    )
    out.extend(cardstates.rows(ctx))  # a card in each state the card check answers (README)
    return out
