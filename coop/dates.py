"""Calendar arithmetic shared by every area (pure, no DB, no clock): one month arithmetic for loan
schedules, savings interest months and training follow-ups."""
from __future__ import annotations

import calendar
from datetime import date


def add_months(d: date, months: int) -> date:
    """Same day ``months`` later (or earlier), clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    m = d.month - 1 + months
    year, month = d.year + m // 12, m % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def month_bounds(d: date) -> tuple[date, date]:
    """First and last day of ``d``'s month."""
    return d.replace(day=1), d.replace(day=calendar.monthrange(d.year, d.month)[1])
