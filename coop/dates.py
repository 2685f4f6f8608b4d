"""Calendar arithmetic shared by every area (pure, no DB, no clock): one month arithmetic for loan
schedules, savings interest months and training follow-ups."""
from __future__ import annotations

import calendar
import re
from datetime import date

#: The dates the service accepts from users (query strings, forms, JSON): far beyond any cooperative's
#: business and far enough from date.min/date.max that a day, a month or a year of arithmetic (a day
#: before a period, a schedule, an ageing bucket) can never overflow.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


def out_of_range(text: str) -> bool:
    """True when ``text`` starts with an ISO date (YYYY-MM-DD) outside EARLIEST..LATEST."""
    match = _ISO_DATE.match(text)
    if not match:
        return False
    year = int(match.group(1))
    return year < EARLIEST.year or year > LATEST.year


def add_months(d: date, months: int) -> date:
    """Same day ``months`` later (or earlier), clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    m = d.month - 1 + months
    year, month = d.year + m // 12, m % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def month_bounds(d: date) -> tuple[date, date]:
    """First and last day of ``d``'s month."""
    return d.replace(day=1), d.replace(day=calendar.monthrange(d.year, d.month)[1])
