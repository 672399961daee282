"""Reference data: provinces, wards, BHXH offices, health facilities, collection points.

Provinces and offices are effective-dated (valid_from/valid_to, successor, former names) because
cards, histories and registrations refer to units that were later merged or renamed (domain.md §5).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from vssid.text import fold


class EffectiveDated(models.Model):
    valid_from = models.DateField(null=True, blank=True, help_text="Empty: since before our records.")
    valid_to = models.DateField(null=True, blank=True, help_text="Empty: still in force.")

    class Meta:
        abstract = True

    def in_force_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class CurrentQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def in_force_on(self, day: dt.date) -> CurrentQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def current(self) -> CurrentQuerySet:
        return self.filter(valid_to__isnull=True)


class Province(EffectiveDated):
    class Kind(models.TextChoices):
        TINH = "tinh", "Tỉnh"
        THANH_PHO = "thanh_pho", "Thành phố trực thuộc trung ương"

    code = models.CharField(max_length=2, primary_key=True, help_text="2-digit code used on cards (01 = Hà Nội).")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    successor = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged")

    objects = CurrentQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{2}$"), name="province_code_2_digits"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="province_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProvinceName(models.Model):
    """A name a province carried before (e.g. Thừa Thiên Huế until 2024)."""

    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="former_names")
    name = models.CharField(max_length=100)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField()

    class Meta:
        ordering = ["province", "valid_to"]


class Office(EffectiveDated):
    class Kind(models.TextChoices):
        CENTRAL = "central", "Trung ương"
        REGIONAL = "regional", "BHXH khu vực"
        PROVINCIAL = "provincial", "BHXH tỉnh/thành phố"
        DISTRICT = "district", "BHXH quận/huyện"
        CO_SO = "co_so", "BHXH cơ sở"

    code = models.CharField(max_length=5, primary_key=True)
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="offices")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    address = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    successor = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged")
    search_name = models.CharField(max_length=150, editable=False, default="")

    objects = CurrentQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^([0-9]{3}|[0-9]{5}|KV[0-9]{2})$"), name="office_code_format"),
        ]

    def __str__(self) -> str:
        return f"({self.code}) {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def name_on(self, day: dt.date) -> str:
        for former in self.former_names.all():
            if (former.valid_from is None or former.valid_from <= day) and day <= former.valid_to:
                return former.name
        return self.name


class OfficeName(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="former_names")
    name = models.CharField(max_length=150)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField()

    class Meta:
        ordering = ["office", "valid_to"]


class Ward(EffectiveDated):
    class Kind(models.TextChoices):
        PHUONG = "phuong", "Phường"
        XA = "xa", "Xã"
        DAC_KHU = "dac_khu", "Đặc khu"

    code = models.CharField(max_length=5, primary_key=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="wards")
    office = models.ForeignKey(
        Office, null=True, blank=True, on_delete=models.PROTECT, related_name="wards", help_text="BHXH cơ sở serving it."
    )
    search_name = models.CharField(max_length=100, editable=False, default="")

    objects = CurrentQuerySet.as_manager()

    class Meta:
        ordering = ["province", "name"]
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{5}$"), name="ward_code_5_digits")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class HealthFacility(models.Model):
    """A health-care facility (cơ sở KCB) with its 5-character BHYT code: province + number."""

    class Level(models.TextChoices):
        BAN_DAU = "ban_dau", "Cấp khám chữa bệnh ban đầu"
        CO_BAN = "co_ban", "Cấp khám chữa bệnh cơ bản"
        CHUYEN_SAU = "chuyen_sau", "Cấp khám chữa bệnh chuyên sâu"

    code = models.CharField(max_length=5, primary_key=True)
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=12, choices=Level.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="facilities")
    ward = models.ForeignKey(Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="facilities")
    address = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    accepts_initial_registration = models.BooleanField(default=False)
    issues_sick_leave = models.BooleanField(default=False)
    search_name = models.CharField(max_length=200, editable=False, default="")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "health facilities"
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{5}$"), name="facility_code_5_digits")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def qr_code(self) -> str:
        """As printed in the card QR: "01 - 043"."""
        return f"{self.code[:2]} - {self.code[2:]}"


class CollectionPoint(models.Model):
    """Where voluntary BHXH and household BHYT are paid: a collection point or an agent."""

    class Kind(models.TextChoices):
        DIEM_THU = "diem_thu", "Điểm thu"
        DAI_LY = "dai_ly", "Đại lý thu"

    code = models.CharField(max_length=24, primary_key=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    organisation = models.CharField(max_length=200)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="collection_points")
    ward = models.ForeignKey(Ward, null=True, blank=True, on_delete=models.PROTECT, related_name="collection_points")
    address = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    opening_hours = models.CharField(max_length=100, blank=True)
    voluntary_si = models.BooleanField(default=True)
    household_hi = models.BooleanField(default=True)
    search_name = models.CharField(max_length=200, editable=False, default="")

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{10}[A-Z]{2,6}[0-9]{10}$"), name="collection_point_code_format"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_name = fold(f"{self.name} {self.organisation}")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
