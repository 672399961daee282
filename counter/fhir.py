"""FHIR R4 (4.0.1) resources of the card check: Patient, Coverage, CoverageEligibilityResponse,
OperationOutcome, and the server's CapabilityStatement.

Identifiers: `urn:vssid:bhxh|<10-digit BHXH code>` (a Patient's id is that code),
`urn:vssid:bhyt|<15-character card number>` (a Coverage's id is that number), and the result
code of the gateway as a coding of `urn:vssid:maKetQua`.

A facility sees only what a card check returns (issue: abuse), so Patient and Coverage are
readable by a facility only for a person whose card it checked successfully (name and date of
birth confirmed) in the last CHECK_WINDOW; the eligibility request is the check itself.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Final

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditEvent
from counter import codes
from counter.services import CHECK_ACTION, SHARE_BY_LEVEL, CardCheckError, CheckAnswer, check_card
from registry.models import HealthCard, Person

FHIR_VERSION: Final = "4.0.1"
BHXH: Final = "urn:vssid:bhxh"
BHYT: Final = "urn:vssid:bhyt"
CCCD: Final = "urn:vssid:cccd"
RESULT_CODES: Final = "urn:vssid:maKetQua"
CHECK_WINDOW: Final = dt.timedelta(hours=24)
_ID_RE: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_ISO_DATE: Final = re.compile(r"(\d{4})(?:-(\d{2})-(\d{2}))?")


class FhirError(Exception):
    """Answered as an OperationOutcome with `status`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def operation_outcome(code: str, message: str, *, severity: str = "error") -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": severity, "code": code, "diagnostics": message}]}


def capability_statement() -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.localdate().isoformat(),
        "publisher": "Bảo hiểm xã hội Việt Nam",
        "kind": "instance",
        "software": {"name": "VssID"},
        "implementation": {"description": "VssID – kiểm tra thẻ BHYT tại cơ sở khám chữa bệnh"},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Bearer token of a facility login (POST /api/v1/auth/login or /api/token/take).",
                "resource": [
                    {
                        "type": "Patient",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [{"name": "identifier", "type": "token", "documentation": f"{BHXH}|<BHXH code>"}],
                    },
                    {
                        "type": "Coverage",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            {"name": "beneficiary", "type": "reference"},
                            {"name": "identifier", "type": "token", "documentation": f"{BHYT}|<card number>"},
                        ],
                    },
                    {"type": "CoverageEligibilityRequest", "interaction": [{"code": "create"}]},
                ],
            }
        ],
    }


# ---- reading what a check returned --------------------------------------------------------------


def checked_person(user: User, person: Person, *, now: dt.datetime | None = None) -> bool:
    """Whether this facility's check of the person's card succeeded in the last CHECK_WINDOW."""
    since = (now or timezone.now()) - CHECK_WINDOW
    return (
        AuditEvent.objects.filter(action=CHECK_ACTION, person_id=person.pk, at__gte=since, detail__facility=user.facility_id)
        .exclude(detail__result__in=sorted(codes.NO_DETAILS))
        .exists()
    )


def _person_for(user: User, ssn: str) -> Person | None:
    person = Person.objects.filter(ssn=ssn).first() if re.fullmatch(r"\d{10}", ssn) else None
    return person if person is not None and checked_person(user, person) else None


def patient(person: Person) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Patient",
        "id": person.ssn,
        "identifier": [{"system": BHXH, "value": person.ssn}],
        "name": [{"use": "official", "text": person.full_name}],
        "gender": "male" if person.sex == 1 else "female",
    }
    dob = person.date_of_birth
    out["birthDate"] = dob.isoformat() if dob else f"{person.birth_year:04d}"
    return out


def coverage(card: HealthCard, person: Person) -> dict[str, Any]:
    today = timezone.localdate()
    live = card.status == HealthCard.Status.ACTIVE and (card.valid_to is None or card.valid_to >= today)
    period: dict[str, str] = {"start": card.valid_from.isoformat()}
    if card.valid_to:
        period["end"] = card.valid_to.isoformat()
    return {
        "resourceType": "Coverage",
        "id": card.number,
        "identifier": [{"system": BHYT, "value": card.number}],
        "status": "active" if live else "cancelled",
        "type": {"text": _("Bảo hiểm y tế")},
        "subscriberId": card.number,
        "beneficiary": {"reference": f"Patient/{person.ssn}", "display": person.full_name},
        "period": period,
        "payor": [{"display": "Bảo hiểm xã hội Việt Nam"}],
        "class": [
            {
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "plan"}]},
                "value": f"{card.participant_group}{card.level}",
                "name": _("Mức hưởng %(level)s: quỹ BHYT chi trả %(share)s%%")
                % {"level": card.level, "share": SHARE_BY_LEVEL.get(card.level)},
            }
        ],
    }


def bundle(entries: list[dict[str, Any]], base: str) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(entries),
        "entry": [
            {"fullUrl": f"{base}{e['resourceType']}/{e['id']}", "resource": e, "search": {"mode": "match"}} for e in entries
        ],
    }


def read_patient(user: User, pid: str) -> dict[str, Any]:
    person = _person_for(user, pid)
    if person is None:
        raise FhirError(404, "not-found", _("Không có bệnh nhân này trong các lần kiểm tra thẻ của cơ sở trong 24 giờ qua."))
    return patient(person)


def _token(value: str, system: str, param: str) -> str:
    wanted, sep, code = value.partition("|")
    if not sep or wanted != system or not code:
        raise FhirError(400, "invalid", _("Tham số %(param)s có dạng %(system)s|<mã>.") % {"param": param, "system": system})
    return code.strip()


def search_patients(user: User, params: dict[str, str]) -> list[dict[str, Any]]:
    if set(params) - {"identifier", "_format"} or "identifier" not in params:
        raise FhirError(400, "not-supported", _("Chỉ tìm bệnh nhân theo identifier=%(system)s|<mã số BHXH>.") % {"system": BHXH})
    person = _person_for(user, _token(params["identifier"], BHXH, "identifier"))
    return [patient(person)] if person else []


def read_coverage(user: User, cid: str) -> dict[str, Any]:
    found = search_coverages(user, {"identifier": f"{BHYT}|{cid}"}) if _ID_RE.fullmatch(cid) else []
    if not found:
        raise FhirError(404, "not-found", _("Không có thẻ này trong các lần kiểm tra thẻ của cơ sở trong 24 giờ qua."))
    return found[0]


def search_coverages(user: User, params: dict[str, str]) -> list[dict[str, Any]]:
    keys = set(params) - {"_format"}
    if keys == {"beneficiary"}:
        ref = params["beneficiary"].strip()
        ssn = ref.removeprefix("Patient/")
        person = _person_for(user, ssn)
        cards = list(HealthCard.objects.filter(person=person).order_by("-valid_from")) if person else []
    elif keys == {"identifier"}:
        number = _token(params["identifier"], BHYT, "identifier").upper()
        card = HealthCard.objects.filter(number=number).select_related("person").order_by("-valid_from").first()
        person = _person_for(user, card.person.ssn) if card else None
        cards = [card] if card and person else []
    else:
        raise FhirError(
            400,
            "not-supported",
            _("Tìm thẻ theo beneficiary=Patient/<mã số BHXH> hoặc identifier=%(system)s|<mã thẻ>.") % {"system": BHYT},
        )
    return [coverage(c, person) for c in cards if person is not None]


# ---- the eligibility request: the card check --------------------------------------------------


def _contained(resource: dict[str, Any], ref: Any, kind: str) -> dict[str, Any] | None:
    if not isinstance(ref, dict):
        return None
    target = ref.get("reference")
    for item in resource.get("contained") or []:
        if isinstance(item, dict) and item.get("resourceType") == kind and target == f"#{item.get('id')}":
            return item
    return None


def _identifier(resource: dict[str, Any] | None, system: str) -> str:
    for ident in (resource or {}).get("identifier") or []:
        if isinstance(ident, dict) and ident.get("system") == system and isinstance(ident.get("value"), str):
            return str(ident["value"])
    return ""


def _name(resource: dict[str, Any] | None) -> str:
    for name in (resource or {}).get("name") or []:
        if not isinstance(name, dict):
            continue
        if isinstance(name.get("text"), str) and name["text"].strip():
            return str(name["text"])
        parts = [name.get("family", ""), *list(name.get("given") or [])]
        text = " ".join(p for p in parts if isinstance(p, str) and p)
        if text:
            return text
    return ""


def _birth(resource: dict[str, Any] | None) -> str:
    value = (resource or {}).get("birthDate")
    m = _ISO_DATE.fullmatch(value) if isinstance(value, str) else None
    if value is None:
        return ""  # the service names the missing field
    if m is None:
        raise FhirError(400, "invalid", _("Patient.birthDate theo dạng FHIR: YYYY hoặc YYYY-MM-DD."))
    year, month, day = m.groups()
    return f"{day}/{month}/{year}" if month else year


def eligibility_input(user: User, resource: Any) -> dict[str, Any]:
    """The card check's parameters from a CoverageEligibilityRequest with contained resources."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "CoverageEligibilityRequest":
        raise FhirError(400, "invalid", _("Cần một tài nguyên CoverageEligibilityRequest."))
    pat = _contained(resource, resource.get("patient"), "Patient")
    cov = None
    for ins in resource.get("insurance") or []:
        if isinstance(ins, dict):
            cov = _contained(resource, ins.get("coverage"), "Coverage") or cov
    enterer = _contained(resource, resource.get("enterer"), "Practitioner")
    card = _identifier(cov, BHYT) or _identifier(pat, BHXH)
    return {
        "maThe": card,
        "hoTen": _name(pat),
        "ngaySinh": _birth(pat),
        "hoTenCb": _name(enterer) if enterer else user.officer_name,
        "cccdCb": _identifier(enterer, CCCD) if enterer else user.officer_cccd,
    }


def eligibility_response(answer: CheckAnswer, request_resource: dict[str, Any]) -> dict[str, Any]:
    card = answer.card
    number = card.get("maTheMoi") or card.get("maThe")
    insurance: dict[str, Any] = {
        "coverage": {"reference": f"Coverage/{number}"} if number else {"display": _("Không xác định được thẻ")},
        "inforce": answer.usable,
    }
    if answer.usable and card.get("tyLeHuong") is not None:
        insurance["item"] = [
            {
                "category": {"text": _("Khám chữa bệnh BHYT")},
                "benefit": [{"type": {"text": _("Tỷ lệ quỹ BHYT chi trả (%)")}, "allowedUnsignedInt": int(card["tyLeHuong"])}],
            }
        ]
    patient_ref: dict[str, Any] = (
        {"reference": f"Patient/{card['maSoBHXH']}", "display": card.get("hoTen")}
        if card.get("maSoBHXH")
        else {"display": _("Không xác định")}
    )
    out: dict[str, Any] = {
        "resourceType": "CoverageEligibilityResponse",
        "status": "active",
        "purpose": ["validation", "benefits"],
        "patient": patient_ref,
        "created": timezone.localtime().isoformat(timespec="seconds"),
        "request": {"display": _("Yêu cầu kiểm tra thẻ lúc %(at)s") % {"at": answer.checked_at}},
        "outcome": "complete",
        "disposition": f"{answer.code} {answer.note}",
        "insurer": {"display": "Bảo hiểm xã hội Việt Nam"},
        "insurance": [insurance],
    }
    if isinstance(request_resource.get("id"), str) and _ID_RE.fullmatch(request_resource["id"]):
        out["request"]["reference"] = f"CoverageEligibilityRequest/{request_resource['id']}"
    if answer.code != codes.OK:
        out["error"] = [
            {"code": {"coding": [{"system": RESULT_CODES, "code": answer.code, "display": codes.meaning(answer.code)}]}}
        ]
    return out


def check_eligibility(user: User, resource: Any, *, request: Any = None) -> dict[str, Any]:
    data = eligibility_input(user, resource)
    try:
        answer = check_card(user, data, request=request)
    except CardCheckError as exc:
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
        status = exc.api_status
        raise FhirError(status, "throttled" if status == 429 else "invalid", f"{exc.message} {detail}".strip()) from None
    return eligibility_response(answer, resource)
