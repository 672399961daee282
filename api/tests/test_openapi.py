"""The OpenAPI document lists every path of design.md §6 that the API serves so far."""

from __future__ import annotations

from typing import Any

IMPLEMENTED = {
    ("post", "/registrations"),
    ("post", "/registrations/{reference}/confirm"),
    ("get", "/registrations/{reference}/form.pdf"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/logout"),
    ("post", "/auth/password"),
    ("post", "/auth/password-reset"),
    ("post", "/auth/password-reset/confirm"),
    ("get", "/me"),
    ("get", "/staff/registrations"),
    ("get", "/staff/registrations/{reference}"),
    ("post", "/staff/registrations/{reference}/receive"),
    ("post", "/staff/registrations/{reference}/approve"),
    ("post", "/staff/registrations/{reference}/reject"),
}


def test_openapi_lists_the_contract_paths(client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    served = {(method, path.removeprefix("/api/v1")) for path, operations in document["paths"].items() for method in operations}
    assert served >= IMPLEMENTED
    bearer = {name for name, scheme in document["components"]["securitySchemes"].items() if scheme.get("scheme") == "bearer"}
    for method, path in IMPLEMENTED:
        operation = document["paths"]["/api/v1" + path][method]
        needs_login = path.startswith(("/me", "/staff")) or path in ("/auth/logout", "/auth/password")
        assert bool(operation.get("security")) == needs_login, (method, path)
        if needs_login:
            assert {name for entry in operation["security"] for name in entry} <= bearer
    upload = document["paths"]["/api/v1/registrations"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {
        "full_name",
        "date_of_birth",
        "sex",
        "phone",
        "province_code",
        "street",
        "office_code",
        "id_front",
        "id_back",
        "portrait",
    } <= set(upload["required"])
    assert "201" in document["paths"]["/api/v1/registrations"]["post"]["responses"]


def test_docs_page_serves_without_a_cdn(client: Any) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"cdn.jsdelivr" not in response.content
