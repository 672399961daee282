"""The registration procedure: submit, confirm by OTP, receive, approve or reject, expire.

Each state change is one transaction holding the audit row and the outbox messages it causes
(style.md §3, §7); the registration row is locked while it changes, so two clerks acting at once
cannot approve twice or send two passwords.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OneTimeCode, User
from accounts.services import AccountError, consume_code, generate_password, issue_code
from audit.services import record
from enrollment.form01 import Form01Data, render_form01
from enrollment.models import Registration
from enrollment.photos import PhotoError, clean_photo
from messaging.services import queue_email, queue_sms
from places.models import Office, Province, Ward
from registry.identity import InvalidPhone, local_phone, normalize_phone
from registry.models import Person
from vssid.text import fold, nfc, to_ascii_sms

DEADLINE_DAYS = 10
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U to misread
PHOTO_FIELDS = ("id_front", "id_back", "portrait")
RECEIVING_OFFICE_KINDS = (Office.Kind.CO_SO, Office.Kind.DISTRICT, Office.Kind.PROVINCIAL)


class EnrollmentError(Exception):
    """A refusal with a stable code (API), a sentence (people) and the fields at fault."""

    def __init__(self, code: str, message: str, *, status: int = 400, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.fields = code, message, status, fields or {}


@dataclass
class RegistrationInput:
    full_name: str = ""
    ssn: str = ""
    cccd: str = ""
    date_of_birth: dt.date | None = None
    sex: int | None = None
    phone: str = ""
    email: str = ""
    province_code: str = ""
    ward_code: str = ""
    street: str = ""
    office_code: str = ""
    language: str = "vi"
    photos: Mapping[str, bytes] = field(default_factory=dict)


@dataclass
class _Checked:
    person: Person
    office: Office
    province: Province
    ward: Ward | None
    phone: str
    date_of_birth: dt.date
    sex: int
    photos: dict[str, bytes]


def _fail(fields: dict[str, list[str]]) -> EnrollmentError:
    return EnrollmentError("invalid_input", _("Vui lòng kiểm tra lại các thông tin được đánh dấu."), fields=fields)


def _check_input(data: RegistrationInput) -> _Checked:
    errors: dict[str, list[str]] = {}
    name = nfc(data.full_name)
    ssn, cccd = data.ssn.strip(), data.cccd.strip()
    if not name:
        errors["full_name"] = [_("Nhập họ và tên.")]
    if not ssn and not cccd:
        errors["ssn"] = [_("Nhập mã số BHXH (10 số) hoặc số CCCD (12 số).")]
    if ssn and not (len(ssn) == 10 and ssn.isascii() and ssn.isdigit()):
        errors["ssn"] = [_("Mã số BHXH gồm 10 chữ số.")]
    if cccd and not (len(cccd) == 12 and cccd.isascii() and cccd.isdigit()):
        errors["cccd"] = [_("Số CCCD gồm 12 chữ số.")]
    if data.date_of_birth is None:
        errors["date_of_birth"] = [_("Nhập ngày sinh.")]
    if data.sex not in (1, 2):
        errors["sex"] = [_("Chọn giới tính.")]
    phone = ""
    try:
        phone = normalize_phone(data.phone)
    except InvalidPhone:
        errors["phone"] = [_("Số điện thoại di động không hợp lệ (ví dụ 0912345678).")]
    if data.email and "@" not in data.email:
        errors["email"] = [_("Địa chỉ email không hợp lệ.")]
    if not nfc(data.street):
        errors["street"] = [_("Nhập số nhà, tên đường.")]
    province = Province.objects.current().filter(code=data.province_code).first()
    if province is None:
        errors["province_code"] = [_("Chọn tỉnh/thành phố.")]
    ward = None
    if data.ward_code:
        ward = Ward.objects.current().filter(code=data.ward_code, province_id=data.province_code).first()
        if ward is None:
            errors["ward_code"] = [_("Phường/xã không thuộc tỉnh/thành phố đã chọn.")]
    office = Office.objects.current().filter(code=data.office_code, kind__in=RECEIVING_OFFICE_KINDS).first()
    if office is None:
        errors["office_code"] = [_("Chọn cơ quan BHXH nơi nộp tờ khai.")]
    photos: dict[str, bytes] = {}
    for name_ in PHOTO_FIELDS:
        raw = data.photos.get(name_)
        if raw is None:
            errors[name_] = [_("Chưa có ảnh.")]
            continue
        try:
            photos[name_] = clean_photo(raw)
        except PhotoError as exc:
            errors[name_] = [exc.message]
    if errors:
        raise _fail(errors)
    assert province is not None and office is not None and data.date_of_birth is not None  # noqa: S101 - checked above
    person = _match_person(name, ssn, cccd, data.date_of_birth, data.sex or 0)
    return _Checked(person, office, province, ward, phone, data.date_of_birth, data.sex or 0, photos)


def _match_person(name: str, ssn: str, cccd: str, dob: dt.date, sex: int) -> Person:
    person = (Person.objects.filter(ssn=ssn) if ssn else Person.objects.filter(cccd=cccd)).first()
    if person is None:
        raise EnrollmentError(
            "person_not_found",
            _("Không tìm thấy người tham gia với mã số BHXH/CCCD này. Hãy kiểm tra lại hoặc tra cứu mã số BHXH."),
            status=404,
        )
    same_dob = (
        person.birth_year == dob.year
        and (person.birth_month is None or person.birth_month == dob.month)
        and (person.birth_day is None or person.birth_day == dob.day)
    )
    matches = fold(person.full_name) == fold(name) and same_dob and person.sex == sex and (not cccd or person.cccd == cccd)
    if ssn and cccd and person.cccd != cccd:
        matches = False
    if not matches:
        # Which field differs is not said: that would let anyone probe someone else's data.
        raise EnrollmentError(
            "data_mismatch",
            _(
                "Họ tên, ngày sinh, giới tính hoặc số CCCD không khớp với dữ liệu BHXH. "
                "Hãy nhập đúng như trên CCCD; nếu dữ liệu BHXH bị sai, liên hệ 1900 9068."
            ),
            status=409,
        )
    return person


def _new_reference() -> str:
    return "DK" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _otp_subject(reference: str) -> str:
    return f"registration:{reference}"


def submit_registration(data: RegistrationInput, *, request: HttpRequest | None = None) -> Registration:
    """Check, match and store a registration, and text the OTP that confirms it."""
    checked = _check_input(data)
    person = checked.person
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()  # serialises two submissions of one person
        if User.objects.filter(person=person).exists():
            raise EnrollmentError(
                "account_exists",
                _("Bạn đã có tài khoản VssID. Hãy đăng nhập bằng mã số BHXH hoặc dùng chức năng Quên mật khẩu."),
                status=409,
            )
        live = Registration.objects.filter(person=person, status__in=["submitted", "received"]).first()
        if live is not None:
            raise EnrollmentError(
                "registration_exists",
                _("Bạn đã có hồ sơ đăng ký %(reference)s đang chờ xử lý (hạn nộp tờ khai %(deadline)s).")
                % {"reference": live.reference, "deadline": f"{live.deadline:%d/%m/%Y}" if live.deadline else ""},
                status=409,
                fields={"reference": [live.reference]},
            )
        # An earlier form whose OTP was never entered is abandoned: the new one replaces it.
        for draft in Registration.objects.filter(person=person, status=Registration.Status.AWAITING_CONFIRMATION):
            _delete_files(draft)
            draft.delete()
        registration = Registration(
            person=person,
            office=checked.office,
            full_name=nfc(data.full_name),
            ssn=person.ssn,
            cccd=person.cccd,
            date_of_birth=checked.date_of_birth,
            sex=checked.sex,
            phone=checked.phone,
            email=data.email.strip(),
            province=checked.province,
            ward=checked.ward,
            street=nfc(data.street),
            language=data.language[:2] or "vi",
        )
        for name, content in checked.photos.items():
            getattr(registration, name).save(f"{uuid.uuid4().hex}.jpg", ContentFile(content), save=False)
        try:
            for _attempt in range(5):
                registration.reference = _new_reference()
                try:
                    with transaction.atomic():
                        registration.save()
                    break
                except IntegrityError:
                    if Registration.objects.filter(person=person, status__in=["submitted", "received"]).exists():
                        raise
            code = issue_code(OneTimeCode.Purpose.REGISTRATION, _otp_subject(registration.reference))
            queue_sms(
                to=registration.phone,
                kind="registration_otp",
                body=f"VssID: Ma OTP xac nhan dang ky giao dich dien tu la {code}. Hieu luc 5 phut. "
                "Khong cung cap ma nay cho bat ky ai.",
                secret=code,
                secret_of=_otp_subject(registration.reference),
            )
            record(
                "registration.submit",
                actor=None,
                object_type="registration",
                object_id=registration.reference,
                person=person,
                request=request,
            )
        except Exception:
            # The photos were written inside the transaction; do not leave them behind.
            _delete_files(registration)
            raise
    return registration


def _delete_files(registration: Registration) -> None:
    for name in PHOTO_FIELDS:
        file = getattr(registration, name)
        if file and file.name:
            file.storage.delete(file.name)


def resend_otp(reference: str) -> None:
    with transaction.atomic():
        registration = Registration.objects.select_for_update().filter(reference=reference).first()
        if registration is None or registration.status != Registration.Status.AWAITING_CONFIRMATION:
            raise EnrollmentError("not_awaiting_confirmation", _("Hồ sơ này không chờ xác nhận OTP."), status=409)
        try:
            code = issue_code(OneTimeCode.Purpose.REGISTRATION, _otp_subject(reference))
        except AccountError as exc:
            raise EnrollmentError(exc.code, exc.message, status=exc.status) from exc
        queue_sms(
            to=registration.phone,
            kind="registration_otp",
            body=f"VssID: Ma OTP xac nhan dang ky giao dich dien tu la {code}. Hieu luc 5 phut. "
            "Khong cung cap ma nay cho bat ky ai.",
            secret=code,
            secret_of=_otp_subject(reference),
        )


def confirm_registration(reference: str, otp: str, *, request: HttpRequest | None = None) -> Registration:
    """The OTP proves the phone: the registration is submitted and its 10 days start."""
    problem: AccountError | None = None
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("office", "office__province", "province", "ward")
            .filter(reference=reference)
            .first()
        )
        if registration is None:
            raise EnrollmentError("not_found", _("Không tìm thấy hồ sơ %(reference)s.") % {"reference": reference}, status=404)
        if registration.status != Registration.Status.AWAITING_CONFIRMATION:
            raise EnrollmentError("otp_used", _("Hồ sơ này đã được xác nhận. Mã OTP không dùng lại được."), status=409)
        problem = consume_code(OneTimeCode.Purpose.REGISTRATION, _otp_subject(reference), otp)
        if problem is None:
            now = timezone.now()
            registration.status = Registration.Status.SUBMITTED
            registration.submitted_at = now
            registration.deadline = timezone.localdate(now) + dt.timedelta(days=DEADLINE_DAYS)
            registration.save(update_fields=["status", "submitted_at", "deadline"])
            record(
                "registration.confirm",
                actor=None,
                object_type="registration",
                object_id=reference,
                person=registration.person_id,
                request=request,
            )
            if registration.email:
                queue_email(
                    to=registration.email,
                    subject=_("Tờ khai đăng ký giao dịch điện tử %(reference)s") % {"reference": reference},
                    body=_form_email_body(registration),
                    kind="registration_form",
                    attachment=(f"to-khai-{reference}.pdf", form01_pdf(registration), "application/pdf"),
                )
    if problem is not None:
        raise EnrollmentError(problem.code, problem.message, status=problem.status, fields=problem.fields)
    return registration


def _form_email_body(registration: Registration) -> str:
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


# ---- Form 01 ---------------------------------------------------------------------------


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


_FORM_SALT = "enrollment.form01"


def form_token(registration: Registration) -> str:
    return signing.dumps(
        {"r": registration.reference, "d": registration.deadline.isoformat() if registration.deadline else ""},
        salt=_FORM_SALT,
        compress=True,
    )


def registration_for_form_token(reference: str, token: str) -> Registration:
    """The registration a form link was made for, while it is live; 404 otherwise (no hint why)."""
    try:
        payload = signing.loads(token, salt=_FORM_SALT)
    except signing.BadSignature:
        raise Http404 from None
    if payload.get("r") != reference:
        raise Http404
    registration = (
        Registration.objects.select_related("office", "office__province", "province", "ward").filter(reference=reference).first()
    )
    if registration is None or registration.status not in ("submitted", "received") or registration.deadline is None:
        raise Http404
    if registration.deadline.isoformat() != payload.get("d") or registration.deadline < timezone.localdate():
        raise Http404
    return registration


# ---- status for the person -------------------------------------------------------------


def public_status(reference: str) -> Registration:
    registration = Registration.objects.select_related("office").filter(reference=reference.strip().upper()).first()
    if registration is None or registration.status == Registration.Status.AWAITING_CONFIRMATION:
        raise EnrollmentError("not_found", _("Không tìm thấy hồ sơ %(reference)s.") % {"reference": reference}, status=404)
    return registration


# ---- office ----------------------------------------------------------------------------


def staff_queue(user: User, status: str | None = None) -> QuerySet[Registration]:
    """The files of the clerk's own office, the nearest deadline first: the open ones, or those in `status`."""
    statuses = [status] if status else ["submitted", "received"]
    return (
        Registration.objects.filter(office_id=user.office_id, status__in=statuses)
        .exclude(status=Registration.Status.AWAITING_CONFIRMATION)
        .select_related("office")
        .order_by("deadline", "submitted_at")
    )


def get_registration_for_staff(user: User, reference: str, *, for_update: bool = False) -> Registration:
    """A registration of the clerk's office; any other answers 404, so nothing leaks."""
    if not user.is_authenticated or user.role not in (User.Role.STAFF, User.Role.LEAD) or not user.office_id:
        raise Http404
    qs = Registration.objects.select_related("office", "province", "ward", "person")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    registration = qs.filter(reference=reference.strip().upper(), office_id=user.office_id).first()
    if registration is None or registration.status == Registration.Status.AWAITING_CONFIRMATION:
        raise Http404
    return registration


def search_for_staff(user: User, query: str) -> QuerySet[Registration]:
    q = query.strip()
    qs = Registration.objects.filter(office_id=user.office_id).exclude(status="awaiting_confirmation").select_related("office")
    if not q:
        return qs.none()
    upper = q.upper()
    if upper.startswith("DK") and len(upper) == 10:
        return qs.filter(reference=upper)
    if q.isdigit() and len(q) in (10, 12):
        return qs.filter(ssn=q) if len(q) == 10 else qs.filter(cccd=q)
    return qs.filter(search_name__contains=fold(q)).order_by("-submitted_at")[:50]  # type: ignore[return-value]


def receive_registration(user: User, reference: str, *, request: HttpRequest | None = None) -> Registration:
    with transaction.atomic():
        registration = get_registration_for_staff(user, reference, for_update=True)
        if registration.status == Registration.Status.RECEIVED:
            raise EnrollmentError("already_received", _("Hồ sơ đã được tiếp nhận trước đó."), status=409)
        if registration.status != Registration.Status.SUBMITTED:
            raise EnrollmentError("not_submitted", _("Hồ sơ không ở trạng thái chờ nộp tờ khai."), status=409)
        if registration.deadline and registration.deadline < timezone.localdate():
            raise EnrollmentError("expired", _("Hồ sơ đã quá hạn 10 ngày; người tham gia cần đăng ký lại."), status=409)
        registration.status = Registration.Status.RECEIVED
        registration.received_at = timezone.now()
        registration.received_by = user
        registration.save(update_fields=["status", "received_at", "received_by"])
        record(
            "registration.receive",
            actor=user,
            object_type="registration",
            object_id=registration.reference,
            person=registration.person_id,
            request=request,
        )
    return registration


def approve_registration(user: User, reference: str, *, request: HttpRequest | None = None) -> Registration:
    """Create the account and text its password, exactly once."""
    with transaction.atomic():
        registration = get_registration_for_staff(user, reference, for_update=True)
        if registration.status == Registration.Status.APPROVED:
            raise EnrollmentError("already_approved", _("Hồ sơ đã được duyệt trước đó."), status=409)
        if registration.status == Registration.Status.SUBMITTED:
            raise EnrollmentError(
                "not_received", _("Chưa tiếp nhận tờ khai giấy và bản chính CCCD: hãy tiếp nhận trước khi duyệt."), status=409
            )
        if registration.status != Registration.Status.RECEIVED:
            raise EnrollmentError("not_received", _("Hồ sơ không ở trạng thái chờ duyệt."), status=409)
        if User.objects.filter(person_id=registration.person_id).exists():
            raise EnrollmentError("account_exists", _("Người tham gia này đã có tài khoản."), status=409)
        password = generate_password()
        account = User.objects.create(
            username=registration.ssn,
            role=User.Role.CITIZEN,
            person_id=registration.person_id,
            password=make_password(password),
            must_change_password=True,
            email=registration.email,
        )
        queue_sms(
            to=registration.phone,
            kind="account_password",
            body=f"VssID: Ho so {registration.reference} da duoc duyet. Ten dang nhap: {registration.ssn}. "
            f"Mat khau: {password}. Hay doi mat khau khi dang nhap lan dau.",
            secret=password,
            secret_of=f"user:{account.pk}",
            dedupe_key=f"account_password:{registration.pk}",
        )
        registration.status = Registration.Status.APPROVED
        registration.decided_at = timezone.now()
        registration.decided_by = user
        registration.save(update_fields=["status", "decided_at", "decided_by"])
        record(
            "registration.approve",
            actor=user,
            object_type="registration",
            object_id=registration.reference,
            person=registration.person_id,
            request=request,
        )
        record(
            "account.create",
            actor=user,
            object_type="account",
            object_id=account.pk,
            person=registration.person_id,
            request=request,
        )
    return registration


def reject_registration(user: User, reference: str, reason: str, *, request: HttpRequest | None = None) -> Registration:
    reason = nfc(reason)
    if not reason:
        raise EnrollmentError("reason_required", _("Nhập lý do từ chối."), fields={"reason": [_("Nhập lý do từ chối.")]})
    with transaction.atomic():
        registration = get_registration_for_staff(user, reference, for_update=True)
        if registration.status not in (Registration.Status.SUBMITTED, Registration.Status.RECEIVED):
            raise EnrollmentError("already_decided", _("Hồ sơ đã được xử lý."), status=409)
        registration.status = Registration.Status.REJECTED
        registration.reject_reason = reason
        registration.decided_at = timezone.now()
        registration.decided_by = user
        registration.save(update_fields=["status", "reject_reason", "decided_at", "decided_by"])
        _notify(
            registration,
            sms=f"VssID: Ho so {registration.reference} bi tu choi. Ly do: {{reason}}. Lien he 1900 9068.",
            subject=_("Hồ sơ %(reference)s bị từ chối") % {"reference": registration.reference},
            email=_(
                "Hồ sơ đăng ký giao dịch điện tử %(reference)s bị từ chối.\n\nLý do: %(reason)s\n\n"
                "Bạn có thể đăng ký lại sau khi bổ sung. Hỗ trợ: 1900 9068."
            )
            % {"reference": registration.reference, "reason": reason},
            reason=reason,
            kind="registration_rejected",
        )
        record(
            "registration.reject",
            actor=user,
            object_type="registration",
            object_id=registration.reference,
            person=registration.person_id,
            request=request,
            reason=reason,
        )
    return registration


def _notify(registration: Registration, *, sms: str, subject: str, email: str, reason: str, kind: str) -> None:
    room = 160 - len(sms.replace("{reason}", ""))
    short = to_ascii_sms(reason)
    if len(short) > room:
        short = short[: max(room - 3, 0)].rstrip() + "..."
    queue_sms(to=registration.phone, kind="notice", body=sms.replace("{reason}", short))
    if registration.email:
        queue_email(to=registration.email, subject=subject, body=email, kind=kind)


def expire_overdue(today: dt.date | None = None) -> int:
    """Registrations still waiting for their paper form after the 10 days become `expired`."""
    today = today or timezone.localdate()
    count = 0
    while True:
        with transaction.atomic():
            batch = list(
                Registration.objects.select_for_update(skip_locked=True)
                .filter(status=Registration.Status.SUBMITTED, deadline__lt=today)
                .order_by("deadline")[:200]
            )
            for registration in batch:
                registration.status = Registration.Status.EXPIRED
                registration.save(update_fields=["status"])
                _notify(
                    registration,
                    sms=f"VssID: Ho so {registration.reference} da qua han nop to khai (10 ngay). "
                    "Vui long dang ky lai hoac goi 1900 9068.{reason}",
                    subject=_("Hồ sơ %(reference)s đã quá hạn") % {"reference": registration.reference},
                    email=_("Hồ sơ %(reference)s đã quá hạn 10 ngày mà chưa nộp tờ khai. Vui lòng đăng ký lại.")
                    % {"reference": registration.reference},
                    reason="",
                    kind="registration_expired",
                )
                record(
                    "registration.expire",
                    actor=None,
                    object_type="registration",
                    object_id=registration.reference,
                    person=registration.person_id,
                )
        count += len(batch)
        if len(batch) < 200:
            return count


def photo_for_staff(user: User, reference: str, which: str, *, request: HttpRequest | None = None) -> tuple[bytes, str]:
    """The photo bytes for a clerk of the office; every view is audited."""
    if which not in PHOTO_FIELDS:
        raise Http404
    registration = get_registration_for_staff(user, reference)
    file = getattr(registration, which)
    with file.open("rb") as fh:
        content = fh.read()
    record(
        "registration.photo.view",
        actor=user,
        object_type="registration",
        object_id=registration.reference,
        person=registration.person_id,
        request=request,
        photo=which,
    )
    return content, "image/jpeg"


def view_for_staff(user: User, reference: str, *, request: HttpRequest | None = None) -> Registration:
    registration = get_registration_for_staff(user, reference)
    record(
        "registration.view",
        actor=user,
        object_type="registration",
        object_id=registration.reference,
        person=registration.person_id,
        request=request,
    )
    return registration
