#!/usr/bin/env python3
"""Import and process a D02-LT file of N first-time workers (default 100,000) and report rows/s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vssid_bench .venv/bin/python bench/declarations.py [--rows N]

Needs a migrated database with at least one employer (seed_demo). Writes a workbook in the I-VAN
layout (sheet DuLieu, keys on row 4), then times each step: reading it with python-calamine and,
for comparison, openpyxl (read-only mode); validating and saving the draft; processing it (new
people, periods, ledger). The new people stay in the database: run it on a bench database.
Callable from bench/run.py as `run(rows) -> dict`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vssid.settings")


def build_workbook(rows: int, period: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("DuLieu")
    sheet.append(["D02-LT"])
    sheet.append([""])
    sheet.append(["STT", "Họ và tên", "Mã số BHXH", "Phương án", "Ngày sinh", "Giới tính", "Chức vụ", "Tiền lương", "Từ tháng"])
    sheet.append(["STT", "HoTen", "MaSoBhxh", "PhuongAnId", "NgaySinh", "GioiTinh", "ChucVu", "TienLuong", "TuThang"])
    prefix = f"09{secrets.randbelow(10**4):04d}"  # CCCDs of a province code no real register uses
    for index in range(rows):
        sheet.append(
            [
                index + 1,
                f"Người Lao Động {index}",
                f"{prefix}{index:06d}",
                "TM",
                "01/01/1995",
                "1",
                "Công nhân",
                6_000_000,
                period,
            ]
        )
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def run(rows: int = 100_000) -> dict[str, Any]:
    import django

    django.setup()
    from django.utils import timezone
    from openpyxl import load_workbook

    from accounts.models import User
    from declarations import actions, services
    from declarations.intake import parse_file
    from registry.models import Employer

    employer = Employer.objects.order_by("code").first()
    if employer is None:
        raise SystemExit("no employer: run manage.py seed_demo first")
    today = timezone.localdate()
    period = today.replace(day=1)
    hr, _ = User.objects.get_or_create(username="bench.hr", defaults={"role": User.Role.EMPLOYER, "employer": employer})
    hr.employer = employer
    hr.save()
    staff, _ = User.objects.get_or_create(
        username="bench.staff", defaults={"role": User.Role.STAFF, "office_id": employer.office_id}
    )
    staff.office_id = employer.office_id
    staff.save()

    result: dict[str, Any] = {"rows": rows}
    started = time.perf_counter()
    data = build_workbook(rows, f"{period:%m/%Y}")
    result["bytes"] = len(data)
    result["write_s"] = round(time.perf_counter() - started, 2)

    started = time.perf_counter()
    book = load_workbook(io.BytesIO(data), read_only=True)
    count = sum(1 for _ in book["DuLieu"].iter_rows(values_only=True))
    result["openpyxl_read_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    _kind, raw = parse_file(data, "bench.xlsx")
    result["calamine_read_s"] = round(time.perf_counter() - started, 2)
    assert len(raw) == rows and count == rows + 4

    started = time.perf_counter()
    dossier = services.create_dossier(hr, period, raw=raw, source="excel", file_name="bench.xlsx")
    result["validate_and_save_s"] = round(time.perf_counter() - started, 2)
    services.submit(hr, dossier.pk)
    actions.receive(staff, dossier.pk)
    started = time.perf_counter()
    actions.process(staff, dossier.pk)
    result["process_s"] = round(time.perf_counter() - started, 2)
    total = result["calamine_read_s"] + result["validate_and_save_s"] + result["process_s"]
    result["import_and_process_rows_per_s"] = round(rows / total)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    print(json.dumps(run(args.rows), indent=2))


if __name__ == "__main__":
    main()
