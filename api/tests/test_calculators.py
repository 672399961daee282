"""Public calculators over the API: no login, the law and date in every answer, one error shape,
throttled per client address, all in the OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

import pytest

from registry.calculators import CALCULATOR_BUDGET

pytestmark = pytest.mark.django_db
BASE = "/api/v1/calculators"


def get(client: Any, path: str, **params: Any) -> Any:
    return client.get(BASE + path, params)


def test_pension_age_roadmap(client: Any) -> None:
    # Decree 135/2020 Appendix I: a man born 05/1966 retires at 62 (2028 onwards), from 06/2028.
    body = get(client, "/pension-age", sex=1, birth="1966-05").json()
    assert (body["age_years"], body["age_months"], body["from_month"], body["law"]) == (62, 0, "2028-06", "labour_2019")
    # A woman born 01/1966: the step of 2021 is 55y4m, which she reaches in 05/2021: paid from 06/2021.
    body = get(client, "/pension-age", sex=2, birth="1966-01").json()
    assert (body["age_years"], body["age_months"], body["from_month"]) == (55, 4, "2021-06")
    # Reached before 2021: 60 for a man born 03/1958 (2014 law art. 54), from 04/2018.
    body = get(client, "/pension-age", sex=1, birth="1958-03").json()
    assert (body["age_years"], body["age_months"], body["from_month"], body["law"]) == (60, 0, "2018-04", "si_2014")
    assert body["law_text"] and body["on"] == "2018-04-01"


def test_voluntary_answer_names_both_laws(client: Any) -> None:
    body = get(client, "/voluntary", income=2_000_000, group="near_poor", months=3, on="2025-08-01").json()
    # 22 % of 2,000,000 = 440,000 a month; support 40 % × 330,000 = 132,000; 3 months: 1,320,000 − 396,000.
    assert (body["due"], body["support"], body["pays"]) == (1_320_000, 396_000, 924_000)
    assert (body["law"], body["support_law"], body["on"]) == ("si_2024", "vol_159", "2025-08-01")
    before = get(client, "/voluntary", income=2_000_000, group="near_poor", months=1, on="2025-06-30").json()
    assert (before["monthly_support"], before["support_law"], before["law"]) == (82_500, "vol_134", "si_2014")


def test_voluntary_refuses_income_below_the_poverty_line(client: Any) -> None:
    response = get(client, "/voluntary", income=1_000_000, on="2025-08-01")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input" and "income" in body["fields"]
    assert "1.500.000" in body["message"]
    assert get(client, "/voluntary", income=2_000_000, months=2).status_code == 400


def test_household_bhyt(client: Any) -> None:
    body = get(client, "/household-bhyt", members=5, on="2025-01-01").json()
    assert body["members"] == [105_300, 73_710, 63_180, 52_650, 42_120]
    assert body["monthly_total"] == 336_960 and body["yearly_total"] == 4_043_520
    assert body["law"] == "hi_2014"
    assert get(client, "/household-bhyt", members=0).status_code == 422
    assert get(client, "/household-bhyt", members=31).status_code == 422


def test_card_pays_binhs_visit(client: Any) -> None:
    body = get(client, "/card-pays", total=250_000, level=4, on="2025-03-17").json()
    assert (body["insurance"], body["patient"], body["rule"], body["small_visit_threshold"]) == (
        250_000,
        0,
        "small_visit",
        351_000,
    )


def test_card_validity_and_unemployment(client: Any) -> None:
    body = get(client, "/card-validity", paid_on="2025-03-10", group="GD").json()
    assert (body["valid_from"], body["waits"], body["five_year_date"]) == ("2025-04-09", True, "2030-03-01")
    body = get(
        client, "/card-validity", paid_on="2025-03-10", group="GD", last_valid_to="2025-02-28", continuous_since="2019-01-01"
    ).json()
    assert (body["valid_from"], body["waits"], body["five_year_date"]) == ("2025-03-10", False, "2024-01-01")
    body = get(
        client, "/unemployment", periods="2024-03:2025-02:8000000", contract_end="2025-02-28", applied_on="2025-03-03"
    ).json()
    # 12 months in the last 24: eligible from 18/03/2025; 60 % × 8,000,000 = 4,800,000 for 3 months.
    assert (body["eligible"], body["starts_on"], body["monthly_amount"], body["benefit_months"], body["law"]) == (
        True,
        "2025-03-18",
        4_800_000,
        3,
        "emp_2013",
    )


HISTORY = "2000-01:2019-12:8000000"


def test_lump_sum_by_query_and_by_json(client: Any) -> None:
    # 20 years 2000–2019 stopped 12/2019, asked 01/2021: 20 years or more is no lump sum "for stopping".
    body = get(client, "/lump-sum", sex=1, birth="1975-01", periods=HISTORY, on="2021-01-15").json()
    assert (body["eligible"], body["reason"]) == (False, "twenty_years_or_more")
    # 2010-01..2016-12 (7 years: 4 before 2014, 3 after) at 6,000,000, decided 2018-06-01 under the 2014 law:
    # 4 × 1.5 + 3 × 2 = 12 months × 6,000,000 = 72,000,000.
    payload = {
        "sex": 2,
        "birth": "1985-04",
        "periods": [{"from_month": "2010-01", "to_month": "2016-12", "salary": 6_000_000}],
        "on": "2018-06-01",
    }
    response = client.post(BASE + "/lump-sum", json.dumps(payload), content_type="application/json")
    body = response.json()
    assert (body["eligible"], body["amount"], body["law"], body["years_before_2014"], body["years_from_2014"]) == (
        True,
        72_000_000,
        "si_2014",
        4,
        3.0,
    )
    query = get(client, "/lump-sum", sex=2, birth="1985-04", periods="2010-01:2016-12:6000000", on="2018-06-01").json()
    assert query == body


def test_pension_minimum_and_revaluation_flag(client: Any) -> None:
    # A woman born 03/1970 reaches 57y4m (the step of 2027: 55y4m + 6 × 4 months) in 07/2027 and is paid from
    # 08/2027. 20 years at 2,000,000 (2006–2025): 45 % + 5 × 2 % = 55 % of 2,000,000 = 1,100,000, below the
    # minimum pension (the base salary, 2014 law art. 56(6)), so she gets 2,340,000.
    body = get(client, "/pension", sex=2, birth="1970-03", periods="2006-01:2025-12:2000000").json()
    assert (body["retirement"], body["age_years"], body["age_months"]) == ("2027-08", 57, 4)
    assert body["rate_percent"] == 55.0
    assert (body["monthly_amount"], body["minimum_applied"], body["minimum_pension"], body["revalued"]) == (
        2_340_000,
        True,
        2_340_000,
        False,
    )
    assert body["law"] == "si_2024" and body["on"] == "2027-08-01"
    # Two years earlier she is below the pension age: no pension, and the reason says so.
    early = get(client, "/pension", sex=2, birth="1970-03", periods="2006-01:2025-12:2000000", retirement="2025-08").json()
    assert (early["eligible"], early["reason"], early["monthly_amount"]) == (False, "below_pension_age", 0)


@pytest.mark.parametrize(
    "periods",
    ["2010-13:2012-01:100", "2012-01:2010-01:100", "2010-01:2012-01:0", "x", "", ",".join(["2010-01:2010-02:1"] * 61)],
)
def test_bad_history_is_refused_with_the_field(client: Any, periods: str) -> None:
    response = get(client, "/pension", sex=1, birth="1970-01", periods=periods)
    assert response.status_code in (400, 422)
    assert "periods" in response.json()["fields"]


def test_public_throttled_and_documented(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").json()
    for path in (
        "pension-age",
        "voluntary",
        "household-bhyt",
        "lump-sum",
        "pension",
        "card-pays",
        "card-validity",
        "unemployment",
    ):
        operations = document["paths"][f"/api/v1/calculators/{path}"]
        for operation in operations.values():
            assert not operation.get("security")
            assert "429" in operation["responses"]
    for _ in range(CALCULATOR_BUDGET.limit):
        assert get(client, "/household-bhyt", members=1).status_code == 200
    refused = get(client, "/household-bhyt", members=1)
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_requests"


def test_english_messages(client: Any) -> None:
    response = client.get(BASE + "/voluntary", {"income": 1}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and response.json()["message"]
