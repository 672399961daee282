"""Demo people whose cards are in each state the register can hold, for trying the card check.

A hospital counter's check answers with a result code that follows from the card's state
(domain.md §3.9): a replaced card (003/004), an expired one (010), a withdrawn one (110), a card
reported as reduced for each reason the participation history tells apart (120–124), the cards the
Defence and Police ministries manage (001/002), and a person on the register with no card (050).
The generated register holds active cards only, so these people are written out by hand, with
BHXH codes and CCCD numbers of the unused province prefix 99 so they never meet a generated one.
The README lists them (the card check's demo table); the codes that come from what is typed
(052, 053, 060, 061, 070, 054, 055) are tried on Trần Thị Bình's card.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from registry.cardformat import build_card_number
from registry.demo.generator import FIXED_PEOPLE, Context, Rows
from vssid.text import fold

D = dt.date


@dataclass(frozen=True)
class Case:
    code: str
    """The maKetQua a check of `card` with the right name and date of birth answers."""
    ssn: str
    cccd: str
    name: str
    birth: dt.date
    sex: int
    what: str


# fmt: off
CASES: Final = (
    Case("003", "9900000003", "099308000003", "Lê Minh Châu", D(2008, 2, 14), 2, "old card expired, new one issued"),
    Case("004", "9900000004", "099062000004", "Phạm Quốc Dũng", D(1962, 7, 1), 1, "old card valid, new one issued"),
    Case("010", "9900000010", "099178000010", "Vũ Thị Hằng", D(1978, 9, 23), 2, "household card expired"),
    Case("110", "9900000110", "099070000110", "Đặng Văn Hùng", D(1970, 4, 5), 1, "card withdrawn (issued twice)"),
    Case("120", "9900000120", "099195000120", "Bùi Thị Lan", D(1995, 12, 30), 2, "reduced, no period says why"),
    Case("121", "9900000121", "099088000121", "Đỗ Văn Khoa", D(1988, 3, 8), 1, "reduced: moved out of province"),
    Case("122", "9900000122", "099191000122", "Ngô Thị Mai", D(1991, 6, 17), 2, "reduced: moved within province"),
    Case("123", "9900000123", "099083000123", "Dương Văn Nam", D(1983, 10, 2), 1, "reduced, re-added by same unit"),
    Case("124", "9900000124", "099175000124", "Lý Thị Oanh", D(1975, 1, 19), 2, "reduced: stopped participating"),
    Case("001", "9900000001", "099090000001", "Trịnh Văn Phong", D(1990, 8, 27), 1, "army card (QN)"),
    Case("002", "9900000002", "099193000002", "Mai Thị Quỳnh", D(1993, 5, 11), 2, "police card (CA)"),
    Case("050", "9900000050", "099080000050", "Hồ Văn Sơn", D(1980, 11, 9), 1, "on the register, no card"),
)
# fmt: on

BY_CODE: Final = {case.code: case for case in CASES}


def rows(ctx: Context, *, first_id: int | None = None) -> Rows:
    """The cases' people, cards and BHYT participation (dates follow ctx.as_of)."""
    out = Rows()
    today = ctx.as_of
    year = today.year
    hanoi = ctx.initial_facilities["01"]
    facility = "01929" if "01929" in hanoi else hanoi[0]
    home = next((e for e in ctx.employers if e.province == "01"), ctx.employers[0])
    other_hanoi = next((e for e in ctx.employers if e.province == "01" and e.code != home.code), home)
    away = next((e for e in ctx.employers if e.province != "01"), other_hanoi)
    away_facility = ctx.initial_facilities.get(away.province, hanoi)[0]
    ward = home.ward
    pid = first_id if first_id is not None else FIXED_PEOPLE + ctx.people + 1
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    year_start, year_end = D(year, 1, 1), D(year, 12, 31)
    ids: dict[str, int] = {}

    for case in CASES:
        ids[case.code] = pid
        out.people.append(
            (pid, case.ssn, case.cccd, case.name, fold(case.name), case.birth.year, case.birth.month, case.birth.day,
             case.sex, "Số 1 phố Giải Phóng", ward, "01", "", "", None)
        )  # fmt: skip
        pid += 1

    def card(
        code: str,
        group: str,
        level: int,
        valid: tuple[dt.date, dt.date | None],
        status: str,
        *,
        province: str = "01",
        fac: str = facility,
    ) -> None:
        case = BY_CODE[code]
        number = build_card_number(group, level, province, case.ssn)
        out.cards.append((ids[code], number, group, level, province, "", fac, valid[0], valid[1], None, valid[0], status))

    def period(code: str, employer: str | None, start: dt.date, end: dt.date | None, group: str = "DN") -> None:
        # Without an employer the card is paid by the household (GD), or by the State or a school.
        voluntary = group == "GD"
        salary = 9_000_000 if employer else 0
        out.periods.append((ids[code], "bhyt", start, end, employer, "", salary, "VND", voluntary, group, 0))

    # 003: a pupil's card ran out on 30/09 last year; the student card (paid with the school fees) took over.
    period("003", None, D(year - 2, 10, 1), D(year - 1, 9, 1), group="HS")
    period("003", None, D(year - 1, 10, 1), None, group="SV")
    card("003", "HS", 4, (D(year - 2, 10, 1), D(year - 1, 9, 30)), "replaced")
    card("003", "SV", 4, (D(year - 1, 10, 1), D(year, 9, 30) if today < D(year, 9, 30) else D(year + 1, 9, 30)), "active")
    # 004: a worker who retired last month: the DN card is still dated to 31/12, the HT card is in use.
    card("004", "DN", 4, (year_start, year_end), "replaced")
    card("004", "HT", 3, (last_month, None), "active")
    period("004", home.code, D(1990, 1, 1), last_month)
    # 010: a household card bought for one year that ended before today, not renewed.
    period("010", None, D(year - 1, 1, 1), (last_month - dt.timedelta(days=1)).replace(day=1), group="GD")
    card("010", "GD", 4, (D(year - 1, 1, 1), last_month - dt.timedelta(days=1)), "active")
    # 110: a card issued twice by mistake; the duplicate was withdrawn.
    card("110", "DN", 4, (year_start, year_end), "withdrawn")
    # 120: a household card reported as reduced, with no period on the register to say why.
    card("120", "GD", 4, (year_start, year_end), "reduced")
    # 121: left a Hà Nội employer; the new employer is in another province and issued a card there.
    period("121", home.code, D(2015, 1, 1), last_month)
    period("121", away.code, today.replace(day=1), None)
    card("121", "DN", 4, (year_start, year_end), "reduced")
    card("121", "DN", 4, (today.replace(day=1), None), "active", province=away.province, fac=away_facility)
    # 122: moved between two employers in Hà Nội.
    period("122", home.code, D(2016, 1, 1), last_month)
    period("122", other_hanoi.code, today.replace(day=1), None)
    card("122", "DN", 4, (year_start, year_end), "reduced")
    # 123: the employer reported him out, then back in (a period of unpaid leave).
    period("123", home.code, D(2012, 1, 1), D(year - 1, 6, 1))
    period("123", home.code, D(year - 1, 9, 1), None)
    card("123", "DN", 4, (D(year - 1, 1, 1), D(year - 1, 12, 31)), "reduced")
    # 124: left work and did not join again.
    period("124", home.code, D(2005, 1, 1), last_month)
    card("124", "DN", 4, (year_start, year_end), "reduced")
    # 001, 002: the ministries' own cards.
    period("001", None, D(2012, 9, 1), None, group="QN")
    period("002", None, D(2015, 9, 1), None, group="CA")
    card("001", "QN", 5, (year_start, year_end), "active")
    card("002", "CA", 5, (year_start, year_end), "active")
    # 050: Hồ Văn Sơn has no card at all.
    return out
