"""The card check of a hospital counter: one service behind the page, the JSON API, the
gateway-compatible doors and FHIR (domain.md §3.9, design.md §6).

A check names a card (card number, the 10-digit BHXH code or the CCCD, or a scanned QR), the
holder's name and date of birth, and the checking officer (name and CCCD, CV 1923/BHXH-CNTT). The
answer is the gateway's: `maKetQua` from the register's real state, `ghiChu`, and — only when the
card and holder matched — the card, the newer card and the last visits. There is no look-up by
name: the card is always named, the name and date of birth only confirm it.

Every check is counted against the facility login's and the card's budgets, audited (the citizen
sees it in "who viewed my data") and, unless the citizen switched it off, notified.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import user_for_access_token
from audit.models import AuditEvent
from audit.services import audit_event
from counter import codes, register
from counter.models import CheckNoticeOptOut
from counter.register import Card, Holder, Period, Snapshot
from registry.cardformat import CheckStatus, FormatError, parse_card_number, verify_card_qr
from registry.cardkeys import published_jwks
from registry.models import HealthCard
from support.models import Notification
from vssid import ratelimit
from vssid.db import inserts
from vssid.db.hot import fetch_all
from vssid.errors import DomainError
from vssid.ratelimit import Rate
from vssid.text import fold

# A busy counter checks a card every minute or two, a hospital's software may check a ward's
# patients in a burst; a login far beyond that is a script harvesting the register. A card checked
# more than a few times an hour, anywhere, is someone trying names or dates of birth on it.
USER_RATES: Final = (
    Rate("card_check_user_minute", 60, dt.timedelta(minutes=1)),
    Rate("card_check_user_day", 5000, dt.timedelta(days=1)),
)
CARD_RATE: Final = Rate("card_check_card_hour", 20, dt.timedelta(hours=1))

MAX_TEXT: Final = 100
MAX_QR: Final = 2000
VISITS_SHOWN: Final = register.VISITS_SHOWN
CHECK_ACTION: Final = "card.check"

_DATE_RE: Final = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_YEAR_RE: Final = re.compile(r"\d{4}")
_CCCD_RE: Final = re.compile(r"\d{12}")
_SSN_RE: Final = re.compile(r"\d{10}")
_SPACES: Final = re.compile(r"\s+")

# The fund's share by benefit level (domain.md §3.4): levels 1, 2 and 5 pay in full.
SHARE_BY_LEVEL: Final = {1: 100, 2: 100, 3: 95, 4: 80, 5: 100}
# Cards of these groups are managed by the Defence and Police ministries' own BHXH (codes 001/002).
_MINISTRY_GROUPS: Final = {"QN": codes.DEFENCE, "CY": codes.DEFENCE, "CA": codes.POLICE}


class CardCheckError(DomainError):
    """A check that could not be made: bad parameters (205) or an unverifiable QR.

    `result_code` is the gateway's maKetQua for the same refusal (its doors answer with it).
    """

    api_input_status = 422

    def __init__(
        self,
        code: str,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        result_code: str | None = codes.BAD_PARAMETERS,
        status: int = 400,
    ) -> None:
        super().__init__(code, message, status=status, fields=fields)
        self.result_code = result_code


# ---- input ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BirthDate:
    """A date of birth as the gateway takes it: dd/MM/yyyy, or yyyy when only the year is known."""

    year: int
    month: int | None = None
    day: int | None = None


@dataclass(frozen=True)
class CheckInput:
    card: str
    """Card number (15), BHXH code (10) or CCCD (12), upper-cased and stripped."""
    name: str
    birth: BirthDate
    officer_name: str
    officer_cccd: str
    from_qr: bool = False


def _text(data: Mapping[str, Any], key: str, errors: dict[str, list[str]], *, limit: int = MAX_TEXT) -> str:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.setdefault(key, []).append(_("Trường này là bắt buộc."))
        return ""
    if not isinstance(value, str):
        errors.setdefault(key, []).append(_("Cần một chuỗi ký tự."))
        return ""
    if "\x00" in value:
        errors.setdefault(key, []).append(_("Không được chứa ký tự NUL."))
        return ""
    value = _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()
    if len(value) > limit:
        errors.setdefault(key, []).append(_("Tối đa %(count)s ký tự.") % {"count": limit})
        return ""
    return value


def parse_birth_date(text: str) -> BirthDate | None:
    """dd/MM/yyyy or yyyy; None for anything else (yyyy-MM-dd, d/M/yy, a real date that is not one)."""
    if _YEAR_RE.fullmatch(text):
        year = int(text)
        return BirthDate(year) if 1900 <= year <= 2100 else None
    m = _DATE_RE.fullmatch(text)
    if m is None:
        return None
    day, month, year = (int(g) for g in m.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return BirthDate(year, month, day) if 1900 <= year <= 2100 else None


def _officer(data: Mapping[str, Any], errors: dict[str, list[str]]) -> tuple[str, str]:
    name = _text(data, "hoTenCb", errors)
    cccd = _text(data, "cccdCb", errors)
    if cccd and not _CCCD_RE.fullmatch(cccd):
        errors.setdefault("cccdCb", []).append(_("Số CCCD của cán bộ gồm 12 chữ số."))
    return name, cccd


def _bad(errors: dict[str, list[str]]) -> CardCheckError:
    return CardCheckError("bad_parameters", str(codes.meaning(codes.BAD_PARAMETERS)) + ".", fields=errors)


def parse_check_input(data: Mapping[str, Any]) -> CheckInput:
    """The check's parameters from a request body ({maThe, hoTen, ngaySinh, …} or {qr, …}).

    Raises CardCheckError (205) naming every field at fault, or one of the QR refusals.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(data, Mapping):
        raise _bad({"_": [_("Nội dung gửi lên phải là một đối tượng JSON.")]})
    officer_name, officer_cccd = _officer(data, errors)
    qr = data.get("qr")
    if qr not in (None, ""):
        if not isinstance(qr, str) or len(qr) > MAX_QR:
            errors.setdefault("qr", []).append(_("Mã QR tối đa %(count)s ký tự.") % {"count": MAX_QR})
        if errors:
            raise _bad(errors)
        card, name, scanned_birth = _from_qr(str(qr))
        return CheckInput(card, name, scanned_birth, officer_name, officer_cccd, from_qr=True)
    card = _text(data, "maThe", errors, limit=20).upper().replace(" ", "")
    if card:
        card = _card_code(card, errors)
    name = _text(data, "hoTen", errors)
    birth_text = _text(data, "ngaySinh", errors, limit=10)
    birth = parse_birth_date(birth_text) if birth_text else None
    if birth_text and birth is None:
        errors.setdefault("ngaySinh", []).append(_("Ngày sinh theo dạng dd/MM/yyyy (ví dụ 03/11/1992) hoặc chỉ năm yyyy."))
    if errors or birth is None:
        raise _bad(errors)
    return CheckInput(card, name, birth, officer_name, officer_cccd)


def _card_code(card: str, errors: dict[str, list[str]]) -> str:
    """A card is named by its number (15), BHXH code (10) or CCCD (12); anything else is 205."""
    if (len(card) in (10, 12) and card.isdigit()) or len(card) == 15:
        return card
    errors.setdefault("maThe", []).append(
        _("Mã thẻ gồm 15 ký tự (ví dụ DN4010198765432), hoặc mã số BHXH 10 chữ số, hoặc số CCCD 12 chữ số.")
    )
    return ""


def _from_qr(payload: str) -> tuple[str, str, BirthDate]:
    result = verify_card_qr(payload, published_jwks())
    if result.status is CheckStatus.MALFORMED or result.card is None:
        error = result.error
        raise CardCheckError(
            "qr_malformed",
            _("Không đọc được mã QR của thẻ BHYT: %(reason)s") % {"reason": _qr_reason(error)},
            fields={"qr": [_("Mã QR không đúng định dạng thẻ BHYT.")]},
        )
    card = result.card
    if result.status is CheckStatus.BAD_SIGNATURE:
        raise CardCheckError(
            "qr_signature_invalid",
            _("Chữ ký của mã QR không hợp lệ: nội dung đã bị thay đổi hoặc không do BHXH phát hành. Không sử dụng được thẻ này."),
            fields={"qr": [_("Chữ ký không hợp lệ.")]},
        )
    if result.status is CheckStatus.UNKNOWN_KID:
        raise CardCheckError(
            "qr_unknown_key",
            _("Mã QR được ký bằng khóa %(kid)s không có trong danh sách khóa công bố: không xác minh được thẻ.")
            % {"kid": result.kid},
            fields={"qr": [_("Khóa ký không xác định.")]},
        )
    birth = BirthDate(card.date_of_birth.year, card.date_of_birth.month, card.date_of_birth.day)
    if result.status is CheckStatus.NOT_OURS:
        # A real card's payload (or another issuer's): it parses, but its check value is not a
        # signature we can verify; the counter may still check the card by number, name and date.
        raise CardCheckError(
            "qr_not_verifiable",
            _(
                "Mã QR đọc được (thẻ %(card)s, %(name)s, sinh %(birth)s) nhưng không mang chữ ký của VssID nên không xác minh "
                "được tại đây. Hãy kiểm tra bằng mã thẻ, họ tên và ngày sinh."
            )
            % {"card": card.card_code, "name": card.full_name, "birth": card.date_of_birth.format()},
            fields={"maThe": [card.card_code], "hoTen": [card.full_name], "ngaySinh": [card.date_of_birth.format()]},
        )
    return card.card_code, card.full_name, birth


def _qr_reason(error: FormatError | None) -> str:
    if error is None:
        return _("nội dung không đầy đủ.")
    if error.field is not None:
        return _("trường số %(field)s không hợp lệ.") % {"field": error.field}
    return _("thiếu trường hoặc thiếu ký tự kết thúc.")


# ---- the answer -------------------------------------------------------------------------------


@dataclass
class CheckAnswer:
    """The gateway's answer (field names as in domain.md §3.9) and what the page shows besides."""

    code: str
    note: str
    card: dict[str, Any] = field(default_factory=dict)
    visits: list[dict[str, Any]] = field(default_factory=list)
    checked_by: str = ""
    checked_at: str = ""
    person_id: int | None = None

    @property
    def usable(self) -> bool:
        return self.code in codes.USABLE

    def as_gateway(self) -> dict[str, Any]:
        out: dict[str, Any] = {"maKetQua": self.code, "ghiChu": self.note}
        out.update(self.card or _EMPTY_CARD)
        out["dsLichSuKCB"] = self.visits
        out["userKT"] = self.checked_by
        out["thoiGianKT"] = self.checked_at
        return out


_CARD_KEYS: Final = (
    "maThe", "hoTen", "ngaySinh", "gioiTinh", "diaChi", "maDKBD", "tenDKBD", "cqBHXH", "gtTheTu", "gtTheDen", "maKV",
    "ngayDu5Nam", "maSoBHXH", "mucHuong", "tyLeHuong", "maTheCu", "maTheMoi", "gtTheTuMoi", "gtTheDenMoi", "maDKBDMoi",
    "tenDKBDMoi", "TEMP1", "TEMP2",
)  # fmt: skip
"""Every card field of the answer, present (null when empty) whatever the code, so clients can rely on the shape."""
_EMPTY_CARD: Final = dict.fromkeys(_CARD_KEYS)


def _d(value: dt.date | None) -> str | None:
    return value.strftime("%d/%m/%Y") if value else None


def _same_name(typed: str, registered: str) -> bool:
    return (
        _SPACES.sub(" ", typed).strip().casefold()
        == _SPACES.sub(" ", unicodedata.normalize("NFC", registered)).strip().casefold()
    )


def _first_letter_matches(typed: str, registered: str) -> bool:
    a, b = fold(typed), fold(registered)
    return bool(a) and bool(b) and a[0] == b[0]


def _birth_matches(birth: BirthDate, holder: Holder) -> bool:
    if birth.year != holder.birth_year:
        return False
    if birth.month is None or holder.birth_month is None or holder.birth_day is None:
        return True  # only the year is known on one side: the year decides
    return (birth.month, birth.day) == (holder.birth_month, holder.birth_day)


_ACTIVE: Final = HealthCard.Status.ACTIVE.value
_KNOWN_STATUSES: Final = frozenset(HealthCard.Status.values)


def _match_card(card: str, cards: list[Card]) -> tuple[Card | None, str | None]:
    """The card named, or the code of how the number is wrong (051/052/053)."""
    if len(card) != 15:  # a BHXH code or CCCD names the person: their card in use, else their latest
        active = [c for c in cards if c.status == _ACTIVE]
        return (active or cards)[0], None
    for c in cards:
        if c.number == card:
            return c, None
    try:
        parsed = parse_card_number(card)
    except FormatError:
        return None, codes.WRONG_CODE
    reference = next((c for c in cards if c.status == _ACTIVE), cards[0])
    if parsed.group != reference.participant_group:
        return None, codes.WRONG_CODE
    if parsed.province_code != reference.province_id:
        return None, codes.WRONG_PROVINCE
    if parsed.level != reference.level:
        return None, codes.WRONG_LEVEL
    return None, codes.WRONG_CODE


def _data_error(holder: Holder, card: Card) -> bool:
    """A register record no answer can be built on (100): a holder without a name, a card in a state the register does not know.

    The database's constraints keep most such records out; these two are left to the data itself.
    """
    return not holder.full_name.strip() or card.status not in _KNOWN_STATUSES


def _newer_card(card: Card, cards: list[Card]) -> Card | None:
    later = [c for c in cards if c.id != card.id and c.valid_from >= card.valid_from and c.status == _ACTIVE]
    return later[0] if later else None


def _reduction_code(periods: list[Period], card: Card) -> str:
    """120–124 from the person's BHYT participation: how the period behind the card ended, and what came after."""
    ended = [p for p in periods if p.to_month is not None and p.to_month >= card.valid_from.replace(day=1)]
    if not ended:
        ended = [p for p in periods if p.to_month is not None]
    if not ended:
        return codes.REDUCED
    stopped = min(ended, key=lambda p: p.to_month or dt.date.max)
    assert stopped.to_month is not None  # noqa: S101 - filtered above
    after = [p for p in periods if p.from_month > stopped.to_month]
    if not after:
        return codes.REDUCED_STOPPED
    resumed = after[0]
    if stopped.employer_code is None or resumed.employer_code is None:
        return codes.REDUCED
    if resumed.employer_code == stopped.employer_code:
        return codes.REDUCED_READDED
    if resumed.employer_province != stopped.employer_province:
        return codes.REDUCED_MOVED_OUT
    return codes.REDUCED_MOVED_WITHIN


def _state_code(register: Snapshot, card: Card, newer: Card | None, today: dt.date) -> str:
    if card.status == HealthCard.Status.WITHDRAWN:
        return codes.WITHDRAWN
    if card.status == HealthCard.Status.REDUCED:
        return _reduction_code(register.bhyt_periods or [], card)
    expired = card.valid_to is not None and card.valid_to < today
    if card.status == HealthCard.Status.REPLACED or newer is not None:
        return codes.NEW_CARD_OLD_EXPIRED if expired else codes.NEW_CARD_OLD_VALID
    if expired:
        return codes.EXPIRED
    ministry = _MINISTRY_GROUPS.get(card.participant_group)
    return ministry or codes.OK


def _address(holder: Holder) -> str:
    parts = [holder.street.strip(), holder.ward_name or "", holder.province_name]
    return ", ".join(p for p in parts if p)


def _card_fields(register: Snapshot, card: Card, newer: Card | None) -> dict[str, Any]:
    holder = register.holder
    employer_code, employer_name = register.employer or (None, None)
    out: dict[str, Any] = dict.fromkeys(_CARD_KEYS)
    out.update(
        {
            "maThe": card.number,
            "hoTen": holder.full_name,
            "ngaySinh": holder.date_of_birth_display,
            "gioiTinh": _("Nam") if holder.sex == 1 else _("Nữ"),
            "diaChi": _address(holder),
            "maDKBD": card.facility_code,
            "tenDKBD": card.facility_name,
            "cqBHXH": _("BHXH %(province)s") % {"province": card.province_name},
            "gtTheTu": _d(card.valid_from),
            "gtTheDen": _d(card.valid_to),
            "maKV": card.live_area or None,
            "ngayDu5Nam": _d(card.five_year_date),
            "maSoBHXH": holder.ssn,
            "mucHuong": card.level,
            "tyLeHuong": SHARE_BY_LEVEL.get(card.level),
            "TEMP1": employer_code,
            "TEMP2": employer_name,
        }
    )
    if newer is not None:
        out.update(
            {
                "maTheCu": card.number,
                "maTheMoi": newer.number,
                "gtTheTuMoi": _d(newer.valid_from),
                "gtTheDenMoi": _d(newer.valid_to),
                "maDKBDMoi": newer.facility_code,
                "tenDKBDMoi": newer.facility_name,
            }
        )
    return out


def _visits(register: Snapshot) -> list[dict[str, Any]]:
    inpatient, outpatient = _("Nội trú"), _("Ngoại trú")
    return [
        {
            "maHoSo": str(visit_id),
            "maCSKCB": facility_code,
            "tenCSKCB": facility_name,
            "ngayVao": admitted,
            "ngayRa": discharged,
            "tenBenh": f"{icd} - {diagnosis}",
            "tinhTrang": inpatient if is_inpatient else outpatient,
            "kqDieuTri": None,
            "lyDoVV": None,
        }
        for visit_id, facility_code, facility_name, admitted, discharged, icd, diagnosis, is_inpatient in register.visits
    ]


# ---- the check ----------------------------------------------------------------------------------


def facility_user(user: Any) -> User:
    """The facility login making a check; anyone else is refused (403), whatever their rights elsewhere."""
    if not isinstance(user, User) or not user.is_authenticated or user.role != User.Role.FACILITY or user.facility_id is None:
        raise DomainError("forbidden", _("Chức năng này chỉ dành cho cơ sở khám chữa bệnh."), status=403)
    return user


def _officer_code(user: User, name: str, cccd: str) -> str | None:
    """054 when no active login of this facility has the officer's CCCD, 055 when the name differs."""
    if cccd == user.officer_cccd:
        registered = user.officer_name
    else:
        found = (
            User.objects.filter(role=User.Role.FACILITY, facility_id=user.facility_id, officer_cccd=cccd, is_active=True)
            .values_list("officer_name", flat=True)
            .first()
        )
        if found is None:
            return codes.OFFICER_UNKNOWN
        registered = found
    return None if fold(registered) == fold(name) else codes.OFFICER_NAME


def limited(exc: ratelimit.RateLimited) -> CardCheckError:
    return CardCheckError(
        "too_many_requests",
        _("Quá nhiều lần kiểm tra: hãy thử lại sau %(minutes)s phút.") % {"minutes": exc.retry_minutes},
        result_code=None,
        status=429,
    )


@dataclass(frozen=True)
class PreRead:
    """A check's parameters and the register as it saw them, read with the login's token (read_with_token)."""

    query: CheckInput
    found: Snapshot | None


def check_input_of_body(body: bytes) -> CheckInput | None:
    """The check's parameters from a raw JSON body, or None for any body the check would refuse.

    For a guard that reads the register in the token's round trip: a refusal is not its to give
    (the endpoint gives it, after authentication), so it only needs to know when there is nothing to read.
    """
    try:
        data = json.loads(body)
        return parse_check_input(data) if isinstance(data, dict) else None
    except (ValueError, CardCheckError):
        return None


def pre_read(token: str, body: bytes) -> tuple[User, PreRead | None] | None:
    """The user of a live token and, for a well-formed check by a facility login, the register for it.

    None when the token is not live. One round trip (counter.register.read_with_token).
    """
    query = check_input_of_body(body)
    if query is None:
        user = user_for_access_token(token)
        return None if user is None else (user, None)
    found = register.read_with_token(token, query.card)
    if found is None:
        return None
    user, snapshot = found
    return user, PreRead(query, snapshot)


def check_card(
    user: Any,
    data: Mapping[str, Any],
    *,
    request: HttpRequest | None = None,
    today: dt.date | None = None,
    read: PreRead | None = None,
) -> CheckAnswer:
    """Check a card for a facility login (module docstring); raises CardCheckError (205, QR refusals, 429).

    `read`: the same body's parameters and register, already read by pre_read (the API's guard).
    """
    user = facility_user(user)
    try:
        return _check_card(user, data, request=request, today=today, read=read)
    except ratelimit.RateLimited as exc:
        raise limited(exc) from None


@dataclass
class _Decision:
    answer: CheckAnswer
    notice_account: int | None = None
    facility_name: str | None = None


def _check_card(
    user: User, data: Mapping[str, Any], *, request: HttpRequest | None, today: dt.date | None, read: PreRead | None
) -> CheckAnswer:
    query = read.query if read is not None else parse_check_input(data)
    today = today or timezone.localdate()
    now = timezone.now()
    decision = _decide(user, query, today, read)
    answer = decision.answer
    answer.checked_by = user.get_username()
    answer.checked_at = timezone.localtime(now).strftime("%d/%m/%Y %H:%M:%S")
    # The budgets are taken (and refused) with the audit row and the notification, before any answer leaves.
    budgets: list[ratelimit.Budget] = [(rate, user.pk) for rate in USER_RATES]
    budgets.append((CARD_RATE, answer.person_id or query.card))
    event = audit_event(
        CHECK_ACTION,
        actor=user,
        object_type="card",
        object_id=answer.card.get("maThe") or query.card[-10:],
        person=answer.person_id,
        request=request,
        facility=user.facility_id,
        result=answer.code,
        qr=query.from_qr,
    )
    note = None
    if decision.notice_account is not None and answer.code not in codes.NO_DETAILS:
        note = _notice(decision.notice_account, decision.facility_name or user.facility_id or "", now)
    if connection.vendor == "postgresql":
        _write_in_one_statement(budgets, event, note, now)
    else:
        with transaction.atomic():
            ratelimit.take_each(budgets, now=now)
            event.save(force_insert=True)
            if note is not None:
                note.save(force_insert=True)
    return answer


def _decide(user: User, query: CheckInput, today: dt.date, read: PreRead | None) -> _Decision:
    officer = _officer_code(user, query.officer_name, query.officer_cccd)
    if officer is not None:
        return _Decision(CheckAnswer(officer, codes.meaning(officer)))
    found = read.found if read is not None else register.read(query.card, facility_code=user.facility_id)
    if found is None or not found.cards:
        return _Decision(CheckAnswer(codes.NO_CARD, codes.meaning(codes.NO_CARD)))
    holder = found.holder

    def answer(code: str, **more: Any) -> _Decision:
        return _Decision(
            CheckAnswer(code, more.pop("note", None) or codes.meaning(code), person_id=holder.id, **more),
            found.notice_account,
            found.checking_facility,
        )

    card, wrong = _match_card(query.card, found.cards)
    if card is None:
        assert wrong is not None  # noqa: S101 - _match_card returns one or the other
        return answer(wrong)
    if _data_error(holder, card):
        return answer(codes.DATA_ERROR)
    if not _same_name(query.name, holder.full_name):
        return answer(codes.WRONG_NAME_INITIAL_OK if _first_letter_matches(query.name, holder.full_name) else codes.WRONG_NAME)
    if not _birth_matches(query.birth, holder):
        return answer(codes.WRONG_BIRTH)
    newer = _newer_card(card, found.cards) if card.status != _ACTIVE else None
    code = _state_code(found, card, newer, today)
    note = None
    if code == codes.OK and card.valid_to is None:
        note = _("Thẻ hợp lệ (thẻ không ghi ngày hết hạn: còn giá trị khi đơn vị còn đóng BHYT)")
    return answer(code, note=note, card=_card_fields(found, card, newer), visits=_visits(found))


def _notice(account: int, facility: str, now: dt.datetime) -> Notification:
    text = _("%(facility)s đã kiểm tra thẻ BHYT của bạn lúc %(time)s.") % {
        "facility": facility,
        "time": timezone.localtime(now).strftime("%H:%M %d/%m/%Y"),
    }
    return Notification(user_id=account, kind=Notification.Kind.NOTICE, text=text[:300], link="/tai-khoan/ai-da-xem/")


def _write_in_one_statement(
    budgets: Sequence[ratelimit.Budget],
    event: AuditEvent,
    note: Notification | None,
    now: dt.datetime,
    *,
    without_flush: bool | None = None,
) -> None:
    """The budgets, the audit row and the notification in one statement, so in one transaction of its own.

    The audit row and the notification are inserted only when every budget allowed the check
    (ratelimit.taking): a refused check leaves no trace but its refusal, as before, and a counted
    one always has its audit row — nothing is queued in the process, where a crash would lose it.

    Its commit does not wait for the WAL flush (synchronous_commit off for this transaction
    alone): a crash of the database server can lose the last fraction of a second of checks —
    never corrupt anything — while every check stops waiting for a disk flush (on a busy disk the
    check's throughput was a fraction of a read's). Inside a caller's transaction its commit keeps
    the server's setting.
    """
    plan = ratelimit.taking(budgets, now=now)
    rows = [
        inserts.Row(name, row, where=plan.granted)
        for name, row in (("audit_row", event), ("notice_row", note))
        if row is not None
    ]
    inserted, values = inserts.ctes(rows)
    sql = f"WITH {plan.ctes}, {inserted} SELECT key, count, refused_until FROM {ratelimit.OUTCOME}"  # noqa: S608
    sql += ratelimit.where_without_flush(without_flush)
    plan.outcome(fetch_all(sql, [*plan.params, *values]), now)


# ---- the citizen's switch -----------------------------------------------------------------------


def check_notices_on(user: User) -> bool:
    return not CheckNoticeOptOut.objects.filter(user=user).exists()


def set_check_notices(user: User, *, on: bool) -> None:
    """The citizen's choice: a notification each time a facility checks the card, or none."""
    if user.role != User.Role.CITIZEN:
        raise DomainError("forbidden", _("Chức năng này chỉ dành cho người tham gia BHXH."), status=403)
    if on:
        CheckNoticeOptOut.objects.filter(user=user).delete()
    else:
        CheckNoticeOptOut.objects.get_or_create(user=user)
