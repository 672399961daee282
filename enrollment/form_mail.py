"""Form 01 of a submitted registration: the PDF on demand, and by e-mail once the confirmation commits.

Rendering takes a while (seconds on first use, when the fonts are subset), so it never runs
inside a write transaction: on the embedded SQLite database that would hold the single write
lock and starve the worker. The confirmation enqueues `send_form01_email` on commit; the worker
renders, then queues the e-mail in a short transaction of its own.

The task lives here rather than in enrollment.tasks, which imports enrollment.services: the
service enqueues it, and this module imports nothing of the service.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from enrollment.form01 import Form01Data, render_form01
from enrollment.models import Registration
from messaging.models import Message
from messaging.services import queue_email
from vssid.phone import local_phone

FORM_EMAIL_KIND = "registration_form"


def form01_pdf(registration: Registration) -> bytes:
    address = ", ".join(p for p in (registration.street, str(registration.ward or ""), registration.province.name) if p)
    assert registration.submitted_at is not None and registration.deadline is not None  # noqa: S101 - submitted only
    return render_form01(
        Form01Data(
            reference=registration.reference,
            full_name=registration.full_name,
            ssn=registration.ssn,
            cccd=registration.cccd,
            date_of_birth=registration.date_of_birth,
            sex=registration.sex,
            phone=local_phone(registration.phone),
            email=registration.email,
            address=address,
            office_code=registration.office.code,
            office_name=registration.office.name,
            office_address=registration.office.address,
            submitted_at=registration.submitted_at,
            deadline=registration.deadline,
            status_url=settings.SITE_URL.rstrip("/") + reverse("enrollment:status"),
            place=registration.office.province.name,
        )
    )


def form_email_body(registration: Registration) -> str:
    return _(
        "Kính gửi %(name)s,\n\nHồ sơ đăng ký giao dịch điện tử %(reference)s đã được ghi nhận. "
        "Vui lòng in tờ khai đính kèm, ký ghi rõ họ tên và nộp tại %(office)s (%(address)s) kèm bản chính CCCD "
        "chậm nhất ngày %(deadline)s.\n\nBHXH Việt Nam không bao giờ yêu cầu bạn cung cấp mật khẩu hay mã OTP."
    ) % {
        "name": registration.full_name,
        "reference": registration.reference,
        "office": registration.office.name,
        "address": registration.office.address,
        "deadline": f"{registration.deadline:%d/%m/%Y}",
    }


def _dedupe_key(registration: Registration) -> str:
    return f"{FORM_EMAIL_KIND}:{registration.pk}"


def email_form01(registration_id: int) -> bool:
    """Queue the e-mail with Form 01 attached, once per registration; False when there is nothing to send."""
    registration = (
        Registration.objects.select_related("office", "office__province", "province", "ward")
        .filter(pk=registration_id, status__in=(Registration.Status.SUBMITTED, Registration.Status.RECEIVED))
        .first()
    )
    if registration is None or not registration.email:
        return False
    # A retried task finds the e-mail queued and does not render again; queue_email's dedupe_key
    # settles the race of two runs at once.
    if Message.objects.filter(dedupe_key=_dedupe_key(registration)).exists():
        return False
    # In the language the person registered in: the worker has no request to take it from.
    with translation.override(registration.language or "vi"):
        pdf = form01_pdf(registration)  # outside any transaction: the slow part
        subject = _("Tờ khai đăng ký giao dịch điện tử %(reference)s") % {"reference": registration.reference}
        body = form_email_body(registration)
    with transaction.atomic():
        queue_email(
            to=registration.email,
            subject=subject,
            body=body,
            kind=FORM_EMAIL_KIND,
            attachment=(f"to-khai-{registration.reference}.pdf", pdf, "application/pdf"),
            dedupe_key=_dedupe_key(registration),
        )
    return True


@task()
def send_form01_email(registration_id: int) -> bool:
    """Render Form 01 and queue it by e-mail (enqueued when a confirmation commits)."""
    return email_form01(registration_id)
