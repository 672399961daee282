#!/usr/bin/env python3
"""Import and process a D02-LT file of N first-time workers (default 100,000) and report rows/s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vssid_bench .venv/bin/python bench/declarations.py [--rows N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vssid_bench_x .venv/bin/python bench/declarations.py --people 20000

Needs a migrated database with at least one employer (seed_demo); with --people N it migrates an
empty database and seeds a register of N people first. Writes a workbook in the I-VAN layout (sheet
DuLieu, keys on row 4), then times each step apart: reading it with python-calamine (and, for
comparison, openpyxl in read-only mode); validating the rows; validating and saving the draft;
processing it through the worker (the clerk's "Xử lý" marks it processing and queues the task,
`manage.py db_worker --batch` applies it in batches). Then every row is checked in the register:
one new person per row, a period in each scheme, October's regular charge, the dossier numbered
with every row applied; anything missing counts as an error and fails the run. The new people stay
in the database: run it on a bench database.
Callable from bench/run.py as `run(rows) -> dict`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vssid.settings")


def build_workbook(rows: int, period: str, prefix: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("DuLieu")
    sheet.append(["D02-LT"])
    sheet.append([""])
    sheet.append(["STT", "Họ và tên", "Mã số BHXH", "Phương án", "Ngày sinh", "Giới tính", "Chức vụ", "Tiền lương", "Từ tháng"])
    sheet.append(["STT", "HoTen", "MaSoBhxh", "PhuongAnId", "NgaySinh", "GioiTinh", "ChucVu", "TienLuong", "TuThang"])
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


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def seed_if_empty(people: int) -> None:
    """A small register of its own for a bench database that has none (not the 1M bench database)."""
    manage("migrate", "--noinput")
    import django

    django.setup()
    from registry.models import Employer

    if not Employer.objects.exists():
        manage("seed_demo", "--people", str(people))


def run(rows: int = 100_000) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone
    from openpyxl import load_workbook

    from accounts.models import User
    from declarations import actions, services
    from declarations.intake import parse_file
    from declarations.models import Dossier
    from declarations.validation import validate
    from registry.models import Employer, Person

    employer = Employer.objects.order_by("code").first()
    if employer is None:
        raise SystemExit("no employer: run manage.py seed_demo first (or pass --people)")
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

    result: dict[str, Any] = {"rows": rows, "load_average": [round(x, 2) for x in os.getloadavg()]}
    prefix = f"09{secrets.randbelow(10**4):04d}"  # CCCDs of a province code no real register uses
    while Person.objects.filter(cccd__gte=prefix, cccd__lt=f"{prefix}~").exists():  # a range the index answers
        prefix = f"09{secrets.randbelow(10**4):04d}"
    started = time.perf_counter()
    data = build_workbook(rows, f"{period:%m/%Y}", prefix)
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

    errors: list[str] = []
    started = time.perf_counter()
    _checked, problems = validate(raw, employer=employer, period=period)
    result["validate_s"] = round(time.perf_counter() - started, 2)
    result["validate_rows_per_s"] = round(rows / max(result["validate_s"], 0.01))
    if problems:
        errors.append(f"{len(problems)} validation problems, first: {problems[0]}")

    started = time.perf_counter()
    dossier = services.create_dossier(hr, period, raw=raw, source="excel", file_name="bench.xlsx")
    result["validate_and_save_s"] = round(time.perf_counter() - started, 2)
    services.submit(hr, dossier.pk)
    actions.receive(staff, dossier.pk)

    # The clerk's "Xử lý": checked again, marked processing, the task queued (the database backend).
    started = time.perf_counter()
    dossier = actions.process(staff, dossier.pk)
    result["process_request_s"] = round(time.perf_counter() - started, 2)
    result["status_after_request"] = dossier.status
    connection.close()
    worker_started = time.perf_counter()
    manage("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    result["worker_s"] = round(time.perf_counter() - worker_started, 2)
    result["process_s"] = round(time.perf_counter() - started, 2)
    result["process_rows_per_s"] = round(rows / result["process_s"])

    # Every row, checked in the register.
    dossier = Dossier.objects.get(pk=dossier.pk)
    if dossier.status != Dossier.Status.PROCESSED or not dossier.number:
        errors.append(f"dossier {dossier.pk} is {dossier.status}, not processed")
    if dossier.rows_done != rows or dossier.rows.filter(applied=False).exists():
        errors.append(f"{dossier.rows_done} of {rows} rows applied")
    # By the people of the dossier's rows, joined (hash joins), not by a CCCD prefix (a scan of the register).
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH p AS (SELECT DISTINCT person_id FROM declarations_row WHERE dossier_id = %s AND person_id IS NOT NULL)"
            " SELECT (SELECT count(*) FROM p),"
            " (SELECT count(*) FROM registry_person x JOIN p ON x.id = p.person_id WHERE x.cccd LIKE %s),"
            " (SELECT count(*) FROM registry_participationperiod x JOIN p ON x.person_id = p.person_id"
            "  WHERE x.employer_id = %s AND x.from_month = %s),"
            " (SELECT count(*) FROM declarations_charge x JOIN p ON x.person_id = p.person_id"
            "  WHERE x.month = %s AND x.kind = 'regular')",
            [dossier.pk, f"{prefix}%", employer.code, period, period],
        )
        people, new_people, periods, charges = cursor.fetchone()
    counts = {"people": people, "new_people": new_people, "periods": periods, "charges": charges}
    expected = {"people": rows, "new_people": rows, "periods": rows * 4, "charges": rows}
    result["checked"] = counts
    errors += [f"{name}: {counts[name]}, expected {expected[name]}" for name in expected if counts[name] != expected[name]]
    total = result["calamine_read_s"] + result["validate_and_save_s"] + result["process_s"]
    result["import_and_process_rows_per_s"] = round(rows / total)
    result["errors"] = len(errors)
    if errors:
        result["error_list"] = errors[:20]
    return result


def report(result: dict[str, Any]) -> None:
    print(
        f"declarations: {result['rows']:,} rows; validation {result['validate_rows_per_s']:,} rows/s, "
        f"processing through the worker {result['process_rows_per_s']:,} rows/s, "
        f"import + process end to end {result['import_and_process_rows_per_s']:,} rows/s; errors {result['errors']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=0, help="migrate and seed a register of this many people if empty")
    args = parser.parse_args()
    if args.people:
        seed_if_empty(args.people)
    result = run(args.rows)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if result["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
