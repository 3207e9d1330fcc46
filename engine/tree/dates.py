"""Date arithmetic, in one place for every form that evaluates the tree (the evaluator, the fast
form, the page's relevance analysis; the SQL form writes the same rule as ADD_MONTHS / INTERVAL):
`d + 3年` and `d + 6か月` are the same day of the month so many months on, or the month's last day
where it is shorter (2024-02-29 + 1年 = 2025-02-28, 2024-01-31 + 1か月 = 2024-02-29); `d + 30日`
is 30 days on. A result outside the years 1 to 9999 is missing."""

from __future__ import annotations

import calendar
import datetime

MONTHS_PER = {"年": 12, "か月": 1, "ヶ月": 1}


def shift(day: datetime.date | None, amount: int, unit: str) -> datetime.date | None:
    """`day` moved by `amount` (negative: back) of `unit` (年, か月, ヶ月 or 日)."""
    if day is None:
        return None
    try:
        if unit == "日":
            return day + datetime.timedelta(days=amount)
        year, month = divmod(day.year * 12 + day.month - 1 + amount * MONTHS_PER[unit], 12)
        return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
    except (OverflowError, ValueError, calendar.IllegalMonthError):
        return None
