"""Slow work stays out of write transactions: Form 01 is rendered and e-mailed by the worker after
the confirmation commits, and an approval hashes the new password before its transaction."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from enrollment.form01 import render_form01
from enrollment.form_mail import email_form01
from enrollment.models import Registration
from enrollment.tests.web_support import last_otp, login, post_registration, register_and_confirm, use_files
from messaging.models import Message

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def sms_file(settings: Any, tmp_path: Path) -> Path:
    settings.TASKS = IMMEDIATE
    return use_files(settings, tmp_path)


class Depths:
    """How many atomic blocks were open each time the wrapped function ran."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.seen: list[int] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.seen.append(len(connection.atomic_blocks))
        return self.target(*args, **kwargs)


def test_form_01_is_rendered_and_mailed_after_the_confirmation_commits(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    reference = post_registration(client)["Location"].split("/")[2]
    outside = len(connection.atomic_blocks)  # the test's own blocks
    render = Depths(render_form01)
    with (
        mock.patch("enrollment.form_mail.render_form01", side_effect=render),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(f"/dang-ky/{reference}/xac-nhan/", {"otp": last_otp("registration_otp")})
        assert response.status_code == 302
        assert not Message.objects.filter(kind="registration_form").exists()  # nothing yet inside
        assert render.seen == []
    assert render.seen == [outside]  # rendered with no transaction of ours open
    assert Message.objects.filter(kind="registration_form").count() == 1
    (sent,) = mail.outbox  # delivered by the outbox's own task
    assert sent.to == ["an.nguyen@example.vn"] and reference in sent.subject
    ((name, content, mimetype),) = sent.attachments
    assert name == f"to-khai-{reference}.pdf" and mimetype == "application/pdf" and content.startswith(b"%PDF")


def test_a_retried_task_sends_the_form_once(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        reference = register_and_confirm(client)
    registration = Registration.objects.get(reference=reference)
    assert email_form01(registration.pk) is False
    assert Message.objects.filter(kind="registration_form").count() == 1


def test_no_email_no_task_work(client: Client, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        register_and_confirm(client, email="")
    assert not Message.objects.filter(kind="registration_form").exists()


def test_the_form_link_still_renders_on_request(client: Client) -> None:
    reference = register_and_confirm(client)
    page = client.get(f"/dang-ky/{reference}/").content.decode()
    link = re.search(r'href="(/dang-ky/DK\w+/to-khai\.pdf\?token=[^"]+)"', page)
    assert link, page
    pdf = client.get(link.group(1).replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_approval_hashes_the_password_outside_the_transaction(client: Client) -> None:
    from django.contrib.auth.hashers import make_password

    reference = register_and_confirm(client)
    clerk = Client()
    assert login(clerk, "canbo.dongda").status_code == 302
    assert clerk.post(f"/staff/ho-so/{reference}/tiep-nhan/").status_code == 302
    outside = len(connection.atomic_blocks)
    hashing = Depths(make_password)
    with mock.patch("accounts.services.make_password", side_effect=hashing):
        assert clerk.post(f"/staff/ho-so/{reference}/duyet/").status_code == 302
    assert hashing.seen == [outside]
