"""The registration procedure: the person submits and confirms by OTP; the office's decisions and
the expiry are enrollment.actions.

Each state change is one transaction holding the audit row and the outbox messages it causes
(style.md §3, §7).
"""

from __future__ import annotations

import datetime as dt
import hmac
import math
import secrets
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NoReturn, TypeVar

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import OneTimeCode, User
from accounts.services import AccountError, consume_code, issue_code, new_code
from audit.models import AuditEvent
from audit.services import audit_event, record, record_change
from enrollment.form_mail import send_form01_email
from enrollment.models import Registration, private_storage
from enrollment.photo_work import (
    HELD_DIR,
    INCOMING_DIR,
    PHOTO_DIR,
    PHOTO_FIELDS,
    clean_registration_photos,
    delete_files,
    finish_stale,
    is_clean,
    save_upload,
)
from enrollment.photos import PhotoError, check_photo
from messaging.models import Message
from messaging.services import SMS_MAX_LENGTH, enqueue_with_transaction, queue_sms, sms_length, sms_message, task_row
from messaging.tasks import deliver
from places.models import Office, Province, Ward
from registry.models import Person
from vssid.clientip import client_ip
from vssid.db import inserts
from vssid.db.hot import fetch_all, fetch_one, instance_from_row
from vssid.errors import DomainError
from vssid.models import RateCounter
from vssid.phone import InvalidPhone, normalize_phone
from vssid.ratelimit import (
    OUTCOME,
    Budget,
    Rate,
    RateLimited,
    check_budgets,
    hit,
    take,
    take_all,
    take_each,
    taking,
    where_without_flush,
)
from vssid.text import fold, nfc

DEADLINE_DAYS = 10
REFERENCE_ATTEMPTS = 5
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U to misread
RECEIVING_OFFICE_KINDS = (Office.Kind.CO_SO, Office.Kind.DISTRICT, Office.Kind.PROVINCIAL)
# A submission writes its photos a moment before its row commits; a file this old without a row
# was left by a crash.
SWEEP_AFTER = dt.timedelta(hours=1)


# ---- budgets (vssid.ratelimit) ----------------------------------------------------------
# A person registers once, maybe twice; these leave room for typing mistakes and a lost SMS,
# while a script gets at most a few SMS to one phone and a few guesses at one person's data.
# Each new submission has a new reference, so the per-reference limit of accounts.issue_code
# alone would never apply: the OTP SMS are counted per phone and per person as well.
OTP_PER_PHONE = (
    Rate("registration_otp_phone_hour", 5, dt.timedelta(hours=1)),
    Rate("registration_otp_phone_day", 10, dt.timedelta(days=1)),
)
OTP_PER_PERSON = (
    Rate("registration_otp_person_hour", 5, dt.timedelta(hours=1)),
    Rate("registration_otp_person_day", 10, dt.timedelta(days=1)),
)
# Per client address. Many phones share one address behind a carrier's NAT, so these are loose:
# they stop one machine from running through the register, not a family from registering.
SUBMISSIONS_PER_ADDRESS = (Rate("registration_submit_address", 10, dt.timedelta(hours=1)),)
MATCHES_PER_ADDRESS = (Rate("registration_match_address", 10, dt.timedelta(minutes=10)),)  # as the BHXH-code look-up
# Failed matches per person (or per typed BHXH code/CCCD when none has it): identity data
# cannot be confirmed by trying, one field at a time, from many addresses.
MISMATCHES_PER_IDENTITY = (
    Rate("registration_mismatch_hour", 5, dt.timedelta(hours=1)),
    Rate("registration_mismatch_day", 10, dt.timedelta(days=1)),
)
# SMS telling the phone of a live registration its reference, per registration.
REFERENCE_NOTICES = Rate("registration_reference_sms", 3, dt.timedelta(days=1))

# ---- lengths ------------------------------------------------------------------------------
# As the columns of Registration (PostgreSQL refuses longer text with an error, not a message).
NAME_MAX, STREET_MAX, EMAIL_MAX = 100, 255, 254
SSN_LENGTH, CCCD_LENGTH = 10, 12
PROVINCE_CODE_MAX, WARD_CODE_MAX, OFFICE_CODE_MAX = 2, 5, 5
PHONE_INPUT_MAX = 15  # "+84 912 345 678" as typed; stored as 12 characters of E.164
# Text may arrive decomposed (a letter and its marks as separate code points, as some keyboards
# send it): up to three code points per Vietnamese letter before NFC composes them.
DECOMPOSED_FACTOR = 3
# NFC composes every Vietnamese letter (ệ = e + circumflex + dot below is one code point), so
# more than two marks left on one letter is padding, not a name.
MAX_MARKS_PER_LETTER = 2


class EnrollmentError(DomainError):
    pass


class NameNeedsDiacritics(EnrollmentError):
    """The name matched the register's once its marks are set aside, but was typed without them.

    It is not stored: Form 01, the card and every letter print the name as given, and a name
    without its marks is another name in Vietnamese. The answer asks whether the register's
    spelling is theirs (`suggestion`), which the person has just shown they know but for the marks.
    """

    def __init__(self, suggestion: str) -> None:
        # The question once, next to the field (and linked from the summary, whose heading says what to do).
        question = _("Có phải họ tên của bạn là “%(name)s”?") % {"name": suggestion}
        message = _("Họ tên cần viết có dấu, đúng như trên CCCD.")
        super().__init__("name_without_diacritics", message, status=409, fields={"full_name": [question]})
        self.suggestion = suggestion


class TextProblem(ValueError):
    """Why a text field cannot be stored, as a sentence for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean_text(raw: str, *, max_length: int) -> str:
    """Text as stored (NFC, single spaces), or TextProblem: control characters, stacked marks, too long."""
    too_long = TextProblem(_("Tối đa %(count)s ký tự.") % {"count": max_length})
    if len(raw) > max_length * DECOMPOSED_FACTOR:
        raise too_long  # refused before any work on it
    text = nfc(raw)
    # NUL cannot be stored by PostgreSQL; surrogates cannot be encoded; format characters
    # (right-to-left overrides, zero-width joiners) only disguise what is written.
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in text):
        raise TextProblem(_("Có ký tự không hợp lệ."))
    marks = 0
    for ch in text:
        marks = marks + 1 if unicodedata.category(ch).startswith("M") else 0
        if marks > MAX_MARKS_PER_LETTER:
            raise TextProblem(_("Có chữ mang quá nhiều dấu. Hãy nhập lại bằng bàn phím tiếng Việt."))
    if len(text) > max_length:
        raise too_long
    return text


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
    # Photos checked with an earlier attempt of the same form (hold_photo): field → storage name.
    held: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Checked:
    full_name: str
    ssn: str
    cccd: str
    date_of_birth: dt.date
    sex: int
    phone: str
    email: str
    province: Province
    ward: Ward | None
    street: str
    office: Office


def _fail(fields: dict[str, list[str]]) -> EnrollmentError:
    return EnrollmentError("invalid_input", _("Vui lòng kiểm tra lại các thông tin được đánh dấu."), fields=fields)


def _is_code(value: str, max_length: int) -> bool:
    # Checked before any query: a NUL or a long string would reach PostgreSQL as an error.
    return 0 < len(value) <= max_length and value.isascii() and value.isdigit()


# ---- reference data ---------------------------------------------------------------------------
# Provinces, wards and receiving offices change a few times a year; every submission looked one
# of each up. Each process keeps those it found for PLACE_CACHE_SECONDS. A save or delete through
# the ORM (the admin) empties it in that process; other processes see the change within
# PLACE_CACHE_SECONDS. A code not found is looked up each time: nothing a client types fills it.
PLACE_CACHE_SECONDS = 300
_Place = TypeVar("_Place", Province, Ward, Office)
_places: dict[tuple[str, ...], tuple[float, Province | Ward | Office]] = {}


def _cached_place(key: tuple[str, ...], lookup: Callable[[], _Place | None]) -> _Place | None:
    kept = _places.get(key)
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]  # type: ignore[return-value]
    found = lookup()
    if found is not None:
        _places[key] = (time.monotonic() + PLACE_CACHE_SECONDS, found)
    return found


def forget_places(**_signal: object) -> None:
    """Empty this process's copy of the reference data (connected to every save and delete of it)."""
    _places.clear()


for _model in (Province, Ward, Office):
    post_save.connect(forget_places, sender=_model, dispatch_uid=f"enrollment.forget_places.save.{_model.__name__}")
    post_delete.connect(forget_places, sender=_model, dispatch_uid=f"enrollment.forget_places.delete.{_model.__name__}")


# The look-ups are lambdas: a queryset built up front, only for the cache to answer, cost more
# than the rest of the field checks together.
def current_province(code: str) -> Province | None:
    return _cached_place(("province", code), lambda: Province.objects.current().filter(code=code).first())


def current_ward(province_code: str, code: str) -> Ward | None:
    return _cached_place(
        ("ward", province_code, code), lambda: Ward.objects.current().filter(code=code, province_id=province_code).first()
    )


def receiving_office(code: str) -> Office | None:
    return _cached_place(
        ("office", code), lambda: Office.objects.current().filter(code=code, kind__in=RECEIVING_OFFICE_KINDS).first()
    )


def _check_fields(data: RegistrationInput) -> _Checked:
    """Every field but the photos, checked and normalised; no identity is looked at yet."""
    errors: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    for name, raw, limit, missing in (
        ("full_name", data.full_name, NAME_MAX, _("Nhập họ và tên.")),
        ("street", data.street, STREET_MAX, _("Nhập số nhà, tên đường.")),
    ):
        try:
            texts[name] = clean_text(raw, max_length=limit)
        except TextProblem as exc:
            errors[name] = [exc.message]
        else:
            if not texts[name]:
                errors[name] = [missing]
    ssn, cccd = data.ssn.strip(), data.cccd.strip()
    if not ssn and not cccd:
        errors["ssn"] = [_("Nhập mã số BHXH (10 số) hoặc số CCCD (12 số).")]
    if ssn and not (len(ssn) == SSN_LENGTH and _is_code(ssn, SSN_LENGTH)):
        errors["ssn"] = [_("Mã số BHXH gồm 10 chữ số.")]
    if cccd and not (len(cccd) == CCCD_LENGTH and _is_code(cccd, CCCD_LENGTH)):
        errors["cccd"] = [_("Số CCCD gồm 12 chữ số.")]
    if data.date_of_birth is None:
        errors["date_of_birth"] = [_("Nhập ngày sinh.")]
    if data.sex not in (1, 2):
        errors["sex"] = [_("Chọn giới tính.")]
    phone = ""
    try:
        if len(data.phone) > PHONE_INPUT_MAX:
            raise InvalidPhone(data.phone)
        phone = normalize_phone(data.phone)
    except InvalidPhone:
        errors["phone"] = [_("Số điện thoại di động không hợp lệ (ví dụ 0912345678).")]
    email = data.email.strip()
    if email:
        # Checked as the e-mail will be sent: an address queue_email refuses at confirmation
        # would otherwise fail every confirmation of this registration.
        try:
            if len(email) > EMAIL_MAX:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Địa chỉ email không hợp lệ.")]
    province = None
    if _is_code(data.province_code, PROVINCE_CODE_MAX):
        province = current_province(data.province_code)
    if province is None:
        errors["province_code"] = [_("Chọn tỉnh/thành phố.")]
    ward = None
    if data.ward_code:
        if _is_code(data.ward_code, WARD_CODE_MAX) and province is not None:
            ward = current_ward(province.code, data.ward_code)
        if ward is None:
            errors["ward_code"] = [_("Phường/xã không thuộc tỉnh/thành phố đã chọn.")]
    office = None
    if _is_code(data.office_code, OFFICE_CODE_MAX):
        office = receiving_office(data.office_code)
    if office is None:
        errors["office_code"] = [_("Chọn cơ quan BHXH nơi nộp tờ khai.")]
    if errors:
        raise _fail(errors)
    assert province is not None and office is not None and data.date_of_birth is not None  # noqa: S101 - checked above
    return _Checked(
        full_name=texts["full_name"],
        ssn=ssn,
        cccd=cccd,
        date_of_birth=data.date_of_birth,
        sex=data.sex or 0,
        phone=phone,
        email=email,
        province=province,
        ward=ward,
        street=texts["street"],
        office=office,
    )


def _check_photos(photos: Mapping[str, bytes], held: Mapping[str, str]) -> dict[str, bytes]:
    """The uploads that are not held from an earlier attempt, each checked (check_photo); decoding is the worker's."""
    errors: dict[str, list[str]] = {}
    checked: dict[str, bytes] = {}
    for name in PHOTO_FIELDS:
        raw = photos.get(name)
        if raw is None:
            if name not in held:
                errors[name] = [_("Chưa có ảnh.")]
            continue
        try:
            check_photo(raw)
        except PhotoError as exc:
            errors[name] = [exc.message]
        else:
            checked[name] = raw
    if errors:
        raise _fail(errors)
    return checked


def _wait(exc: RateLimited) -> str:
    minutes = exc.retry_minutes
    if minutes <= 90:
        return ngettext("%(count)d phút", "%(count)d phút", minutes) % {"count": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(count)d giờ", "%(count)d giờ", hours) % {"count": hours}


def _limited(exc: RateLimited) -> EnrollmentError:
    """The refusal of a spent budget: 429, a stable code, and when to try again."""
    wait = _wait(exc)
    if exc.rate in MISMATCHES_PER_IDENTITY:
        return EnrollmentError(
            "too_many_attempts",
            _(
                "Thông tin của mã số BHXH/CCCD này đã bị nhập sai quá nhiều lần. "
                "Vui lòng thử lại sau %(wait)s hoặc liên hệ tổng đài 1900 9068."
            )
            % {"wait": wait},
            status=429,
        )
    if exc.rate in OTP_PER_PHONE or exc.rate in OTP_PER_PERSON:
        return EnrollmentError(
            "otp_rate_limited",
            _("Đã gửi quá nhiều mã OTP cho số điện thoại hoặc người tham gia này. Vui lòng thử lại sau %(wait)s.")
            % {"wait": wait},
            status=429,
        )
    return EnrollmentError(
        "too_many_requests",
        _("Có quá nhiều lượt đăng ký từ địa chỉ mạng của bạn. Vui lòng thử lại sau %(wait)s.") % {"wait": wait},
        status=429,
    )


def _mismatch() -> EnrollmentError:
    # One answer whether nobody has that BHXH code/CCCD or somebody has it with other data:
    # which one it is, or which field differs, would let anyone probe someone else's data.
    return EnrollmentError(
        "data_mismatch",
        _(
            "Thông tin không khớp với dữ liệu BHXH. Hãy kiểm tra mã số BHXH hoặc số CCCD, họ tên, ngày sinh và "
            "giới tính, nhập đúng như trên CCCD. Nếu chưa rõ mã số BHXH, hãy tra cứu; nếu dữ liệu BHXH bị sai, "
            "liên hệ 1900 9068."
        ),
        status=409,
    )


def _same_person(person: Person, checked: _Checked) -> bool:
    dob = checked.date_of_birth
    same_dob = (
        person.birth_year == dob.year
        and (person.birth_month is None or person.birth_month == dob.month)
        and (person.birth_day is None or person.birth_day == dob.day)
    )
    return (
        fold(person.full_name) == fold(checked.full_name)
        and same_dob
        and person.sex == checked.sex
        and (not checked.cccd or person.cccd == checked.cccd)
    )


def _match_person(checked: _Checked, address: str | None) -> tuple[Person, _Standing]:
    """The person of the register the data describes, and what stands in the way of their
    registering; within the budgets of the address and the identity."""
    ssn, cccd = checked.ssn, checked.cccd
    budgets = [(rate, address) for rate in MATCHES_PER_ADDRESS] if address else []
    try:
        found = _person_with_standing(ssn=ssn, budgets=budgets) if ssn else _person_with_standing(cccd=cccd, budgets=budgets)
    except RateLimited as exc:
        raise _limited(exc) from None
    person, standing = found if found is not None else (None, None)
    identity = f"person:{person.pk}" if person is not None else (f"ssn:{ssn}" if ssn else f"cccd:{cccd}")
    try:
        check_budgets([(rate, identity) for rate in MISMATCHES_PER_IDENTITY])
    except RateLimited as exc:
        raise _limited(exc) from None
    if person is None or standing is None or not _same_person(person, checked):
        # Counted outside any transaction: the refusal that follows must not roll the count back.
        for rate in MISMATCHES_PER_IDENTITY:
            hit(rate, identity)
        raise _mismatch()
    registered = nfc(person.full_name)
    if checked.full_name.casefold() != registered.casefold():
        # Equal but for the marks (fold matched): typed without them, or with other ones.
        # Counted like a mismatch, so the register's spelling cannot be harvested by trying.
        for rate in MISMATCHES_PER_IDENTITY:
            hit(rate, identity)
        raise NameNeedsDiacritics(registered)
    # Kept as the register writes it: "nguyễn văn an" typed on a phone prints as on the CCCD.
    checked.full_name = registered
    return person, standing


@dataclass(frozen=True)
class _Existing:
    """Why a matched person cannot register again: an account, or a live registration."""

    has_account: bool
    live: Registration | None


_REGISTERED = (Registration.Status.SUBMITTED, Registration.Status.RECEIVED)

# Every submission reads the person with what stands in the way of registering (an account, a
# live registration, a draft to replace), once to match and once locked in its transaction. As
# fixed SQL (vssid.db.hot), prepared per connection: built by the ORM, the three EXISTS
# subqueries cost more to compile than to run.
_MATCH_NAMES = ("id", "ssn", "cccd", "full_name", "birth_year", "birth_month", "birth_day", "sex")
# In the model's order, as instance_from_row wants them; the other fields are deferred.
_MATCH_FIELDS = [field for field in Person._meta.concrete_fields if field.name in _MATCH_NAMES]
_STANDING = (
    f"EXISTS (SELECT 1 FROM {User._meta.db_table} u WHERE u.person_id = p.id), "  # noqa: S608 - names from models
    f"EXISTS (SELECT 1 FROM {Registration._meta.db_table} r WHERE r.person_id = p.id AND r.status IN (%s, %s)), "
    f"EXISTS (SELECT 1 FROM {Registration._meta.db_table} r WHERE r.person_id = p.id AND r.status = %s)"
)
_STANDING_PARAMS = [*_REGISTERED, Registration.Status.AWAITING_CONFIRMATION]


@dataclass(frozen=True)
class _Standing:
    has_account: bool
    has_registration: bool  # a live one past its OTP
    has_draft: bool  # one waiting for its OTP, which a new submission replaces


def _person_with_standing(
    *, ssn: str = "", cccd: str = "", budgets: Sequence[Budget] = (), without_flush: bool | None = None
) -> tuple[Person, _Standing] | None:
    """The person of the register with this BHXH code (or else CCCD), and what stands in the way.

    `budgets` are taken first, as take_all takes them outside a transaction (RateLimited for a
    spent one, the counts kept whatever follows). On PostgreSQL in the same statement
    (ratelimit.taking): a round trip less for every submission. Its counters are all the statement
    writes, so outside a transaction it commits without waiting for the WAL flush
    (ratelimit.where_without_flush): a flush cost every submission about 0.4 ms of the database's CPU
    and twice that in waiting, for counts a crash of the database server may well lose.
    `without_flush` None: so when not in a transaction (True, False: so or not, for a test).
    """
    selected = ", ".join(f"p.{field.column}" for field in _MATCH_FIELDS)
    column = "ssn" if ssn else "cccd"
    sql = f"SELECT {selected}, {_STANDING} FROM {Person._meta.db_table} p WHERE p.{column} = %s ORDER BY p.id LIMIT 1"  # noqa: S608
    params = [*_STANDING_PARAMS, ssn or cccd]
    row: Sequence[object] | None
    if budgets and connection.vendor == "postgresql":
        now = timezone.now()
        plan = taking(budgets, now=now)
        taken = f"WITH {plan.ctes} SELECT o.key, o.count, o.refused_until, x.* FROM {OUTCOME} o LEFT JOIN ({sql}) x ON true"  # noqa: S608
        rows = fetch_all(taken + where_without_flush(without_flush), [*plan.params, *params])
        plan.outcome([r[:3] for r in rows], now)
        row = rows[0][3:] if rows[0][3] is not None else None
    else:
        for rate, subject in budgets:
            take(rate, subject)
        row = fetch_one(sql, params)
    if row is None:
        return None
    count = len(_MATCH_FIELDS)
    return instance_from_row(Person, _MATCH_FIELDS, row[:count]), _Standing(*row[count:])


def _lock_with_standing(person: Person) -> _Standing:
    """Lock the person's row (two submissions of one person take turns) and read what stands in the way."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""  # SQLite: one writer anyway
    sql = f"SELECT {_STANDING} FROM {Person._meta.db_table} p WHERE p.id = %s{lock}"  # noqa: S608 - names from models
    row = fetch_one(sql, [*_STANDING_PARAMS, person.pk])
    if row is None:  # pragma: no cover - a person of the register is never deleted (PROTECT)
        raise Person.DoesNotExist(person.pk)
    return _Standing(*row)


def _existing(person: Person, standing: _Standing) -> _Existing | None:
    """Why the person cannot register, or None."""
    if standing.has_account:
        return _Existing(has_account=True, live=None)
    if not standing.has_registration:
        return None
    live = Registration.objects.filter(person=person, status__in=_REGISTERED).first()
    return _Existing(has_account=False, live=live) if live is not None else None


def _refuse_existing(existing: _Existing) -> NoReturn:
    if existing.has_account or existing.live is None:
        raise EnrollmentError(
            "account_exists",
            _("Bạn đã có tài khoản VssID. Hãy đăng nhập bằng mã số BHXH hoặc dùng chức năng Quên mật khẩu."),
            status=409,
        )
    # The reference goes to the phone confirmed for that registration, not into the answer:
    # whoever knows a person's identity data must not learn it, nor where to follow the file.
    _text_reference(existing.live)
    raise EnrollmentError(
        "registration_exists",
        _(
            "Bạn đã có hồ sơ đăng ký đang chờ xử lý. Mã hồ sơ và hạn nộp tờ khai đã được gửi bằng SMS "
            "đến số điện thoại đã đăng ký cho hồ sơ đó."
        ),
        status=409,
    )


def _text_reference(live: Registration) -> None:
    with transaction.atomic():
        try:
            take(REFERENCE_NOTICES, live.pk)
        except RateLimited:
            return  # already sent a few times today: the answer points to those SMS
        if live.status == Registration.Status.SUBMITTED and live.deadline:
            body = f"VssID: Ban da co ho so dang ky {live.reference} dang cho xu ly, han nop to khai {live.deadline:%d/%m/%Y}."
        else:
            body = f"VssID: Ban da co ho so dang ky {live.reference} dang cho xu ly."
        queue_sms(to=live.phone, kind="notice", body=body + " Neu khong phai ban yeu cau, hay bo qua tin nay.")


# As people read a reference aloud or off paper: spaces and dashes between groups, lower case,
# and the letters Crockford's alphabet leaves out because they look like digits.
_REFERENCE_SEPARATORS = str.maketrans("", "", " \t\n\r-._\u00a0")
_REFERENCE_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
REFERENCE_INPUT_MAX = 30


def normalize_reference(raw: str) -> str:
    """A reference as stored ("DK7F3K9Q2M") from what a person typed ("dk 7f3k 9q2m"); "" when too long."""
    if len(raw) > REFERENCE_INPUT_MAX:
        return ""
    compact = raw.translate(_REFERENCE_SEPARATORS).upper()
    if compact.startswith("DK"):
        compact = "DK" + compact[2:].translate(_REFERENCE_LOOKALIKES)
    return compact


def _new_reference() -> str:
    return "DK" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _otp_subject(reference: str) -> str:
    return f"registration:{reference}"


def _otp_body(code: str) -> str:
    return f"VssID: Ma OTP xac nhan dang ky giao dich dien tu la {code}. Hieu luc 5 phut. Khong cung cap ma nay cho bat ky ai."


def _take_otp_budgets(phone: str, person_id: int) -> None:
    try:
        take_all(OTP_PER_PHONE, phone)
        take_all(OTP_PER_PERSON, person_id)
    except RateLimited as exc:
        raise _limited(exc) from None


def submit_registration(data: RegistrationInput, *, request: HttpRequest | None = None) -> Registration:
    """Check, match and store a registration, and text the OTP that confirms it.

    Cheap refusals first (fields, the address's budget, the identity, an account or a live
    registration), the photos' headers only then; writing the files is done before the
    transaction, which holds only a few short statements, and decoding them is the worker's
    (enrollment.photo_work).
    """
    checked = _check_fields(data)
    address = client_ip(request)
    person, standing = _match_person(checked, address)
    existing = _existing(person, standing)
    if existing is not None:
        _refuse_existing(existing)
    # The budgets of the address, the phone and the person are taken in the transaction below:
    # checking them here as well, when decoding the photos was the slow part, cost five queries
    # for nothing now that a photo is checked from its header (the files are deleted on refusal).
    photos = _check_photos(data.photos, data.held)
    registration = Registration(
        person=person,
        office=checked.office,
        full_name=checked.full_name,
        ssn=person.ssn,
        cccd=person.cccd,
        date_of_birth=checked.date_of_birth,
        sex=checked.sex,
        phone=checked.phone,
        email=checked.email,
        province=checked.province,
        ward=checked.ward,
        street=checked.street,
        language=data.language[:2] or "vi",
        photos_pending=True,
    )
    # Written before the transaction, so no lock is held while they are. Until the row commits
    # nothing refers to them: a failure below deletes them, a crash leaves them to sweep_photos.
    # Held photos stay where they are for another attempt until the worker has made them clean.
    written = [save_upload(content) for content in photos.values()]
    for name, stored in zip(photos, written, strict=True):
        getattr(registration, name).name = stored
    for name, stored in data.held.items():
        if name not in photos:
            getattr(registration, name).name = stored
    try:
        recorded = False
        if not (standing.has_account or standing.has_registration or standing.has_draft):
            recorded = _record_at_once(registration, address=address, request=request)
        existing = None if recorded else _record_with_retries(registration, address=address, request=request)
    except Exception:
        delete_files(written)
        raise
    if existing is not None:  # an account or a registration appeared meanwhile
        delete_files(written)
        _refuse_existing(existing)
    return registration


def _record_with_retries(registration: Registration, *, address: str | None, request: HttpRequest | None) -> _Existing | None:
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            return _record_submission(registration, address=address, request=request)
        except IntegrityError:
            # A reference drawn twice (one chance in 10^12 per draw), or a live registration
            # committed meanwhile: the whole transaction is done again, and finds that one.
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _budgets(registration: Registration, address: str | None) -> list[Budget]:
    """The budgets a submission takes: the address's submissions, the SMS to the phone and to the person."""
    budgets: list[Budget] = [(rate, address) for rate in SUBMISSIONS_PER_ADDRESS] if address else []
    budgets += [(rate, registration.phone) for rate in OTP_PER_PHONE]
    budgets += [(rate, registration.person_id) for rate in OTP_PER_PERSON]
    return budgets


@dataclass
class _Rows:
    """The rows a submission adds beside the registration, unsaved."""

    otp: OneTimeCode
    sms: Message
    event: AuditEvent


def _new_rows(registration: Registration, request: HttpRequest | None) -> _Rows:
    """A new reference for the registration, and its OTP, SMS and audit row."""
    registration.reference = _new_reference()
    # The reference is new (unique, inserted with it): its subject has no codes yet.
    code, otp = new_code(OneTimeCode.Purpose.REGISTRATION, _otp_subject(registration.reference))
    sms = sms_message(
        to=registration.phone,
        kind="registration_otp",
        body=_otp_body(code),
        secret=code,
        secret_of=_otp_subject(registration.reference),
    )
    event = audit_event(
        "registration.submit",
        actor=None,
        object_type="registration",
        object_id=registration.reference,
        person=registration.person_id,
        request=request,
    )
    return _Rows(otp, sms, event)


def _record_at_once(registration: Registration, *, address: str | None, request: HttpRequest | None) -> bool:
    """The submission of a person with nothing in the way, as one statement (PostgreSQL): True when recorded.

    The common case, and the whole transaction in one round trip instead of four (BEGIN, the
    person locked with what stands in the way, the rows, COMMIT). What stands in the way is read
    again in the statement, whose rows are inserted only when nothing does; the one live
    registration a person may have is held by a unique index. False, with nothing written, when
    something appeared since the match or the reference was drawn twice: the transaction of
    _record_submission then does it the careful way. A spent budget raises as there.
    """
    if connection.vendor != "postgresql":
        return False
    rows = _new_rows(registration, request)
    budgets = _budgets(registration, address)
    try:
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint: a failure leaves the caller's transaction usable
                return _insert_in_one_statement(registration, budgets, rows, check_standing=True)
        return _insert_in_one_statement(registration, budgets, rows, check_standing=True)
    except IntegrityError:
        return False
    except RateLimited as exc:
        raise _limited(exc) from None


def _record_submission(registration: Registration, *, address: str | None, request: HttpRequest | None) -> _Existing | None:
    """The registration, its OTP, its SMS, its photo task and its audit row in one transaction, or why not.

    A handful of statements: the person locked with what stands in the way, a draft replaced,
    then the budgets taken and the rows inserted. An IntegrityError (a reference drawn twice)
    rolls it all back, and the caller does it again.
    """
    person = registration.person
    with transaction.atomic():
        standing = _lock_with_standing(person)
        existing = _existing(person, standing)
        if existing is not None:
            return existing
        if standing.has_draft:
            _abandon_drafts(registration)
        rows = _new_rows(registration, request)
        budgets = _budgets(registration, address)
        try:
            if connection.vendor == "postgresql":
                _insert_in_one_statement(registration, budgets, rows)
            else:
                take_each(budgets)
                registration.save()
                rows.otp.save(force_insert=True)
                rows.sms.save(force_insert=True)
                enqueue_with_transaction(deliver, rows.sms.pk)
                # The worker decodes and re-encodes the photos once the row is there to be found.
                enqueue_with_transaction(clean_registration_photos, registration.pk)
                rows.event.save(force_insert=True)
        except RateLimited as exc:
            raise _limited(exc) from None
    return None


def _insert_in_one_statement(
    registration: Registration, budgets: list[Budget], rows: _Rows, *, check_standing: bool = False
) -> bool:
    """The budgets taken and the six rows of a submission in one statement (PostgreSQL): True when inserted.

    The registration is inserted only when every budget allowed it (ratelimit.taking), and the
    other rows only with it: the OTP, the SMS with its delivery task, the photos' task (the
    worker decodes and re-encodes them once the row is there to be found) and the audit row. A
    refusal raises RateLimited with nothing written; a reference drawn twice, IntegrityError.
    Through the ORM these were six statements, and compiling them most of a submission's CPU.

    `check_standing`: the person's account, live registration or draft are read in the statement
    and any of them stops the inserts; the budgets' counts are then given back and False comes back.
    """
    now = timezone.now()
    plan = taking(budgets, now=now)
    registration.fill_derived()
    where = plan.granted
    if check_standing:
        where += " AND NOT (SELECT has_account OR has_registration OR has_draft FROM standing)"
    ctes = [
        inserts.Row("reg_row", registration, where=where),
        inserts.Row("otp_row", rows.otp, after="reg_row"),
        inserts.Row("sms_row", rows.sms, after="reg_row"),
        inserts.Row("audit_row", rows.event, after="reg_row"),
    ]
    # The tasks, as enqueue_with_transaction stores them with the database backend: their
    # argument is the id the statement has just given their row.
    tasks = {"sms_row": task_row(deliver), "reg_row": task_row(clean_registration_photos)}
    for after, stored in tasks.items():
        if stored is not None:
            ctes.append(inserts.Row(f"{after}_task", stored, after=after, sql={"args_kwargs": _TASK_ARGUMENT}))
    sql, params = inserts.ctes(ctes)
    head, head_params, standing = "", [], ""
    if check_standing:
        head = (
            f"standing (has_account, has_registration, has_draft) AS "  # noqa: S608 - names from models
            f"(SELECT {_STANDING} FROM {Person._meta.db_table} p WHERE p.id = %s), "
        )
        head_params = [*_STANDING_PARAMS, registration.person_id]
        standing = ", (SELECT has_account OR has_registration OR has_draft FROM standing)"
    found = fetch_all(
        f"WITH {head}{plan.ctes}, {sql} SELECT key, count, refused_until, (SELECT id FROM reg_row), "  # noqa: S608
        f"(SELECT id FROM sms_row){standing} FROM {OUTCOME}",
        [*head_params, *plan.params, *params],
        numbered=True,
    )
    if check_standing and found[0][5]:
        counted = [key for key, count, _refused, *_ in found if count is not None]
        if counted:  # nothing was inserted: the events the budgets counted did not happen
            RateCounter.objects.filter(key__in=counted, count__gt=0).update(count=F("count") - 1)
        return False
    plan.outcome([row[:3] for row in found], now)
    registration.pk, rows.sms.pk = found[0][3], found[0][4]
    for row in (registration, rows.sms):
        row._state.adding, row._state.db = False, connection.alias
    # With another task backend, the tasks go once the transaction has committed.
    if tasks["sms_row"] is None:
        enqueue_with_transaction(deliver, rows.sms.pk)
    if tasks["reg_row"] is None:
        enqueue_with_transaction(clean_registration_photos, registration.pk)
    return True


# The stored arguments of a task for the row its CTE follows, as the backend writes them.
_TASK_ARGUMENT = "jsonb_build_object('args', jsonb_build_array(id), 'kwargs', '{}'::jsonb)"


def _abandon_drafts(registration: Registration) -> None:
    """An earlier form of the person whose OTP was never entered: the new one replaces it.

    Its photos go once the deletion has committed: if the transaction rolls back, the draft and
    its photos both stay.
    """
    abandoned: list[str] = []
    for draft in Registration.objects.filter(person=registration.person, status=Registration.Status.AWAITING_CONFIRMATION):
        abandoned += _file_names(draft)
        draft.delete()
    # A photo held from an earlier attempt may be the draft's and this one's alike.
    abandoned = [name for name in abandoned if name not in _file_names(registration)]
    if abandoned:
        transaction.on_commit(lambda: delete_files(abandoned))


def _file_names(registration: Registration) -> list[str]:
    names = []
    for name in PHOTO_FIELDS:
        file = getattr(registration, name)
        if file and file.name:
            names.append(str(file.name))
    return names


def sweep_photos(*, older_than: dt.timedelta = SWEEP_AFTER, now: dt.datetime | None = None) -> int:
    """Delete photo files that no registration refers to: left by a crash between writing them and the commit.

    Only files older than `older_than` go: a submission in progress has written its photos but
    not yet committed its row, and must find them there.
    """
    storage = private_storage()
    cutoff = (now or timezone.now()) - older_than
    candidates = set()
    # The clean photos, the uploads waiting for the worker, and those held for a form shown again.
    for directory in (PHOTO_DIR, INCOMING_DIR, HELD_DIR):
        try:
            _dirs, files = storage.listdir(directory)
        except FileNotFoundError:
            continue
        for file_name in files:
            name = f"{directory}/{file_name}"
            try:
                if storage.get_modified_time(name) < cutoff:
                    candidates.add(name)
            except FileNotFoundError:  # deleted meanwhile
                continue
    if not candidates:
        return 0
    # Read after listing: a row committed since the listing still protects its files.
    for names in Registration.objects.values_list(*PHOTO_FIELDS).iterator(chunk_size=2000):
        candidates.difference_update(names)
    delete_files(sorted(candidates))
    return len(candidates)


# ---- photos held for a form shown again -----------------------------------------------------

_HELD_SALT = "enrollment.held_photo"
# Shorter than SWEEP_AFTER: a token never names a file the sweep may already have deleted.
HELD_MAX_AGE = SWEEP_AFTER - dt.timedelta(minutes=10)
HELD_TOKEN_MAX = 400
HELD_FILENAME_MAX = 80


@dataclass(frozen=True)
class HeldPhoto:
    name: str  # in private storage
    filename: str  # as the person's device named it, to show which photo is kept
    token: str


# Files kept for forms shown again, per client address: a script posting broken forms with
# photos cannot fill the disk; past it a person simply picks the photos again.
HOLDS_PER_ADDRESS = Rate("registration_hold_address", 60, dt.timedelta(hours=1))


def may_hold_photos(request: HttpRequest | None) -> bool:
    address = client_ip(request)
    if not address:
        return True
    with transaction.atomic():
        try:
            take(HOLDS_PER_ADDRESS, address)
        except RateLimited:
            return False
    return True


def hold_photo(content: bytes, filename: str) -> HeldPhoto:
    """Keep a checked upload of a form that failed on another field, so it is not asked for again.

    The file is checked as on submission (PhotoError otherwise) and named by a signed token that
    goes back in the page; only that page can use it, for HELD_MAX_AGE.
    """
    check_photo(content)
    name = save_upload(content, HELD_DIR)
    shown = nfc(filename)[:HELD_FILENAME_MAX]
    token = signing.dumps({"n": name, "f": shown}, salt=_HELD_SALT, compress=True)
    return HeldPhoto(name=name, filename=shown, token=token)


def held_photo(token: str) -> HeldPhoto | None:
    """The photo a token of hold_photo names, while it is valid and the file is there."""
    if not token or len(token) > HELD_TOKEN_MAX:
        return None
    try:
        payload = signing.loads(token, salt=_HELD_SALT, max_age=HELD_MAX_AGE)
    except signing.BadSignature:  # also an expired one
        return None
    name, shown = payload.get("n"), payload.get("f", "")
    if not isinstance(name, str) or not name.startswith(f"{HELD_DIR}/") or "/" in name[len(HELD_DIR) + 1 :]:
        return None
    if not private_storage().exists(name):
        return None  # used by a registration since, and made clean
    return HeldPhoto(name=name, filename=str(shown), token=token)


def finish_waiting_photos() -> int:
    """Photos whose worker task was lost are re-encoded by the periodic sweep."""
    return finish_stale()


def resend_otp(reference: str) -> None:
    with transaction.atomic():
        registration = Registration.objects.select_for_update().filter(reference=reference).first()
        if registration is None or registration.status != Registration.Status.AWAITING_CONFIRMATION:
            raise EnrollmentError("not_awaiting_confirmation", _("Hồ sơ này không chờ xác nhận OTP."), status=409)
        _take_otp_budgets(registration.phone, registration.person_id)
        try:
            code = issue_code(OneTimeCode.Purpose.REGISTRATION, _otp_subject(reference))
        except AccountError as exc:
            raise EnrollmentError(exc.code, exc.message, status=exc.status) from exc
        queue_sms(
            to=registration.phone, kind="registration_otp", body=_otp_body(code), secret=code, secret_of=_otp_subject(reference)
        )


def status_url(reference: str) -> str:
    """The status page of a registration, as a link in an SMS (Form 01 can be downloaded there again)."""
    return f"{settings.SITE_URL.rstrip('/')}{reverse('enrollment:status')}?reference={reference}"


def reference_sms(registration: Registration) -> str:
    """The reference, the deadline and the status link in one SMS: the person keeps it after the page is closed."""
    assert registration.deadline is not None  # noqa: S101 - submitted only
    head = f"VssID: Ma ho so {registration.reference}. Nop to khai Mau 01 da ky truoc {registration.deadline:%d/%m/%Y}."
    link = status_url(registration.reference)
    for body in (f"{head} Tra cuu, tai lai to khai: {link}", f"{head} Tra cuu: {link}", head):
        if sms_length(body) <= SMS_MAX_LENGTH:
            return body
    return head[:SMS_MAX_LENGTH]


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
            record_change(
                "registration.confirm",
                acting_user=None,
                object_type="registration",
                object_id=reference,
                person=registration.person_id,
                request=request,
            )
            queue_sms(to=registration.phone, kind="notice", body=reference_sms(registration))
            if registration.email:
                # Rendered and queued by the worker once this commits: rendering takes seconds
                # and must not hold the write lock (on SQLite, the whole database's).
                registration_id = registration.pk
                transaction.on_commit(lambda: send_form01_email.enqueue(registration_id), robust=True)
    if problem is not None:
        raise EnrollmentError(problem.code, problem.message, status=problem.status, fields=problem.fields)
    return registration


# ---- Form 01 ---------------------------------------------------------------------------


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
    """The registration a person asks about by its reference (any case, spaces allowed)."""
    wanted = normalize_reference(reference)
    registration = Registration.objects.select_related("office").filter(reference=wanted).first() if wanted else None
    if registration is None or registration.status == Registration.Status.AWAITING_CONFIRMATION:
        raise EnrollmentError(
            "not_found", _("Không tìm thấy hồ sơ %(reference)s.") % {"reference": wanted or reference[:20]}, status=404
        )
    return registration


# Asking for Form 01 again from the status page: the reference alone is not enough (the form
# holds the person's identity data), so the BHXH code or CCCD number of the file must be typed.
FORM_AGAIN_PER_REFERENCE = (Rate("registration_form_again_reference", 5, dt.timedelta(hours=1)),)
FORM_AGAIN_PER_ADDRESS = (Rate("registration_form_again_address", 20, dt.timedelta(hours=1)),)


def form_again(reference: str, identity: str, *, request: HttpRequest | None = None) -> Registration:
    """The live registration whose BHXH code or CCCD number is `identity`, to download its Form 01 again."""
    registration = public_status(reference)
    address = client_ip(request)
    try:
        with transaction.atomic():
            take_all(FORM_AGAIN_PER_REFERENCE, registration.pk)
            if address:
                take_all(FORM_AGAIN_PER_ADDRESS, address)
    except RateLimited as exc:
        raise EnrollmentError(
            "too_many_attempts",
            _("Đã thử quá nhiều lần. Vui lòng thử lại sau %(wait)s.") % {"wait": _wait(exc)},
            status=429,
        ) from None
    typed = "".join(identity.split())[: CCCD_LENGTH + 1]
    known = [value for value in (registration.ssn, registration.cccd) if value]
    if not typed or not any(hmac.compare_digest(typed, value) for value in known):
        message = _("Mã số BHXH hoặc số CCCD không đúng với hồ sơ này.")
        raise EnrollmentError("identity_mismatch", message, status=400, fields={"identity": [message]})
    if registration.status not in (Registration.Status.SUBMITTED, Registration.Status.RECEIVED) or registration.deadline is None:
        raise EnrollmentError("form_unavailable", _("Hồ sơ này không còn cần tờ khai Mẫu 01."), status=409)
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
    registration = qs.filter(reference=normalize_reference(reference), office_id=user.office_id).first()
    if registration is None or registration.status == Registration.Status.AWAITING_CONFIRMATION:
        raise Http404
    return registration


def search_for_staff(user: User, query: str) -> QuerySet[Registration]:
    q = query.strip()
    qs = Registration.objects.filter(office_id=user.office_id).exclude(status="awaiting_confirmation").select_related("office")
    if not q:
        return qs.none()
    reference = normalize_reference(q)
    if reference.startswith("DK") and len(reference) == 10:
        return qs.filter(reference=reference)
    if q.isdigit() and len(q) in (10, 12):
        return qs.filter(ssn=q) if len(q) == 10 else qs.filter(cccd=q)
    return qs.filter(search_name__contains=fold(q)).order_by("-submitted_at")[:50]  # type: ignore[return-value]


def _record_seen(user: User, registration: Registration, action: str, *, request: HttpRequest | None, **detail: str) -> None:
    """The audit row of a clerk looking at a registration or one of its photos."""
    record(
        action,
        actor=user,
        object_type="registration",
        object_id=registration.reference,
        person=registration.person_id,
        request=request,
        **detail,
    )


def photo_for_staff(user: User, reference: str, which: str, *, request: HttpRequest | None = None) -> tuple[bytes, str]:
    """The photo bytes for a clerk of the office; every view is audited."""
    if which not in PHOTO_FIELDS:
        raise Http404
    registration = get_registration_for_staff(user, reference)
    file = getattr(registration, which)
    # An upload the worker has not re-encoded yet (or could not decode) is never served.
    if registration.photos_pending or not is_clean(file.name):
        raise Http404
    with file.open("rb") as fh:
        content = fh.read()
    _record_seen(user, registration, "registration.photo.view", request=request, photo=which)
    return content, "image/jpeg"


def view_for_staff(user: User, reference: str, *, request: HttpRequest | None = None) -> Registration:
    registration = get_registration_for_staff(user, reference)
    _record_seen(user, registration, "registration.view", request=request)
    return registration


def password_sms_status(registration: Registration) -> Message | None:
    """The password SMS of an approved registration, for the staff panel: the latest one.

    When its delivery was uncertain, the outbox replaced it by a new password under the key
    `account_password:<id>:2`, `:3` …; the clerk needs the state of the one that counts.
    """
    key = f"account_password:{registration.pk}"
    return (
        Message.objects.filter(Q(dedupe_key=key) | Q(dedupe_key__startswith=f"{key}:"))
        .only("status", "attempts", "last_error", "sent_at", "created_at")
        .order_by("-created_at", "-id")
        .first()
    )
