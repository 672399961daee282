"""The photos off the request path: checked at once, re-encoded by the worker, never served before."""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from api.tests.support import AN, API, jpeg, photos, register, upload
from enrollment.models import Registration
from enrollment.photo_work import finish_photos, finish_stale
from enrollment.photos import PhotoError, check_photo
from enrollment.services import sweep_photos
from enrollment.tests.web_support import login, register_and_confirm, use_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    return use_files(settings, tmp_path)


def stored(settings: Any) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def cut_scan(data: bytes) -> bytes:
    """A JPEG whose header is whole and whose picture stops short: only decoding finds it."""
    return data[: data.index(b"\xff\xda") + 400]


def test_the_check_refuses_what_is_not_a_photo_without_decoding() -> None:
    for data in (b"%PDF-1.4", jpeg()[:600], b"\x89PNG\r\n\x1a\n" + b"\0" * 100):
        with pytest.raises(PhotoError):
            check_photo(data)
    png = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(png, "PNG")
    check_photo(png.getvalue())
    damaged = bytearray(png.getvalue())
    damaged[-20] ^= 0xFF  # inside the last chunk: its checksum no longer matches
    with pytest.raises(PhotoError):
        check_photo(bytes(damaged))


def test_a_photo_whose_pixels_are_broken_is_left_out_by_the_worker_and_the_clerk_is_told(
    client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    broken = cut_scan(jpeg(color=(10, 10, 10)))
    check_photo(broken)  # passes the request's check
    response = register(client, files=photos(id_back=upload(broken, "back.jpg")))
    assert response.status_code == 201
    registration = Registration.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert finish_photos(registration.pk) == 2
    registration.refresh_from_db()
    assert not registration.photos_pending and registration.id_back.name == "" and registration.portrait.name
    assert not any("/incoming/" in name for name in stored(settings))  # no upload is left behind


def test_the_clerk_sees_a_notice_until_the_worker_has_run(client: Client, settings: Any) -> None:
    reference = register_and_confirm(client)
    clerk = Client()
    assert login(clerk, "canbo.dongda").status_code == 302
    page = clerk.get(f"/staff/ho-so/{reference}/").content.decode()
    assert "Ảnh đang được kiểm tra và xử lý" in page and "/anh/portrait/" not in page
    assert clerk.get(f"/staff/ho-so/{reference}/anh/id_front/").status_code == 404
    finish_photos(Registration.objects.get(reference=reference).pk)
    page = clerk.get(f"/staff/ho-so/{reference}/").content.decode()
    assert "Ảnh đang được kiểm tra" not in page and "/anh/portrait/" in page
    assert clerk.get(f"/staff/ho-so/{reference}/anh/id_front/").status_code == 200


def test_a_lost_task_is_done_by_the_periodic_sweep(client: Client) -> None:
    assert register(client).status_code == 201
    registration = Registration.objects.get()
    assert finish_stale() == 0  # too recent: its task is presumably on its way
    Registration.objects.filter(pk=registration.pk).update(created_at=timezone.now() - dt.timedelta(minutes=11))
    assert finish_stale() == 1
    registration.refresh_from_db()
    assert not registration.photos_pending


def test_held_photos_nobody_came_back_for_are_swept(client: Client, settings: Any) -> None:
    from enrollment.tests.web_support import post_registration

    page = post_registration(client, full_name="").content.decode()
    assert page.count('_held" value="') == 3
    held = {name for name in stored(settings) if "/held/" in name}
    assert len(held) == 3
    then = time.time() - 2 * 3600
    for name in held:
        os.utime(Path(settings.MEDIA_ROOT) / name, (then, then))
    assert sweep_photos() == 3
    assert not stored(settings)


def test_a_forged_or_foreign_hold_token_is_ignored(client: Client) -> None:
    from enrollment.tests.web_support import AN_FORM

    data = {**AN_FORM, "id_front_held": "forged", "id_back_held": "x" * 500}
    response = client.post("/dang-ky/", {**data, "portrait": upload(jpeg(), "p.jpg")})
    assert response.status_code == 400
    assert response.content.decode().count("Chưa có ảnh.") >= 2
    assert not Registration.objects.exists()


def test_the_api_keeps_nothing_of_a_refused_upload(client: Client, settings: Any) -> None:
    response = client.post(f"{API}/registrations", {**AN, **photos(portrait=upload(b"%PDF-1.4 no", "p.jpg"))})
    assert response.status_code == 422 or response.status_code == 400
    assert not stored(settings)
