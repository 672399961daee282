"""The portal and dashboard pages: who reaches them, the list in few queries, CSV, PDF, SVG, snapshot sums."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db.models import Count
from django.test import Client

from employers.campaign import adoption, take_snapshot
from employers.models import CampaignSnapshot
from enrollment.tests.web_support import login, sms_of, use_files
from registry.models import ParticipationPeriod

pytestmark = pytest.mark.django_db
AN, BINH = "0123456789", "0198765432"


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


def logged(username: str) -> Client:
    browser = Client()
    assert login(browser, username).status_code == 302
    return browser


def test_hr_list_shows_its_workers_in_few_queries(django_assert_max_num_queries: Any) -> None:
    hr = logged("nhansu.demo")
    with django_assert_max_num_queries(12):
        response = hr.get("/don-vi/")
    page = response.content.decode()
    assert response.status_code == 200 and AN in page and BINH in page
    assert f'value="{AN}"' in page and f'value="{BINH}"' not in page  # only those without an account are selectable
    assert BINH in hr.get("/don-vi/?status=account").content.decode()
    assert AN not in hr.get("/don-vi/?status=account").content.decode()
    assert AN in hr.get("/don-vi/?q=nguyen van an").content.decode()


def test_invite_from_the_page_once() -> None:
    hr = logged("nhansu.demo")
    assert hr.post("/don-vi/moi/", {"ssn": [AN]}).status_code == 302
    assert len(sms_of("invitation")) == 1
    response = hr.post("/don-vi/moi/", {"ssn": [AN]}, follow=True)
    assert "7" in response.content.decode() and len(sms_of("invitation")) == 1


def test_csv_and_instruction_sheet() -> None:
    hr = logged("nhansu.demo")
    csv = hr.get("/don-vi/nguoi-lao-dong.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("ma_so_bhxh") and AN in csv and BINH in csv
    pdf = hr.get("/don-vi/huong-dan-vssid.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_who_reaches_which_page(client: Client) -> None:
    assert client.get("/don-vi/").status_code == 302  # to the login page
    assert client.get("/chien-dich/").status_code == 302
    for username in ("lanhdao.hanoi", "canbo.dongda", BINH):
        assert logged(username).get("/don-vi/").status_code == 404, username
        assert logged(username).get("/don-vi/nguoi-lao-dong.csv").status_code == 404, username
    for username in ("nhansu.demo", BINH):
        assert logged(username).get("/chien-dich/").status_code == 404, username


def test_dashboard_draws_the_trend_without_javascript(django_assert_max_num_queries: Any) -> None:
    take_snapshot()
    lead = logged("lanhdao.hanoi")
    with django_assert_max_num_queries(12):
        response = lead.get("/chien-dich/")
    page = response.content.decode()
    assert response.status_code == 200 and "<svg" in page and "<circle" in page and 'class="adoption"' in page
    csv = lead.get("/chien-dich/bao-cao.csv?group_by=office").content.decode("utf-8-sig")
    assert "00106" in csv
    # Whether the demo employer is among the 20 slowest depends on the generated workers; every employer
    # is in the full list.
    assert "0101234567DNA03" in lead.get("/chien-dich/bao-cao.csv?group_by=employer").content.decode("utf-8-sig")


def test_sums_per_employer_equal_distinct_people() -> None:
    """The aggregation sums employer rows: exact only while nobody has two ongoing compulsory periods."""
    ongoing = ParticipationPeriod.objects.filter(to_month__isnull=True, scheme="bhxh", voluntary=False, employer__isnull=False)
    assert not ongoing.values("person_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    total = adoption("001", levels=("total",))["total"][0]
    in_scope = ongoing.filter(employer__office__code="001") | ongoing.filter(employer__office__parent_id="001")
    assert total.insured == in_scope.values("person_id").distinct().count()
    take_snapshot()
    row = CampaignSnapshot.objects.get(office_id="001", employer__isnull=True)
    assert (row.insured, row.accounts) == (total.insured, total.accounts)


def test_the_trend_axis_fits_the_campaign_and_speaks_vietnamese() -> None:
    import datetime as dt

    from django.utils import translation

    from employers.campaign import TrendPoint
    from employers.exports import trend_svg

    points = [TrendPoint(w, dt.date(2026, 9, 7) + dt.timedelta(weeks=w), 1000, 20 + 9 * w) for w in range(12)]
    with translation.override("vi"):
        svg = trend_svg(points, title="Tỷ lệ")
    # 11,9 % at most: a 0–20 % axis in five steps, not a flat line at the foot of 0–100 %.
    assert ">20\u00a0%</text>" in svg and ">5\u00a0%</text>" in svg and "100" not in svg
    assert "23/11/2026: 11,9\u00a0%" in svg
