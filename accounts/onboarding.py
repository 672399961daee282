"""Accounts that are given, not registered for: office staff (create_staff command), health
facilities' counters (create_facility_user command) and the HR clerks an office lead invites for
an employer of the office's scope.

Both start with a password someone else chose (the operator's, or one texted by SMS), so both
must change it at first login (User.must_change_password).
"""

from __future__ import annotations

import re

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import AccountError, check_new_password, generate_password
from audit.services import record
from messaging.services import queue_sms
from places.models import HealthFacility, Office
from registry.cardformat import is_cccd
from registry.models import Employer
from vssid.masking import mask_phone
from vssid.phone import InvalidPhone, normalize_phone
from vssid.text import nfc

# Lower-case letters, digits, dot, dash, underscore, with a letter: a plain number would read as a
# BHXH code or a CCCD at login. 30 characters keep the invitation in one SMS.
CLERK_USERNAME = re.compile(r"^(?=.*[a-z])[a-z0-9._-]{3,30}$")
FULL_NAME_MAX_LENGTH = 100


# ---- office staff ------------------------------------------------------------------------------


def create_staff_user(username: str, *, office_code: str, password: str, role: str = User.Role.STAFF) -> User:
    """A clerk (or lead) of an office; the password works once, to log in and replace it."""
    if role not in (User.Role.STAFF, User.Role.LEAD):
        raise AccountError("invalid_role", _("Vai trò phải là cán bộ (staff) hoặc lãnh đạo (lead)."))
    office = Office.objects.filter(code=office_code).first()
    if office is None:
        raise AccountError("unknown_office", _("Không có cơ quan BHXH mã %(code)s.") % {"code": office_code})
    if office.valid_to is not None:
        raise AccountError("office_closed", _("Cơ quan BHXH %(code)s đã ngừng hoạt động.") % {"code": office_code})
    user = User(username=username, role=role, office=office, must_change_password=True)
    _check_username_free(username)
    check_new_password(user, password)
    with transaction.atomic():
        user.password = make_password(password)
        user.save()
        record("account.create", actor="create_staff", object_type="account", object_id=user.pk, role=role, office=office.code)
    return user


# ---- health facilities' counters ---------------------------------------------------------------


def create_facility_user(
    username: str, *, facility_code: str, officer_name: str, officer_cccd: str, password: str, must_change_password: bool = True
) -> User:
    """A facility's card-check login, with the officer the gateway names in each check."""
    facility = HealthFacility.objects.filter(code=facility_code).first()
    if facility is None:
        raise AccountError("unknown_facility", _("Không có cơ sở khám chữa bệnh mã %(code)s.") % {"code": facility_code})
    name = nfc(officer_name or "")
    if not name or len(name) > FULL_NAME_MAX_LENGTH:
        raise AccountError("invalid_officer_name", _("Nhập họ tên cán bộ kiểm tra thẻ (tối đa 100 ký tự)."))
    cccd = (officer_cccd or "").strip()
    if not is_cccd(cccd):
        raise AccountError("invalid_officer_cccd", _("Số CCCD của cán bộ kiểm tra thẻ phải gồm 12 chữ số."))
    user = User(
        username=username,
        role=User.Role.FACILITY,
        facility=facility,
        officer_name=name,
        officer_cccd=cccd,
        must_change_password=must_change_password,
    )
    _check_username_free(username)
    check_new_password(user, password)
    with transaction.atomic():
        user.password = make_password(password)
        user.save()
        record(
            "account.create",
            actor="create_facility_user",
            object_type="account",
            object_id=user.pk,
            role=User.Role.FACILITY,
            facility=facility.code,
        )
    return user


def _check_username_free(username: str) -> None:
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(
            "username_taken",
            _("Tên đăng nhập %(username)s đã được dùng.") % {"username": username},
            status=409,
            fields={"username": [_("Tên đăng nhập này đã được dùng.")]},
        )


# ---- HR clerks invited by an office lead -------------------------------------------------------


def lead_office(user: User | object) -> Office:
    """The office of a lead; anyone else gets a 404."""
    if not isinstance(user, User) or not user.is_authenticated or user.role != User.Role.LEAD or not user.office_id:
        raise Http404
    return Office.objects.get(code=user.office_id)


def employers_for_lead(lead: User) -> QuerySet[Employer]:
    """Employers in the lead's scope: those the office manages and those of its direct children
    (the scope of the campaign dashboard, employers.campaign)."""
    office = lead_office(lead)
    return Employer.objects.filter(Q(office_id=office.code) | Q(office__parent_id=office.code))


def employer_for_lead(lead: User, code: str) -> Employer:
    """One employer of the lead's scope; outside it, or unknown, is the same 404 (nothing leaks)."""
    employer = employers_for_lead(lead).filter(code=(code or "").strip().upper()).first()
    if employer is None:
        raise Http404
    return employer


def invitation_sms(employer: Employer, username: str, password: str) -> str:
    return (
        f"VssID: Tai khoan nhan su DV {employer.code}: ten dang nhap {username}, mat khau {password}. "
        "Hay doi mat khau khi dang nhap lan dau."
    )


def invite_hr_clerk(
    lead: User, *, employer_code: str, username: str, full_name: str, phone: str, request: HttpRequest | None = None
) -> User:
    """Create an HR clerk's login for an employer of the lead's scope and text the password (SMS kind account_password).

    Raises Http404 for an employer outside the scope, AccountError for a bad or taken user name or
    phone number. The clerk must change the password at first login.
    """
    try:
        employer = employer_for_lead(lead, employer_code)
    except Http404:
        raise AccountError(
            "employer_not_in_scope",
            _("Không tìm thấy đơn vị này trong phạm vi cơ quan BHXH của bạn."),
            status=404,
            fields={"employer_code": [_("Không tìm thấy đơn vị này trong phạm vi cơ quan BHXH của bạn.")]},
        ) from None
    username = (username or "").strip().lower()
    if not CLERK_USERNAME.match(username):
        raise AccountError(
            "invalid_username",
            _("Tên đăng nhập gồm 3–30 chữ thường không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới, có ít nhất một chữ."),
            fields={"username": [_("Tên đăng nhập không hợp lệ.")]},
        )
    name = nfc(full_name or "")
    if not name or len(name) > FULL_NAME_MAX_LENGTH:
        raise AccountError("invalid_name", _("Nhập họ tên (tối đa 100 ký tự)."), fields={"full_name": [_("Nhập họ tên.")]})
    try:
        e164 = normalize_phone(phone)
    except InvalidPhone:
        raise AccountError(
            "invalid_phone",
            _("Số điện thoại di động không hợp lệ."),
            fields={"phone": [_("Số điện thoại di động không hợp lệ.")]},
        ) from None
    family, _sep, given = name.rpartition(" ")
    password = generate_password()
    with transaction.atomic():
        _check_username_free(username)
        clerk = User.objects.create(
            username=username,
            role=User.Role.EMPLOYER,
            employer=employer,
            first_name=given,
            last_name=family,
            password=make_password(password),
            must_change_password=True,
        )
        # Kind account_password (not invitation, which is the employers' invitation of workers): a
        # generated password, which the outbox's reissuer for that kind replaces should its delivery
        # become uncertain (accounts.reissue, registered in AccountsConfig.ready).
        queue_sms(
            to=e164,
            kind="account_password",
            body=invitation_sms(employer, username, password),
            secret=password,
            secret_of=f"user:{clerk.pk}",
        )
        record(
            "account.invite_hr",
            actor=lead,
            object_type="account",
            object_id=clerk.pk,
            request=request,
            employer=employer.code,
            username=username,
            phone=mask_phone(e164),
        )
    return clerk
