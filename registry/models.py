"""The insurance register: people, employers, participation, health cards, benefits, visits.

Formats are enforced by check constraints as well as by forms, so a bulk load or a bug in a
service cannot put a malformed BHXH code or CCCD into the register (issue: "formats in the
database too").
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from places.models import HealthFacility, Office, Province, Ward
from registry.cardformat import LEVELS_BY_GROUP, FormatError, build_card_number
from registry.identity import CCCD_REGEX, SSN_REGEX
from vssid.phone import PHONE_E164_REGEX
from vssid.text import fold

EMPLOYER_CODE_REGEX = r"^([0-9]{10}[A-Z]{2}[A-Z][0-9]{2}|[0-9]{7}[A-Z]{2})$"
CARD_NUMBER_REGEX = r"^[A-Z]{2}[1-5][0-9]{2}[0-9]{10}$"


class Sex(models.IntegerChoices):
    MALE = 1, "Nam"
    FEMALE = 2, "Nữ"


class Employer(models.Model):
    """A unit that pays compulsory contributions (đơn vị sử dụng lao động), coded per CV 1804."""

    code = models.CharField(max_length=15, primary_key=True, help_text="ĐD + ĐT + LH, e.g. 0123456789DNA03.")
    name = models.CharField(max_length=200)
    search_name = models.CharField(max_length=200, editable=False, default="")
    participant_group = models.CharField(max_length=2, help_text="BHYT group of its workers (DN, HC, …).")
    address = models.CharField(max_length=255, blank=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", db_index=False)
    ward = models.ForeignKey(Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="employers", help_text="Managing office.", db_index=False
    )
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["office"], name="employer_office"), models.Index(fields=["ward"], name="employer_ward")]
        constraints = [models.CheckConstraint(condition=Q(code__regex=EMPLOYER_CODE_REGEX), name="employer_code_format")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


def birth_display(year: int, month: int | None, day: int | None) -> str:
    """A date of birth as the register knows it: dd/MM/yyyy, MM/yyyy or the year alone."""
    if month and day:
        return f"{day:02d}/{month:02d}/{year}"
    if month:
        return f"{month:02d}/{year}"
    return str(year)


class Person(models.Model):
    ssn = models.CharField("mã số BHXH", max_length=10)
    cccd = models.CharField("số CCCD", max_length=12)
    full_name = models.CharField(max_length=100)
    search_name = models.CharField(max_length=100, editable=False, db_index=False, default="")
    # Old records often know only the year of birth; month and day are then empty.
    birth_year = models.PositiveSmallIntegerField()
    birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.PositiveSmallIntegerField(choices=Sex.choices)
    street = models.CharField(max_length=255, blank=True)
    ward = models.ForeignKey(Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", db_index=False)
    phone = models.CharField(max_length=12, blank=True, help_text="E.164, +84…")
    email = models.EmailField(blank=True)
    died_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "people"
        # Declared here rather than with unique=True/db_index=True: on PostgreSQL those add a second
        # "_like" index per column, which a 90-million-row register pays for on every insert.
        indexes = [models.Index(fields=["ward"], name="person_ward"), models.Index(fields=["phone"], name="person_phone")]
        constraints = [
            models.UniqueConstraint(fields=["ssn"], name="person_ssn_unique"),
            models.UniqueConstraint(fields=["cccd"], name="person_cccd_unique"),
            models.CheckConstraint(condition=Q(ssn__regex=SSN_REGEX), name="person_ssn_10_digits"),
            models.CheckConstraint(condition=Q(cccd__regex=CCCD_REGEX), name="person_cccd_12_digits"),
            models.CheckConstraint(condition=Q(sex__in=[1, 2]), name="person_sex_1_or_2"),
            models.CheckConstraint(condition=Q(phone="") | Q(phone__regex=PHONE_E164_REGEX), name="person_phone_e164"),
            models.CheckConstraint(condition=Q(birth_year__gte=1900, birth_year__lte=2100), name="person_birth_year"),
            models.CheckConstraint(
                condition=(Q(birth_month__isnull=True) & Q(birth_day__isnull=True))
                | (
                    # isnull=False spelled out: a comparison with NULL is NULL, which a CHECK accepts.
                    Q(birth_month__isnull=False, birth_month__gte=1, birth_month__lte=12)
                    & (Q(birth_day__isnull=True) | (Q(birth_day__gte=1) & Q(birth_day__lte=31)))
                ),
                name="person_birth_date_parts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.ssn})"

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_name = fold(self.full_name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def date_of_birth(self) -> dt.date | None:
        if self.birth_month and self.birth_day:
            return dt.date(self.birth_year, self.birth_month, self.birth_day)
        return None

    @property
    def date_of_birth_display(self) -> str:
        return birth_display(self.birth_year, self.birth_month, self.birth_day)


class Scheme(models.TextChoices):
    BHXH = "bhxh", "BHXH"
    BHTN = "bhtn", "BHTN"
    BHYT = "bhyt", "BHYT"
    BHTNLD = "bhtnld", "BHTNLĐ-BNN"


class ParticipationPeriod(models.Model):
    """One row of "Quá trình tham gia": a run of months in one scheme at one salary basis."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="periods", db_index=False)
    scheme = models.CharField(max_length=6, choices=Scheme.choices)
    from_month = models.DateField(help_text="First day of the first month.")
    to_month = models.DateField(null=True, blank=True, help_text="First day of the last month; empty = ongoing.")
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="periods", db_index=False
    )
    position = models.CharField(max_length=120, blank=True)
    salary_basis = models.BigIntegerField(default=0, help_text="VND per month.")
    currency = models.CharField(max_length=3, default="VND")
    voluntary = models.BooleanField(default=False)
    participant_group = models.CharField(max_length=2, blank=True)
    late_months = models.PositiveSmallIntegerField(default=0, help_text="Months of this period paid late.")

    class Meta:
        ordering = ["person", "scheme", "from_month"]
        indexes = [
            models.Index(fields=["person", "scheme", "from_month"], name="period_person_scheme"),
            models.Index(fields=["employer", "to_month"], name="period_employer"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(scheme__in=[s.value for s in Scheme]), name="period_scheme_known"),
            models.CheckConstraint(
                condition=Q(to_month__isnull=True) | Q(to_month__gte=F("from_month")), name="period_months_ordered"
            ),
            models.CheckConstraint(condition=Q(salary_basis__gte=0), name="period_salary_not_negative"),
            models.CheckConstraint(
                condition=Q(voluntary=False) | Q(employer__isnull=True), name="period_voluntary_has_no_employer"
            ),
        ]

    def months(self, today: dt.date | None = None) -> int:
        end = self.to_month or (today or timezone.localdate()).replace(day=1)
        return (end.year - self.from_month.year) * 12 + end.month - self.from_month.month + 1


def _levels_for_groups() -> Q:
    """CHECK: the level is one its group carries (cardformat.LEVELS_BY_GROUP), so the group is a known one."""
    by_level: dict[int, list[str]] = {}
    for group, levels in LEVELS_BY_GROUP.items():
        for level in levels:
            by_level.setdefault(level, []).append(group)
    condition = Q()
    for level, groups in sorted(by_level.items()):
        condition |= Q(level=level, participant_group__in=sorted(groups))
    return condition


class HealthCard(models.Model):
    """A BHYT card. Its number is built from its own columns and its holder's BHXH code
    (domain.md §3.3): the database checks the group, level and province parts against the columns,
    the level against the group, and the province through its foreign key; `clean` (and so every
    form and the admin) also checks the BHXH-code part against the holder, which a CHECK cannot
    see across tables."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Đang sử dụng"
        REPLACED = "replaced", "Đã cấp thẻ mới"
        WITHDRAWN = "withdrawn", "Thu hồi"
        REDUCED = "reduced", "Báo giảm"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="cards")
    number = models.CharField(max_length=15, help_text="Group + level + province + BHXH code.")
    participant_group = models.CharField(max_length=2)
    level = models.PositiveSmallIntegerField()
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", db_index=False)
    live_area = models.CharField(max_length=2, blank=True, help_text="K1, K2 or K3.")
    initial_facility = models.ForeignKey(HealthFacility, on_delete=models.PROTECT, related_name="cards", db_index=False)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    five_year_date = models.DateField(null=True, blank=True)
    issue_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        ordering = ["person", "-valid_from"]
        indexes = [
            models.Index(fields=["number"], name="card_number"),
            models.Index(fields=["initial_facility"], name="card_facility"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(number__regex=CARD_NUMBER_REGEX), name="card_number_format"),
            models.CheckConstraint(condition=_levels_for_groups(), name="card_level_allowed_for_group"),
            models.CheckConstraint(
                condition=Q(participant_group=Substr("number", 1, 2)) & Q(province_id=Substr("number", 4, 2)),
                name="card_number_group_province_parts",
            ),
            models.CheckConstraint(
                condition=Q(level=1, number__regex=r"^..1")
                | Q(level=2, number__regex=r"^..2")
                | Q(level=3, number__regex=r"^..3")
                | Q(level=4, number__regex=r"^..4")
                | Q(level=5, number__regex=r"^..5"),
                name="card_number_level_part",
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="card_level_1_to_5"),
            models.CheckConstraint(condition=Q(live_area__in=["", "K1", "K2", "K3"]), name="card_live_area"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="card_validity_ordered"
            ),
            models.UniqueConstraint(fields=["person"], condition=Q(status="active"), name="card_one_active_per_person"),
        ]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        """The four parts of the number (issue: card number integrity): a real group, a level
        that group carries, a real province, and the holder's own BHXH code."""
        super().clean()
        if not (self.participant_group and self.level and self.province_id and self.person_id):
            return  # the missing field has its own error
        try:
            expected = build_card_number(self.participant_group, self.level, self.province_id, self.person.ssn)
        except FormatError as error:
            field = {"card_number_group": "participant_group", "card_number_level_group": "level"}.get(error.code, "number")
            raise ValidationError({field: _("Số thẻ không hợp lệ: %(reason)s") % {"reason": error.message}}) from error
        if self.number != expected:
            raise ValidationError(
                {
                    "number": _("Số thẻ phải là %(expected)s: mã đối tượng, mức hưởng, mã tỉnh và mã số BHXH của người có thẻ.")
                    % {"expected": expected}
                }
            )


class BenefitPayment(models.Model):
    """One decision and payment of "Thông tin hưởng"."""

    class Tab(models.TextChoices):
        MOT_LAN = "mot_lan", "Một lần"
        ODTS = "odts", "Ốm đau, thai sản"
        HANG_THANG = "hang_thang", "Hàng tháng"
        THAT_NGHIEP = "that_nghiep", "Thất nghiệp"

    class Kind(models.TextChoices):
        BHXH_MOT_LAN = "bhxh_mot_lan", "BHXH một lần"
        OM_DAU = "om_dau", "Ốm đau"
        THAI_SAN = "thai_san", "Thai sản"
        DUONG_SUC = "duong_suc", "Dưỡng sức, phục hồi sức khỏe"
        HUU_TRI = "huu_tri", "Lương hưu"
        TRO_CAP_THAT_NGHIEP = "tro_cap_that_nghiep", "Trợ cấp thất nghiệp"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="benefits")
    tab = models.CharField(max_length=12, choices=Tab.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    decision_number = models.CharField(max_length=40)
    decision_date = models.DateField()
    from_date = models.DateField()
    to_date = models.DateField(null=True, blank=True)
    amount = models.BigIntegerField(help_text="VND; per month for monthly benefits.")
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    bank_name = models.CharField(max_length=100, blank=True)
    bank_account_last4 = models.CharField(max_length=4, blank=True, help_text="Only the last digits are kept here.")

    class Meta:
        ordering = ["person", "-decision_date"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="benefit_amount_positive"),
            models.CheckConstraint(
                condition=Q(to_date__isnull=True) | Q(to_date__gte=F("from_date")), name="benefit_dates_ordered"
            ),
        ]


class MedicalVisit(models.Model):
    """One stay or consultation of "Sổ khám chữa bệnh"; amounts in VND."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="visits", db_index=False)
    facility = models.ForeignKey(HealthFacility, on_delete=models.PROTECT, related_name="visits", db_index=False)
    admitted_at = models.DateTimeField()
    discharged_at = models.DateTimeField()
    inpatient = models.BooleanField(default=False)
    icd_code = models.CharField(max_length=10)
    diagnosis = models.CharField(max_length=200)
    total_cost = models.BigIntegerField()
    insurance_paid = models.BigIntegerField()
    patient_paid = models.BigIntegerField()

    class Meta:
        ordering = ["person", "-admitted_at"]
        indexes = [models.Index(fields=["person", "-admitted_at"], name="visit_person_admitted")]
        constraints = [
            models.CheckConstraint(condition=Q(discharged_at__gte=F("admitted_at")), name="visit_dates_ordered"),
            models.CheckConstraint(
                condition=Q(insurance_paid__gte=0, patient_paid__gte=0, total_cost=F("insurance_paid") + F("patient_paid")),
                name="visit_costs_add_up",
            ),
        ]


class PeriodFlag(models.Model):
    """A citizen's report of a wrong or a missing month in "Quá trình tham gia" (domain.md §8.1).

    It goes to the office that manages the employer (the person's ward office without one, else the
    city office 001), which answers it; the person sees the status and the answer. The employer's HR
    sees the flags about its own workers' months and may add a note (employers.services).
    """

    class Kind(models.TextChoices):
        WRONG = "wrong", "Thông tin sai"
        MISSING = "missing", "Tháng bị thiếu"

    class Status(models.TextChoices):
        OPEN = "open", "Đang xử lý"
        ANSWERED = "answered", "Đã trả lời"
        CLOSED = "closed", "Đã đóng"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="period_flags", db_index=False)
    period = models.ForeignKey(
        ParticipationPeriod, null=True, blank=True, on_delete=models.SET_NULL, related_name="flags", db_index=False
    )
    scheme = models.CharField(max_length=6, choices=Scheme.choices)
    month = models.DateField(help_text="First day of the month the report is about.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    message = models.TextField(max_length=1000)
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="period_flags", db_index=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    # The employer's reply (the employer is the one who corrects its declarations): one note, the
    # latest wins; it informs the office and the person but never answers or closes the flag.
    employer_note = models.TextField(blank=True)
    employer_note_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    employer_note_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["person", "-created_at"], name="flag_person"),
            models.Index(fields=["office", "status", "-created_at"], name="flag_office_status"),
            models.Index(fields=["employer", "-created_at"], name="flag_employer"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["wrong", "missing"]), name="flag_kind_known"),
            models.CheckConstraint(condition=Q(status__in=["open", "answered", "closed"]), name="flag_status_known"),
            models.CheckConstraint(condition=Q(scheme__in=[s.value for s in Scheme]), name="flag_scheme_known"),
            models.CheckConstraint(condition=Q(month__day=1), name="flag_month_first_day"),
            models.CheckConstraint(condition=Q(status="open") | ~Q(answer=""), name="flag_answered_has_answer"),
            models.CheckConstraint(
                condition=Q(employer_note="") | Q(employer_note_at__isnull=False), name="flag_employer_note_dated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.scheme} {self.month:%m/%Y} {self.kind}"
