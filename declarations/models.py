"""Employers' monthly declarations (D02-LT), the contribution ledger behind the C12, and payments.

The register (registry.ParticipationPeriod) says who works where at which wage; this app is how it
changes: a dossier of rows is validated, submitted, received and processed by the office, which
turns its rows into periods. Money is kept apart (declarations.md §0, "design consequence"):

- `Charge`: what one worker's month costs, per fund. Regular charges of a month come from the
  register; a dossier that changes a month whose C12 is already out adds an adjustment charge in
  the dossier's period (B.4), so history is never rewritten.
- `Debt`: one employer's amount due for one period (the C12 month): its charges, with the
  deadline of that period; `Allocation` is a payment's money set against it, principal or
  interest. Interest is not stored: it follows from the debt, the deadline and the allocations.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from places.models import Office
from registry.models import Employer, Person

FUNDS = ("bhxh", "bhyt", "bhtn", "bhtnld")


class Dossier(models.Model):
    """One procedure-600 dossier of one employer for one period (kỳ kê khai)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Đang soạn"
        SUBMITTED = "submitted", "Đã gửi"
        RECEIVED = "received", "Đã tiếp nhận"
        PROCESSING = "processing", "Đang xử lý"
        PROCESSED = "processed", "Đã xử lý"
        RETURNED = "returned", "Trả lại"

    class Source(models.TextChoices):
        EXCEL = "excel", "Tệp Excel mẫu I-VAN"
        CSV = "csv", "Tệp CSV"
        FORM = "form", "Nhập trên trang"
        API = "api", "API"

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="dossiers", db_index=False)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="dossiers", db_index=False)
    period = models.DateField(help_text="First day of the declared month (kỳ kê khai).")
    batch = models.PositiveSmallIntegerField(default=1, help_text="Đợt: the how-many-th dossier of the period.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    source = models.CharField(max_length=6, choices=Source.choices)
    file_name = models.CharField(max_length=200, blank=True)
    seq = models.PositiveIntegerField(null=True, blank=True, help_text="Sequence of the number within office and year.")
    number = models.CharField(max_length=20, blank=True, help_text="Số hồ sơ <seq>/<year>/<office>, once processed.")
    return_reason = models.TextField(blank=True, max_length=1000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    row_count = models.PositiveIntegerField(default=0)
    # Processing runs in the worker, a batch of whole people per short transaction: how many rows
    # are in the register so far, when the last batch committed (a stalled run is picked up again)
    # and what the batches did, summed for the final audit row.
    rows_done = models.PositiveIntegerField(default=0)
    progress_at = models.DateTimeField(null=True, blank=True)
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-period", "-batch"]
        indexes = [
            models.Index(fields=["employer", "-period", "-batch"], name="dossier_employer"),
            models.Index(fields=["office", "status", "submitted_at"], name="dossier_office_queue"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["employer", "period", "batch"], name="dossier_batch_unique"),
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="dossier_number_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "received", "processing", "processed", "returned"]),
                name="dossier_status_known",
            ),
            models.CheckConstraint(condition=Q(period__day=1), name="dossier_period_first_day"),
            models.CheckConstraint(condition=~Q(status="processed") | ~Q(number=""), name="dossier_processed_has_number"),
            models.CheckConstraint(condition=~Q(status="returned") | ~Q(return_reason=""), name="dossier_returned_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.period:%m/%Y} đợt {self.batch}"

    @property
    def period_display(self) -> str:
        return f"{self.period:%m/%Y}"


class DossierCounter(models.Model):
    """The last dossier sequence of an office in a year: numbers are handed out under its row lock."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "year"], name="dossier_counter_unique")]


class Row(models.Model):
    """One worker line of a dossier (D02-LT), as declared; `person` is set once it is known."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(help_text="Row number in the uploaded file (or 1, 2, … when typed).")
    pa = models.CharField("phương án", max_length=2)
    ssn = models.CharField("mã số BHXH", max_length=10, blank=True)
    cccd = models.CharField("số CCCD", max_length=12, blank=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    full_name = models.CharField(max_length=100)
    birth_date = models.CharField(max_length=10, blank=True, help_text="dd/mm/yyyy, mm/yyyy or yyyy as declared.")
    sex = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField("chức vụ, chức danh", max_length=500, blank=True)
    wage = models.BigIntegerField(default=0, help_text="VND; 0 when declared as a coefficient.")
    coefficient = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    allowances = models.BigIntegerField(default=0, help_text="VND per month, added to the salary basis.")
    from_month = models.DateField()
    to_month = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # Set in the same transaction as the row's changes to the register: the durable marker that
    # lets a processing run cut short resume without applying any row twice.
    applied = models.BooleanField(default=False)

    class Meta:
        ordering = ["dossier", "line"]
        indexes = [
            models.Index(fields=["person", "pa", "from_month"], name="row_person_pa"),
            # First-time participants are known only by CCCD until processing gives them a code.
            models.Index(fields=["cccd"], condition=Q(person__isnull=True), name="row_newcomer_cccd"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(wage__gte=0, allowances__gte=0), name="row_amounts_not_negative"),
            models.CheckConstraint(
                condition=Q(to_month__isnull=True) | Q(to_month__gte=F("from_month")), name="row_months_ordered"
            ),
        ]


class Charge(models.Model):
    """What one worker's month costs one employer, per fund; regular or an adjustment (B.4)."""

    class Kind(models.TextChoices):
        REGULAR = "regular", "Phải đóng trong kỳ"
        ADJUSTMENT = "adjust", "Điều chỉnh kỳ trước"

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="+", db_index=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", db_index=False)
    month = models.DateField(help_text="The month the contribution is for.")
    debt = models.ForeignKey("Debt", on_delete=models.PROTECT, related_name="charges")
    kind = models.CharField(max_length=7, choices=Kind.choices)
    row = models.ForeignKey(Row, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    salary_basis = models.BigIntegerField(default=0, help_text="Wage fund of the line (B.2), signed for an adjustment.")
    bhxh = models.BigIntegerField(default=0)
    bhyt = models.BigIntegerField(default=0)
    bhtn = models.BigIntegerField(default=0)
    bhtnld = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["person", "month"], name="charge_person_month"),
            models.Index(fields=["employer", "month", "kind"], name="charge_employer_month"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "person", "month"], condition=Q(kind="regular"), name="charge_one_regular_per_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="charge_month_first_day"),
        ]

    @property
    def total(self) -> int:
        return self.bhxh + self.bhyt + self.bhtn + self.bhtnld


class Debt(models.Model):
    """An employer's amount due for one C12 period; due by the last day of the following month."""

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="+", db_index=False)
    period = models.DateField()
    deadline = models.DateField()
    # Sums of the charges, per fund, kept with them in the same transaction (the C12 and the
    # allocation read these, not thousands of charges).
    due_bhxh = models.BigIntegerField(default=0)
    due_bhyt = models.BigIntegerField(default=0)
    due_bhtn = models.BigIntegerField(default=0)
    due_bhtnld = models.BigIntegerField(default=0)
    paid_bhxh = models.BigIntegerField(default=0)
    paid_bhyt = models.BigIntegerField(default=0)
    paid_bhtn = models.BigIntegerField(default=0)
    paid_bhtnld = models.BigIntegerField(default=0)
    interest_paid = models.BigIntegerField(default=0)
    # Regular charges are written once per period, from the register as it stands then; later
    # changes to that month come as adjustments of a later period.
    accrued = models.BooleanField(default=False)
    paid_on = models.DateField(null=True, blank=True, help_text="Day the principal became fully covered.")
    overdue_flagged_at = models.DateTimeField(null=True, blank=True, help_text="60 days past the deadline, flagged once.")

    class Meta:
        ordering = ["employer", "period"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "period"], name="debt_employer_period_unique"),
            models.CheckConstraint(condition=Q(period__day=1), name="debt_period_first_day"),
        ]

    @property
    def due(self) -> int:
        return self.due_bhxh + self.due_bhyt + self.due_bhtn + self.due_bhtnld

    @property
    def paid(self) -> int:
        return self.paid_bhxh + self.paid_bhyt + self.paid_bhtn + self.paid_bhtnld

    @property
    def unpaid(self) -> int:
        return self.due - self.paid

    def unpaid_by_fund(self) -> dict[str, int]:
        return {fund: getattr(self, f"due_{fund}") - getattr(self, f"paid_{fund}") for fund in FUNDS}


class Payment(models.Model):
    """Money received from an employer: a payment order (UNC) or a line of a bank statement."""

    class Source(models.TextChoices):
        UNC = "unc", "Ủy nhiệm chi"
        BANK = "bank", "Sao kê ngân hàng"

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="+", db_index=False)
    amount = models.BigIntegerField()
    paid_on = models.DateField()
    reference = models.CharField(max_length=40, help_text="Số UNC or the bank's transaction reference.")
    source = models.CharField(max_length=4, choices=Source.choices, default=Source.UNC)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    recorded_at = models.DateTimeField(default=timezone.now)
    unallocated = models.BigIntegerField(default=0, help_text="Money left over (thừa), set against later debts.")

    class Meta:
        ordering = ["employer", "paid_on", "id"]
        indexes = [models.Index(fields=["employer", "paid_on"], name="payment_employer_day")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(unallocated__gte=0, unallocated__lte=F("amount")), name="payment_unallocated_range"
            ),
            # A bank reference is unique for its employer: importing a statement twice records nothing new.
            models.UniqueConstraint(fields=["employer", "reference"], name="payment_reference_unique"),
        ]


class Allocation(models.Model):
    """Part of a payment set against a debt's principal or its interest (C12 section D)."""

    class Kind(models.TextChoices):
        PRINCIPAL = "principal", "Phải đóng"
        INTEREST = "interest", "Tiền lãi"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    debt = models.ForeignKey(Debt, on_delete=models.PROTECT, related_name="allocations")
    kind = models.CharField(max_length=9, choices=Kind.choices)
    day = models.DateField()
    bhxh = models.BigIntegerField(default=0)
    bhyt = models.BigIntegerField(default=0)
    bhtn = models.BigIntegerField(default=0)
    bhtnld = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["day", "id"]

    @property
    def total(self) -> int:
        return self.bhxh + self.bhyt + self.bhtn + self.bhtnld


class AlertSetting(models.Model):
    """A citizen's choice to get an SMS, on top of the in-app notification, when a month is paid."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="+")
    sms = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)


def deadline_of(period: dt.date) -> dt.date:
    """Last day of the month after `period` (Law SI 2024 art. 34(4))."""
    following = dt.date(period.year + period.month // 12, period.month % 12 + 1, 1)
    after = dt.date(following.year + following.month // 12, following.month % 12 + 1, 1)
    return after - dt.timedelta(days=1)
