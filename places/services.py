"""Loading the reference data shipped in places/data/ (see its README for sources)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction

from places.models import CollectionPoint, HealthFacility, Office, OfficeName, Province, ProvinceName, Ward
from vssid.text import nfc

DATA_DIR = Path(__file__).resolve().parent / "data"


def _rows(name: str, data_dir: Path) -> Iterator[dict[str, str]]:
    with (data_dir / name).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            yield {key: nfc(value) if value else "" for key, value in row.items()}


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _required_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _flag(value: str) -> bool:
    return value.strip() in {"1", "true", "True", "yes"}


@transaction.atomic
def load_reference_data(data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Insert or update every reference row; idempotent, so it can run on each deploy.

    Successor links are set in a second pass because a row may name a successor listed after it.
    """
    counts: dict[str, int] = {}

    provinces = list(_rows("provinces.csv", data_dir))
    for row in provinces:
        Province.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "valid_from": _date(row["valid_from"]),
                "valid_to": _date(row["valid_to"]),
            },
        )
    for row in provinces:
        if row["successor_code"]:
            Province.objects.filter(code=row["code"]).update(successor_id=row["successor_code"])
    counts["provinces"] = len(provinces)

    offices = list(_rows("offices.csv", data_dir))
    for row in offices:
        Office.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "province_id": row["province_code"],
                "address": row["address"],
                "phone": row["phone"],
                "valid_from": _date(row["valid_from"]),
                "valid_to": _date(row["valid_to"]),
            },
        )
    for row in offices:
        Office.objects.filter(code=row["code"]).update(
            parent_id=row["parent_code"] or None, successor_id=row["successor_code"] or None
        )
    # The regional offices of 04–06/2025 are stages of the continuing provincial offices (their
    # names are in names_history.csv); a register loaded before that change drops its KV rows,
    # whose successors and predecessors were re-pointed just above.
    Office.objects.filter(kind=Office.Kind.REGIONAL).exclude(code__in=[row["code"] for row in offices]).delete()
    counts["offices"] = len(offices)

    ProvinceName.objects.all().delete()
    OfficeName.objects.all().delete()
    names = list(_rows("names_history.csv", data_dir))
    ProvinceName.objects.bulk_create(
        ProvinceName(
            province_id=r["code"], name=r["name"], valid_from=_date(r["valid_from"]), valid_to=_required_date(r["valid_to"])
        )
        for r in names
        if r["entity"] == "province"
    )
    OfficeName.objects.bulk_create(
        OfficeName(office_id=r["code"], name=r["name"], valid_from=_date(r["valid_from"]), valid_to=_required_date(r["valid_to"]))
        for r in names
        if r["entity"] == "office"
    )
    counts["former_names"] = len(names)

    wards = list(_rows("wards.csv", data_dir))
    for row in wards:
        Ward.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "province_id": row["province_code"],
                "office_id": row["office_code"] or None,
                "valid_from": _date(row["valid_from"]),
            },
        )
    counts["wards"] = len(wards)

    facilities = list(_rows("facilities.csv", data_dir))
    for row in facilities:
        HealthFacility.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "province_id": row["province_code"],
                "ward_id": row["ward_code"] or None,
                "address": row["address"],
                "phone": row["phone"],
                "accepts_initial_registration": _flag(row["accepts_initial_registration"]),
                "issues_sick_leave": _flag(row["issues_sick_leave"]),
            },
        )
    counts["facilities"] = len(facilities)

    points = list(_rows("collection_points.csv", data_dir))
    for row in points:
        CollectionPoint.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "organisation": row["organisation"],
                "province_id": row["province_code"],
                "ward_id": row["ward_code"] or None,
                "address": row["address"],
                "phone": row["phone"],
                "opening_hours": row["opening_hours"],
                "voluntary_si": _flag(row["voluntary_si"]),
                "household_hi": _flag(row["household_hi"]),
            },
        )
    counts["collection_points"] = len(points)
    return counts
