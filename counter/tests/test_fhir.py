"""FHIR R4 under /fhir/: every resource emitted is validated with fhir.resources' models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from counter.tests.conftest import BINH_CARD, token_for

FHIR_JSON = "application/fhir+json"


def _get(client: Client, path: str, token: str) -> Any:
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}" if token else "")


def _eligibility(card: str, name: str, birth: str, *, officer: tuple[str, str] | None = None) -> dict[str, Any]:
    contained: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": "p", "name": [{"text": name}], "birthDate": birth},
        {
            "resourceType": "Coverage",
            "id": "c",
            "status": "active",
            "identifier": [{"system": "urn:vssid:bhyt", "value": card}],
            "beneficiary": {"reference": "#p"},
            "payor": [{"display": "BHXH"}],
        },
    ]
    resource: dict[str, Any] = {
        "resourceType": "CoverageEligibilityRequest",
        "id": "req1",
        "status": "active",
        "purpose": ["validation"],
        "patient": {"reference": "#p"},
        "created": "2026-11-25",
        "insurer": {"display": "BHXH Việt Nam"},
        "insurance": [{"coverage": {"reference": "#c"}}],
        "contained": contained,
    }
    if officer:
        contained.append(
            {
                "resourceType": "Practitioner",
                "id": "o",
                "name": [{"text": officer[0]}],
                "identifier": [{"system": "urn:vssid:cccd", "value": officer[1]}],
            }
        )
        resource["enterer"] = {"reference": "#o"}
    return resource


def _post(client: Client, resource: Any, token: str) -> Any:
    return client.post(
        "/fhir/CoverageEligibilityRequest",
        data=json.dumps(resource),
        content_type=FHIR_JSON,
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_metadata_is_a_capability_statement_of_4_0_1(client: Client) -> None:
    r = client.get("/fhir/metadata")
    assert r.status_code == 200 and r["Content-Type"].startswith(FHIR_JSON)
    cs = CapabilityStatement.model_validate(r.json())
    assert cs.fhirVersion == "4.0.1"
    types = {res["type"] for res in r.json()["rest"][0]["resource"]}
    assert types == {"Patient", "Coverage", "CoverageEligibilityRequest"}


def test_eligibility_of_binh_is_in_force_at_80_percent(client: Client) -> None:
    token = token_for("bachmai.tiepdon")
    r = _post(client, _eligibility(BINH_CARD, "Trần Thị Bình", "1992-11-03"), token)
    assert r.status_code == 200, r.content
    assert r["Content-Type"].startswith(FHIR_JSON)
    res = CoverageEligibilityResponse.model_validate(r.json())
    assert res.outcome == "complete" and res.error is None
    insurance = r.json()["insurance"][0]
    assert insurance["inforce"] is True
    assert insurance["coverage"]["reference"] == f"Coverage/{BINH_CARD}"
    assert insurance["item"][0]["benefit"][0]["allowedUnsignedInt"] == 80
    assert r.json()["request"]["reference"] == "CoverageEligibilityRequest/req1"


@pytest.mark.parametrize(
    ("card", "name", "birth", "code"),
    [
        ("DN4019900000010", "Vũ Thị Hằng", "1978-09-23", "010"),
        ("DN4019900000110", "Đặng Văn Hùng", "1970", "110"),
        (BINH_CARD, "Trần Thị Bình", "1992-11-04", "070"),
    ],
)
def test_a_result_other_than_000_is_a_coding_of_urn_vssid_maketqua(
    client: Client, card: str, name: str, birth: str, code: str
) -> None:
    if code == "010":
        card = "GD4019900000010"
    r = _post(client, _eligibility(card, name, birth), token_for("bachmai.tiepdon"))
    CoverageEligibilityResponse.model_validate(r.json())
    assert r.json()["insurance"][0]["inforce"] is False
    coding = r.json()["error"][0]["code"]["coding"][0]
    assert (coding["system"], coding["code"]) == ("urn:vssid:maKetQua", code)


def test_the_enterer_is_the_officer_checked(client: Client) -> None:
    resource = _eligibility(BINH_CARD, "Trần Thị Bình", "1992-11-03", officer=("Người Lạ", "001185009999"))
    body = _post(client, resource, token_for("bachmai.tiepdon")).json()
    CoverageEligibilityResponse.model_validate(body)
    assert body["error"][0]["code"]["coding"][0]["code"] == "054"


@pytest.mark.parametrize(
    "resource",
    [
        {"resourceType": "Patient"},
        [],
        _eligibility(BINH_CARD, "Trần Thị Bình", "03/11/1992"),  # not a FHIR date
        _eligibility("", "Trần Thị Bình", "1992-11-03"),
    ],
)
def test_bad_requests_are_operation_outcomes(client: Client, resource: Any) -> None:
    r = _post(client, resource, token_for("bachmai.tiepdon"))
    assert r.status_code in (400, 422)
    outcome = OperationOutcome.model_validate(r.json())
    assert outcome.issue[0].severity == "error" and outcome.issue[0].diagnostics


def test_patient_and_coverage_only_after_a_successful_check(client: Client) -> None:
    token = token_for("bachmai.tiepdon")
    r = _get(client, "/fhir/Patient/0198765432", token)
    assert r.status_code == 404
    OperationOutcome.model_validate(r.json())
    empty = Bundle.model_validate(_get(client, "/fhir/Patient?identifier=urn:vssid:bhxh|0198765432", token).json())
    assert empty.total == 0

    _post(client, _eligibility(BINH_CARD, "Trần Thị Bình", "1992-11-03"), token)

    patient = _get(client, "/fhir/Patient/0198765432", token).json()
    Patient.model_validate(patient)
    assert patient["name"][0]["text"] == "Trần Thị Bình" and patient["birthDate"] == "1992-11-03"
    found = Bundle.model_validate(_get(client, "/fhir/Patient?identifier=urn:vssid:bhxh|0198765432", token).json())
    assert found.type == "searchset" and found.total == 1
    by_patient = _get(client, "/fhir/Coverage?beneficiary=Patient/0198765432", token).json()
    Bundle.model_validate(by_patient)
    coverage = by_patient["entry"][0]["resource"]
    Coverage.model_validate(coverage)
    assert coverage["identifier"][0]["value"] == BINH_CARD and coverage["status"] == "active"
    by_card = Bundle.model_validate(_get(client, f"/fhir/Coverage?identifier=urn:vssid:bhyt|{BINH_CARD}", token).json())
    assert by_card.total == 1
    Coverage.model_validate(_get(client, f"/fhir/Coverage/{BINH_CARD}", token).json())


def test_search_parameters_are_checked(client: Client) -> None:
    token = token_for("bachmai.tiepdon")
    for path in ("/fhir/Patient?name=Bình", "/fhir/Patient?identifier=0198765432", "/fhir/Coverage?status=active"):
        r = _get(client, path, token)
        assert r.status_code == 400, path
        OperationOutcome.model_validate(r.json())


@pytest.mark.parametrize(("username", "status"), [("", 401), ("0198765432", 403), ("canbo.dongda", 403)])
def test_only_facility_logins(client: Client, username: str, status: int) -> None:
    token = token_for(username) if username else ""
    r = _get(client, "/fhir/Patient/0198765432", token)
    assert r.status_code == status
    OperationOutcome.model_validate(r.json())
