"""Adoption figures of the campaign, computed by SQL aggregation (never by looping over people).

Definitions (documented in the README of this app's templates and in the report):
- insured people: people with an ongoing (to_month empty) compulsory BHXH participation period
  at an employer in the office's scope; a person counts once per group however many periods;
- the scope of an office: the employers it manages itself plus those of its direct children, so
  office 001 (BHXH TP Hà Nội) covers the whole city and a "BHXH cơ sở" its own employers;
- accounts: those of them with a citizen account (accounts.User role citizen);
- in progress: those with a live registration (enrollment LIVE_STATUSES).

Today's figures come from one statement with a CTE; the weekly trend reads CampaignSnapshot,
which take_snapshot() fills with two INSERT … SELECT statements.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from employers.models import CAMPAIGN_START, CampaignSnapshot, campaign_week
from enrollment.models import LIVE_STATUSES, Registration
from places.models import Office, Ward
from registry.models import Employer, ParticipationPeriod

GroupBy = Literal["employer", "office", "ward"]
GROUPS: tuple[GroupBy, ...] = ("employer", "office", "ward")
LAGGING = 20


@dataclass(frozen=True)
class Adoption:
    key: str
    label: str
    insured: int
    accounts: int
    in_progress: int

    @property
    def without_account(self) -> int:
        return self.insured - self.accounts

    @property
    def share(self) -> float:
        return self.accounts / self.insured if self.insured else 0.0

    @property
    def percent(self) -> str:
        return f"{self.share * 100:.1f}"


@dataclass(frozen=True)
class TrendPoint:
    week: int
    day: dt.date
    insured: int
    accounts: int

    @property
    def share(self) -> float:
        return self.accounts / self.insured if self.insured else 0.0


@dataclass
class Dashboard:
    office: Office
    total: Adoption
    groups: dict[str, list[Adoption]] = field(default_factory=dict)
    trend: list[TrendPoint] = field(default_factory=list)


def _base_cte(*, scoped: bool) -> str:
    """One row per employer in scope: its ongoing compulsory BHXH workers, those with an account, in progress.

    Grouped by employer in one hash aggregate over the partial index period_ongoing_bhxh; every
    other level sums these rows. Summing is exact because a person pays compulsory BHXH at one
    employer at a time (Law on SI: with several contracts, at the first one), so no person is in
    two employers' rows; tests/test_campaign_sql.py checks the sums against distinct counts.
    """
    live = ", ".join(["%s"] * len(LIVE_STATUSES))
    office_table = Office._meta.db_table
    scope = f"AND e.office_id IN (SELECT code FROM {office_table} WHERE code = %s OR parent_id = %s)" if scoped else ""  # noqa: S608
    return f"""
    base AS (
      SELECT e.code AS employer_id, MAX(e.name) AS employer_name, MAX(e.office_id) AS office_id,
             MAX(e.ward_id) AS ward_id, COUNT(*) AS n1, COUNT(u.id) AS n2, COUNT(r.id) AS n3
      FROM {ParticipationPeriod._meta.db_table} p
      JOIN {Employer._meta.db_table} e ON e.code = p.employer_id
      LEFT JOIN {User._meta.db_table} u ON u.person_id = p.person_id AND u.role = 'citizen'
      LEFT JOIN {Registration._meta.db_table} r ON r.person_id = p.person_id AND r.status IN ({live})
      WHERE p.to_month IS NULL AND p.scheme = 'bhxh' AND p.voluntary = %s AND p.employer_id IS NOT NULL {scope}
      GROUP BY e.code
    )"""  # noqa: S608 - table names from the models, values as parameters


def _base_params(office_code: str | None) -> list[Any]:
    params: list[Any] = [*LIVE_STATUSES, False]
    if office_code is not None:
        params += [office_code, office_code]
    return params


_SUMS = "SUM(n1) AS n1, SUM(n2) AS n2, SUM(n3) AS n3"


def _level_sql(level: str, employer_limit: int | None) -> str:
    if level == "total":
        return f"SELECT 'total', '', '', {_SUMS} FROM base"  # noqa: S608
    if level == "office":
        return f"SELECT 'office', office_id, '', {_SUMS} FROM base GROUP BY office_id"  # noqa: S608
    if level == "ward":
        return f"SELECT 'ward', COALESCE(ward_id, ''), '', {_SUMS} FROM base GROUP BY ward_id"  # noqa: S608
    # Lagging most: the most insured workers still without an account (the gap to close), then
    # the lower share, then the code, so the order is stable.
    limit = f" LIMIT {int(employer_limit)}" if employer_limit else ""
    order = f"ORDER BY n1 - n2 DESC, CAST(n2 AS REAL) / n1 ASC, employer_id{limit}"
    ordered = f"SELECT 'employer' AS lvl, employer_id AS k, employer_name AS label, n1, n2, n3 FROM base {order}"  # noqa: S608
    return f"SELECT * FROM ({ordered}) lagging"  # noqa: S608


def adoption(office_code: str, *, levels: tuple[str, ...], employer_limit: int | None = None) -> dict[str, list[Adoption]]:
    """The adoption figures of an office's scope, per level ("total", "office", "ward", "employer"), in one query."""
    union = " UNION ALL ".join(_level_sql(level, employer_limit) for level in levels)
    sql = f"WITH {_base_cte(scoped=True)} {union}"
    with connection.cursor() as cursor:
        cursor.execute(sql, _base_params(office_code))
        rows = cursor.fetchall()
    out: dict[str, list[Adoption]] = {level: [] for level in levels}
    for lvl, key, label, insured, accounts, in_progress in rows:
        # SUM over no rows is NULL: an office whose scope has no insured worker yet has zeros.
        out[lvl].append(Adoption(str(key or ""), str(label or ""), int(insured or 0), int(accounts or 0), int(in_progress or 0)))
    return out


def _label(rows: list[Adoption], names: dict[str, str]) -> list[Adoption]:
    return [Adoption(r.key, names.get(r.key, r.key or "—"), r.insured, r.accounts, r.in_progress) for r in rows]


def with_labels(level: str, rows: list[Adoption]) -> list[Adoption]:
    """Office and ward names for their codes (one query per level)."""
    keys = [r.key for r in rows if r.key]
    if level == "office":
        names = dict(Office.objects.filter(code__in=keys).values_list("code", "name"))
        return sorted(_label(rows, names), key=lambda r: (r.share, r.key))
    if level == "ward":
        names = dict(Ward.objects.filter(code__in=keys).values_list("code", "name"))
        return sorted(_label(rows, names), key=lambda r: (r.share, r.key))
    return rows


def trend(office_code: str) -> list[TrendPoint]:
    """The office's weekly trend: the last snapshot actually taken in each campaign week (one query)."""
    totals = CampaignSnapshot.objects.filter(office_id=office_code, employer__isnull=True)
    last_days = totals.values("week").annotate(last=Max("day")).values("last")
    rows = totals.filter(day__in=last_days, day__gte=CAMPAIGN_START).order_by("day")
    return [TrendPoint(s.week, s.day, s.insured, s.accounts) for s in rows.only("week", "day", "insured", "accounts")]


def campaign_dashboard(office: Office) -> Dashboard:
    """Everything the dashboard shows: totals, by office, by ward, the lagging employers and the trend."""
    figures = adoption(office.code, levels=("total", "office", "ward", "employer"), employer_limit=LAGGING)
    total = figures["total"][0] if figures["total"] else Adoption("", office.name, 0, 0, 0)
    return Dashboard(
        office=office,
        total=Adoption("", office.name, total.insured, total.accounts, total.in_progress),
        groups={
            "office": with_labels("office", figures["office"]),
            "ward": with_labels("ward", figures["ward"]),
            "employer": figures["employer"],
        },
        trend=trend(office.code),
    )


def adoption_by(office: Office, group_by: GroupBy) -> tuple[Adoption, list[Adoption]]:
    """The office's total and every group of one kind (for the API and the CSV export)."""
    figures = adoption(office.code, levels=("total", group_by))
    total = figures["total"][0] if figures["total"] else Adoption("", office.name, 0, 0, 0)
    return Adoption("", office.name, total.insured, total.accounts, total.in_progress), with_labels(group_by, figures[group_by])


def take_snapshot(day: dt.date | None = None) -> int:
    """Record today's figures of every office (scope as above) and every employer; idempotent per day.

    Two INSERT … SELECT statements; taking the same day again replaces that day's rows.
    Returns the number of rows written.
    """
    day = day or timezone.localdate()
    now = timezone.now()
    table = CampaignSnapshot._meta.db_table
    office_table = Office._meta.db_table
    columns = "day, week, office_id, employer_id, insured, accounts, in_progress, taken_at"
    head: list[Any] = [day, campaign_week(day)]
    offices_sql = f"""
    WITH {_base_cte(scoped=False)},
    scoped AS (
      SELECT office_id AS scope, n1, n2, n3 FROM base
      UNION ALL
      SELECT o.parent_id, n1, n2, n3 FROM base b JOIN {office_table} o ON o.code = b.office_id WHERE o.parent_id IS NOT NULL
    )
    INSERT INTO {table} ({columns})
    SELECT %s, %s, scope, NULL, {_SUMS}, %s FROM scoped GROUP BY scope"""  # noqa: S608 - table names from the models
    employers_sql = f"""
    WITH {_base_cte(scoped=False)}
    INSERT INTO {table} ({columns})
    SELECT %s, %s, office_id, employer_id, n1, n2, n3, %s FROM base"""  # noqa: S608
    with transaction.atomic():
        CampaignSnapshot.objects.filter(day=day).delete()
        with connection.cursor() as cursor:
            cursor.execute(offices_sql, [*_base_params(None), *head, now])
            written = int(cursor.rowcount)
            cursor.execute(employers_sql, [*_base_params(None), *head, now])
            written += int(cursor.rowcount)
    return written
