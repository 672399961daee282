"""What the citizen sees of the ledger: paid and unpaid months, the paid-month alert, the 60-day flag.

A worker's month counts as paid only when every debt of the employer that holds a charge for it
is covered (declarations.md §6, NĐ 158/2025 art. 8(3)). The alert goes once per person, employer
and month (a dedupe key), in the app, and by SMS to those who opted in (AlertSetting).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from declarations import late
from declarations.models import AlertSetting, Charge, Debt
from declarations.validation import chunks, month_text
from messaging.services import queue_sms
from registry.history import format_vnd
from registry.models import Employer, Person
from support.models import Notification
from vssid.text import to_ascii_sms

OVERDUE_DAYS = 60
HISTORY_LINK = "/ca-nhan/qua-trinh/"


@dataclass(frozen=True)
class MonthStatus:
    month: dt.date
    employer_code: str
    employer_name: str
    salary_basis: int
    paid: bool
    late: bool  # past the deadline (chậm đóng) while unpaid, or paid after it

    @property
    def label(self) -> str:
        if self.paid:
            return _("Đã đóng (chậm)") if self.late else _("Đã đóng")
        return _("Chậm đóng") if self.late else _("Chưa đóng")

    @property
    def month_display(self) -> str:
        return month_text(self.month)


def month_statuses(person_id: int, today: dt.date | None = None) -> list[MonthStatus]:
    """Every month of the person in an employer's ledger, newest first, paid or not."""
    today = today or timezone.localdate()
    charges = list(
        Charge.objects.filter(person_id=person_id)
        .select_related("debt", "employer")
        .only(
            "month",
            "kind",
            "salary_basis",
            "employer__code",
            "employer__name",
            "debt__due_bhxh",
            "debt__due_bhyt",
            "debt__due_bhtn",
            "debt__due_bhtnld",
            "debt__paid_bhxh",
            "debt__paid_bhyt",
            "debt__paid_bhtn",
            "debt__paid_bhtnld",
            "debt__deadline",
            "debt__paid_on",
        )
    )
    grouped: dict[tuple[str, dt.date], list[Charge]] = defaultdict(list)
    for charge in charges:
        grouped[(charge.employer_id, charge.month)].append(charge)
    out = []
    for (_code, month), items in grouped.items():
        paid = all(c.debt.unpaid <= 0 for c in items)
        late = any((c.debt.paid_on or today) > c.debt.deadline for c in items)
        regular = next((c for c in items if c.kind == Charge.Kind.REGULAR), items[0])
        out.append(MonthStatus(month, regular.employer.code, regular.employer.name, regular.salary_basis, paid, late))
    return sorted(out, key=lambda s: (s.month, s.employer_code), reverse=True)


def _paid_text(month: dt.date, employer: Employer, salary: int) -> str:
    return _("Tháng %(month)s: %(employer)s đã đóng BHXH cho bạn, mức lương %(salary)s.") % {
        "month": month_text(month),
        "employer": employer.name,
        "salary": format_vnd(salary),
    }


def months_paid(employer: Employer, debts: list[Debt]) -> int:
    """Tell each worker whose month became paid with these debts; inside the allocating transaction."""
    if not debts:
        return 0
    pairs = set(Charge.objects.filter(debt__in=debts).values_list("person_id", "month"))
    if not pairs:
        return 0
    person_ids = sorted({p for p, _m in pairs})
    months = sorted({m for _p, m in pairs})
    state: dict[tuple[int, dt.date], list[tuple[int, int, str]]] = defaultdict(list)
    for part in chunks(person_ids):
        for pid, month, kind, salary, debt_id in Charge.objects.filter(
            employer=employer, person_id__in=part, month__in=months
        ).values_list("person_id", "month", "kind", "salary_basis", "debt_id"):
            state[(pid, month)].append((debt_id, salary, kind))
    covered = {d.pk: d.unpaid <= 0 for d in Debt.objects.filter(pk__in={d for items in state.values() for d, _s, _k in items})}
    accounts: dict[int, int] = {}
    phones: dict[int, str] = {}
    for part in chunks(person_ids):
        accounts.update(User.objects.filter(person_id__in=part, role=User.Role.CITIZEN).values_list("person_id", "id"))
        opted = AlertSetting.objects.filter(person_id__in=part, sms=True).values_list("person_id", flat=True)
        phones.update(Person.objects.filter(pk__in=list(opted)).exclude(phone="").values_list("pk", "phone"))
    notes = []
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):  # stored text: in the source language
        for pid, month in sorted(pairs):
            items = state.get((pid, month), [])
            if not items or not all(covered.get(d, False) for d, _s, _k in items):
                continue
            salary = next((s for _d, s, k in items if k == Charge.Kind.REGULAR), items[0][1])
            key = f"month_paid:{employer.code}:{pid}:{month:%Y%m}"
            text = _paid_text(month, employer, salary)
            if pid in accounts:
                notes.append(
                    Notification(
                        user_id=accounts[pid],
                        kind=Notification.Kind.MONTH_RECORDED,
                        text=text[:300],
                        link=HISTORY_LINK,
                        dedupe_key=key,
                    )
                )
            if pid in phones:
                body = to_ascii_sms(
                    f"BHXH: Thang {month_text(month)} {employer.name} da dong BHXH cho ban, muc luong {salary:,}d".replace(
                        ",", "."
                    )
                )
                queue_sms(to=phones[pid], kind="notice", body=body[:160], dedupe_key=f"sms:{key}")
            sent += 1
    Notification.objects.bulk_create(notes, ignore_conflicts=True, batch_size=5000)
    return sent


def set_sms_alerts(person_id: int, sms: bool) -> AlertSetting:
    setting, _created = AlertSetting.objects.update_or_create(
        person_id=person_id, defaults={"sms": sms, "updated_at": timezone.now()}
    )
    return setting


def sms_alerts(person_id: int) -> bool:
    return AlertSetting.objects.filter(person_id=person_id, sms=True).exists()


def flag_overdue(today: dt.date | None = None) -> int:
    """The daily late check: the 60-day flag, then the workers' late months (declarations.late),
    each employer's recount in a transaction of its own."""
    today = today or timezone.localdate()
    flagged = _flag_overdue(today)
    late.refresh_overdue(today)
    return flagged


@transaction.atomic
def _flag_overdue(today: dt.date) -> int:
    """Debts unpaid 60 days past the deadline (chậm đóng turning into trốn đóng): flagged once, each
    worker told in the app, the office told by the flag on its list and the audit trail."""
    debts = [
        d
        for d in Debt.objects.select_for_update(skip_locked=True)
        .filter(overdue_flagged_at__isnull=True, deadline__lt=today - dt.timedelta(days=OVERDUE_DAYS))
        .select_related("employer")
        if d.unpaid > 0
    ]
    now = timezone.now()
    for debt in debts:
        pids = sorted(set(Charge.objects.filter(debt=debt).values_list("person_id", flat=True)))
        accounts = dict(User.objects.filter(person_id__in=pids, role=User.Role.CITIZEN).values_list("person_id", "id"))
        with translation.override(settings.LANGUAGE_CODE):
            text = _("Tháng %(month)s: %(employer)s chưa đóng BHXH cho bạn quá %(days)d ngày sau hạn (chậm đóng).") % {
                "month": month_text(debt.period),
                "employer": debt.employer.name,
                "days": OVERDUE_DAYS,
            }
        Notification.objects.bulk_create(
            [
                Notification(
                    user_id=uid,
                    kind=Notification.Kind.NOTICE,
                    text=text[:300],
                    link=HISTORY_LINK,
                    dedupe_key=f"month_overdue:{debt.pk}:{pid}",
                )
                for pid, uid in accounts.items()
            ],
            ignore_conflicts=True,
        )
        debt.overdue_flagged_at = now
        debt.save(update_fields=["overdue_flagged_at"])
        record(
            "debt_overdue_flagged",
            actor=None,
            object_type="debt",
            object_id=debt.pk,
            employer=debt.employer_id,
            period=month_text(debt.period),
            unpaid=debt.unpaid,
        )
    return len(debts)
