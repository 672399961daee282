"""Phương án (PA) codes of a D02-LT row (declarations.md §3.1) and how each one acts on the register."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PA_CODES: dict[str, Promise] = {
    "TM": _("Tăng mới (chưa có mã số BHXH)"),
    "TD": _("Tăng do chuyển đơn vị trong tỉnh"),
    "TC": _("Tăng do chuyển tỉnh"),
    "ON": _("Đi làm lại sau nghỉ thai sản, ốm đau, không lương"),
    "AD": _("Bổ sung tăng nguyên lương (truy thu)"),
    "DC": _("Điều chỉnh mức lương"),
    "CD": _("Điều chỉnh chức danh"),
    "TT": _("Bổ sung tăng số phải thu BHYT"),
    "GH": _("Giảm hẳn"),
    "GC": _("Giảm do chuyển tỉnh"),
    "GD": _("Giảm do chuyển đơn vị trong tỉnh"),
    "KL": _("Nghỉ không lương"),
    "OF": _("Nghỉ ốm"),
    "TS": _("Nghỉ thai sản"),
    "SB": _("Bổ sung giảm nguyên lương"),
    "TU": _("Bổ sung giảm số phải thu BHYT"),
}

# A new period with this employer from the row's from-month.
OPENING = frozenset({"TM", "TD", "TC"})
RESUMING = frozenset({"ON"})
# The period ends the month before the row's from-month (the first month not paid).
LEAVING = frozenset({"GH", "GC", "GD"})
PAUSING = frozenset({"KL", "OF", "TS"})
# A new wage or title from the from-month: the period is split there.
CHANGING = frozenset({"DC", "CD"})
# Amounts due (or refunded) for past months; the register's periods stay as they were.
ADJUSTING_UP = frozenset({"AD", "TT"})
ADJUSTING_DOWN = frozenset({"SB", "TU"})
ADJUSTING = ADJUSTING_UP | ADJUSTING_DOWN
BHYT_ONLY = frozenset({"TT", "TU"})
# Codes that need a wage on the row.
NEEDS_WAGE = OPENING | CHANGING | frozenset({"AD", "TT"})
# Codes that need the person to be this employer's worker.
OWN_WORKER = LEAVING | PAUSING | CHANGING | RESUMING | ADJUSTING
