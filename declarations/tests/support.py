"""Helpers of the declaration tests: a D02-LT workbook as the I-VAN template lays it out, API calls."""

from __future__ import annotations

import io
from typing import Any

from django.test import Client
from openpyxl import Workbook  # type: ignore[import-untyped]

PASSWORD = "VssidDemo@2026"
DEMO_EMPLOYER = "0101234567DNA03"
BINH = "0198765432"
KEYS = [
    "STT",
    "HoTen",
    "MaSoBhxh",
    "PhuongAnText",
    "PhuongAnId",
    "NgaySinh",
    "GioiTinh",
    "Cmnd",
    "ChucVu",
    "TienLuong",
    "TuThang",
    "DenThang",
    "GhiChu",
]


def workbook(rows: list[dict[str, Any]], *, sheet: str = "DuLieu", keys: list[str] | None = None) -> bytes:
    """Rows 1–3 visible headers, row 4 the technical keys (hidden in the real template), data from row 5."""
    keys = keys or KEYS
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(["BÁO CÁO TÌNH HÌNH SỬ DỤNG LAO ĐỘNG VÀ DANH SÁCH THAM GIA BHXH, BHYT, BHTN"])
    ws.append(["Mẫu D02-LT"])
    ws.append(
        [
            "STT",
            "Họ và tên",
            "Mã số BHXH",
            "Phương án",
            "",
            "Ngày sinh",
            "Giới tính",
            "CCCD",
            "Chức vụ",
            "Tiền lương",
            "Từ tháng",
            "Đến tháng",
            "Ghi chú",
        ]
    )
    ws.append(keys)
    for index, row in enumerate(rows, start=1):
        ws.append([index if k == "STT" else row.get(k, "") for k in keys])
    book.create_sheet("Loại PA")
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def bearer(client: Client, username: str) -> dict[str, Any]:
    response = client.post("/api/v1/auth/login", {"username": username, "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}


def upload(client: Client, headers: dict[str, Any], data: bytes, name: str = "D02-LT.xlsx", period: str = "102026") -> Any:
    file = io.BytesIO(data)
    file.name = name
    return client.post("/api/v1/employer/declarations", {"file": file, "period": period}, **headers)
