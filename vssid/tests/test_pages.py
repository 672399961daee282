from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_landing_page_says_what_the_service_is_in_vietnamese(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Bảo hiểm xã hội số" in html
    assert "10 ngày" in html and "Mẫu số 01" in html
    assert "0243.7223968" in html and "1900 9068" in html


def test_landing_page_in_english(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Digital social insurance" in html
    assert "within 10 days" in html


def test_healthz_checks_the_database_and_the_background_processes(client: Client) -> None:
    from vssid.heartbeat import Beater

    Beater("worker", "w1").beat()
    Beater("periodic").beat()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "postgresql"
    assert body["worker"] == {"status": "ok", "last_seen_seconds_ago": 0}
    assert client.get("/api/v1/health").json()["status"] == "ok"


def test_healthz_reports_a_worker_that_has_not_polled_recently(client: Client) -> None:
    import time_machine

    from vssid.heartbeat import Beater

    with time_machine.travel(dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC), tick=False):
        Beater("worker", "w1").beat()
        Beater("periodic").beat()
    with time_machine.travel(dt.datetime(2026, 12, 1, 8, 5, tzinfo=dt.UTC), tick=False):
        Beater("periodic").beat(force=True)
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["worker"] == {"status": "stale", "last_seen_seconds_ago": 300}
    assert body["periodic"]["status"] == "ok"


def test_healthz_reports_a_worker_that_never_started(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"] == {"status": "stale", "last_seen_seconds_ago": None}


def test_openapi_and_docs_work_offline(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "VssID API"
    docs = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/" in docs
    assert "cdn.jsdelivr" not in docs and "unpkg.com" not in docs
    asset = client.get("/static/ninja/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()


def test_browser_language_does_not_override_the_vietnamese_default(client: Client) -> None:
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in html


@pytest.mark.parametrize(("language", "message"), [("vi", "Không tìm thấy."), ("en", "Not found.")])
def test_api_errors_have_one_shape_in_the_requested_language(client: Client, language: str, message: str) -> None:
    response = client.get("/api/v1/no-such-thing", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": message, "fields": {}}


def test_pages_404_is_a_page(client: Client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]
    assert "Không tìm thấy trang" in response.content.decode()


def test_security_headers(client: Client) -> None:
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
