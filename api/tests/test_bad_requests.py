"""Odd input gets a 4xx in the API's error shape, never a 500 or Django's HTML page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def _unbounded(schema: dict[str, Any], node: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Every string without maxLength and every list without maxItems, below `node`."""
    if "$ref" in node:
        name = node["$ref"]
        if name in seen:
            return []
        seen = seen | {name}
    node = _resolve(schema, node)
    found: list[str] = []
    for variant in node.get("anyOf", []) + node.get("allOf", []) + node.get("oneOf", []):
        found += _unbounded(schema, variant, where, seen)
    kind = node.get("type")
    if (
        kind == "string"
        and "maxLength" not in node
        and "enum" not in node
        and node.get("format") not in {"date", "binary", "date-time"}
    ):
        found.append(where)
    if kind == "array":
        if "maxItems" not in node:
            found.append(where + "[]")
        found += _unbounded(schema, node.get("items", {}), where + "[]", seen)
    for name, prop in node.get("properties", {}).items():
        found += _unbounded(schema, prop, f"{where}.{name}", seen)
    return found


def test_every_input_of_the_api_has_a_maximum(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    unbounded: list[str] = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['in']}:{parameter['name']}"
                unbounded += _unbounded(schema, parameter.get("schema", {}), where, set())
            for media in operation.get("requestBody", {}).get("content", {}).values():
                unbounded += _unbounded(schema, media.get("schema", {}), f"{method.upper()} {path} body", set())
    assert unbounded == [], "\n".join(unbounded)


def test_a_json_body_over_the_size_limit_is_a_json_413(client: Client, settings: Any) -> None:
    big = '{"username": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '", "password": "x"}'
    response = client.post("/api/v1/auth/login", big, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "payload_too_large" and body["message"] and body["fields"] == {}


def test_too_many_form_fields_is_a_json_400(client: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    data = "&".join(f"f{i}=1" for i in range(20))
    response = client.post("/api/v1/registrations", data, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_a_web_page_refusing_a_huge_form_answers_with_a_page(client: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = client.post(
        "/dang-nhap/", "&".join(f"f{i}=1" for i in range(20)), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()
