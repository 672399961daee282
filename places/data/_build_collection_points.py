"""Generate collection_points.csv from wards.csv (deterministic demo data, see README.md).

Run from the repository root: ``python places/data/_build_collection_points.py``. Only the CSV is loaded by the app;
this script documents how it was made. Codes follow the collection-organisation scheme of CV 1804/BHXH-QLT
(domain.md §3.2): 10-digit enterprise code + ``TH`` + 2-digit province + 5-digit commune + 3-digit point number.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEADER = [
    "code",
    "name",
    "kind",
    "organisation",
    "province_code",
    "ward_code",
    "address",
    "phone",
    "opening_hours",
    "voluntary_si",
    "household_hi",
]

# Fixed enterprise codes (10 digits) per organisation. Plausible values, not checked against the tax register.
VNPOST = ("0102595740", "Tổng công ty Bưu điện Việt Nam")
VIETTEL_POST = ("0104093672", "Tổng Công ty Cổ phần Bưu chính Viettel")
CITY = {"01": "TP Hà Nội", "79": "TP Hồ Chí Minh"}
AREA_CODE = {"01": "024", "79": "028"}
KIND_WORD = {"phuong": "phường", "xa": "xã", "dac_khu": "đặc khu"}
POST_HOURS = ["07:00–19:00 T2–CN", "07:30–17:30 T2–T7", "07:00–18:00 T2–T7"]
AGENT_HOURS = ["07:30–17:00 T2–T6", "08:00–17:00 T2–T7"]


def _digits(seed: str, count: int) -> str:
    """Deterministic pseudo-random digits derived from a seed string."""
    value = int(hashlib.sha256(seed.encode("utf-8")).hexdigest(), 16)
    return str(value % 10**count).zfill(count)


def _landline(province: str, seed: str) -> str:
    return f"{AREA_CODE[province]}.3{_digits(seed, 7)}"


def _mobile(seed: str) -> str:
    prefix = ["091", "094", "096", "097", "098", "088", "083"][int(_digits(seed + "p", 1)) % 7]
    return f"{prefix}{_digits(seed, 7)}"


def _code(enterprise: str, province: str, ward: str, point: int) -> str:
    return f"{enterprise}TH{province}{ward}{point:03d}"


def build(wards: list[dict[str, str]]) -> list[list[str]]:
    rows: list[list[str]] = []
    for index, ward in enumerate(wards):
        code, name, kind, province = ward["code"], ward["name"], ward["kind"], ward["province_code"]
        place = f"{KIND_WORD[kind]} {name}"
        where = f"{place}, {CITY[province]}"
        # 1. the commune post office of Vietnam Post: a collection point for both schemes
        post_name = f"Bưu điện văn hóa xã {name}" if kind == "xa" else f"Bưu cục {name}"
        rows.append(
            [
                _code(VNPOST[0], province, code, 1),
                post_name,
                "diem_thu",
                VNPOST[1],
                province,
                code,
                f"Bưu điện {where}",
                _landline(province, "post" + code),
                POST_HOURS[index % len(POST_HOURS)],
                "1",
                "1",
            ]
        )
        if province != "01":
            continue
        # 2. the agent run by the commune People's Committee (household BHYT lists, voluntary BHXH)
        committee = f"Ủy ban nhân dân {place}"
        enterprise = "01" + code + _digits("ubnd" + code, 3)
        rows.append(
            [
                _code(enterprise, province, code, 1),
                f"Đại lý thu BHXH, BHYT - UBND {place}",
                "dai_ly",
                committee,
                province,
                code,
                f"Trụ sở UBND {where}",
                _mobile("ubnd" + code),
                AGENT_HOURS[index % len(AGENT_HOURS)],
                "1",
                "1",
            ]
        )
        # 3. every third ward also has a Viettel Post agent (voluntary BHXH only)
        if index % 3 == 0:
            rows.append(
                [
                    _code(VIETTEL_POST[0], province, code, 1),
                    f"Đại lý thu Viettel Post {name}",
                    "dai_ly",
                    VIETTEL_POST[1],
                    province,
                    code,
                    f"Bưu cục Viettel Post {where}",
                    _mobile("vtp" + code),
                    "08:00–20:00 T2–CN",
                    "1",
                    "0",
                ]
            )
    return rows


def main() -> None:
    with (HERE / "wards.csv").open(encoding="utf-8", newline="") as handle:
        wards = list(csv.DictReader(handle))
    rows = build(wards)
    with (HERE / "collection_points.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


if __name__ == "__main__":
    main()
