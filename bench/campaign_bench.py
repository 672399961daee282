"""The campaign dashboard of office 001 (the whole city) on the bench database: time and SQL queries.

Called from bench/run.py after django.setup(); times employers.campaign.campaign_dashboard, the
service the page and nothing else call, and counts its queries with CaptureQueriesContext.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

OFFICE = "001"


def run(runs: int = 20) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from employers.campaign import campaign_dashboard
    from places.models import Office

    office = Office.objects.get(code=OFFICE)
    campaign_dashboard(office)  # warm the caches once
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        campaign_dashboard(office)
        samples.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        dashboard = campaign_dashboard(office)
    samples.sort()
    return {
        "office": OFFICE,
        "runs": runs,
        "median_ms": round(statistics.median(samples), 1),
        "max_ms": round(samples[-1], 1),
        "queries": len(queries.captured_queries),
        "insured": dashboard.total.insured,
        "accounts": dashboard.total.accounts,
        "target_ms": 500,
    }


def report(result: dict[str, Any]) -> None:
    print(
        f"{'campaign dashboard, office ' + result['office']:45s} median {result['median_ms']:7.1f} ms   "
        f"max {result['max_ms']:7.1f} ms   {result['queries']} SQL queries   "
        f"({result['insured']:,} insured, {result['accounts']:,} with an account)"
    )
