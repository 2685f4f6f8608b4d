"""The business clock: the ONLY module of ``coop`` that reads the wall clock (a test greps for it).

A cooperative's "today" (its *business date*) is the calendar date in its own time zone
(``Cooperative.timezone``, default ``COOP_TIMEZONE`` = Asia/Jakarta). Services never ask the clock: they
take ``as_of`` / ``value_date`` explicitly; the boundary (a page, an API call, a CLI command, a job) asks
:func:`business_date` once and passes the date down.

``COOP_BUSINESS_DATE=YYYY-MM-DD`` fixes the business date of every cooperative, for demos, training
sandboxes and tests. It is refused when ``COOP_ENV=production`` (a shop whose books ran on a fixed day
would post every receipt on the wrong date). Tests fix it through one fixture (``tests/conftest.py``),
and the simulation (``tests/sim``) moves it day by day with :func:`set_business_date`.

Timestamps (``*_at`` columns, token expiry, login throttling) come from :func:`now_utc`: the real
instant, in UTC, even when the business date is fixed.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Jakarta"

#: The fixed business date (COOP_BUSINESS_DATE, a test, the simulation), or None to follow the wall clock.
_fixed: date | None = None
#: The service's default time zone (``COOP_TIMEZONE``), used for a cooperative without its own.
_default_tz: str = os.environ.get("COOP_TIMEZONE", DEFAULT_TIMEZONE)


class ClockConfigError(RuntimeError):
    """COOP_BUSINESS_DATE is malformed, or set where it is not allowed (production)."""


def now_utc() -> datetime:
    """The current instant, timezone-aware, in UTC (for ``*_at`` timestamps)."""
    return datetime.now(UTC)


def monotonic() -> float:
    """Seconds from an arbitrary start, for measuring waits (never for dates)."""

    return time.monotonic()


def zone(cooperative=None) -> ZoneInfo:
    """The time zone of ``cooperative`` (anything with a ``timezone`` attribute), or the service's default."""
    name = getattr(cooperative, "timezone", None) or _default_tz
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def business_date(cooperative=None) -> date:
    """``cooperative``'s today: the fixed business date when one is set, else the wall clock's date in the
    cooperative's time zone (the service default for ``None``: CLI commands without a cooperative)."""
    if _fixed is not None:
        return _fixed
    return now_utc().astimezone(zone(cooperative)).date()


def local_now(cooperative=None) -> datetime:
    """The current instant in ``cooperative``'s time zone (quiet hours, printed times)."""
    return now_utc().astimezone(zone(cooperative))


def is_fixed() -> bool:
    return _fixed is not None


def set_business_date(day: date | None) -> None:
    """Fix the business date of every cooperative in this process (``None`` = follow the wall clock again)."""
    global _fixed
    if day is not None and not isinstance(day, date):
        raise TypeError("business date must be a date")
    if isinstance(day, datetime):
        day = day.date()
    _fixed = day


@contextmanager
def frozen(day: date) -> Iterator[date]:
    """Within the block the business date is ``day`` (then whatever it was before)."""
    before = _fixed
    set_business_date(day)
    try:
        yield day
    finally:
        set_business_date(before)


def parse_business_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ClockConfigError(f"COOP_BUSINESS_DATE must be YYYY-MM-DD, got {value!r}") from exc


def configure(*, env_name: str, business_date_value: str | date | None, default_timezone: str | None) -> None:
    """Apply the app's clock settings (called once by ``create_app``; reads no clock).

    ``business_date_value`` (``COOP_BUSINESS_DATE``) fixes the date outside production and is refused in it;
    unset, the date already fixed in this process (by a test or the simulation) is left alone."""
    global _default_tz
    if default_timezone:
        _default_tz = default_timezone
    if business_date_value in (None, ""):
        return
    if env_name == "production":
        raise ClockConfigError("COOP_BUSINESS_DATE is refused when COOP_ENV=production: the books follow the "
                               "real calendar there.")
    day = business_date_value if isinstance(business_date_value, date) else parse_business_date(
        business_date_value)
    set_business_date(day)


def days_ahead(day: date, cooperative=None) -> int:
    """How many days ``day`` lies after the business date (negative: in the past)."""
    return (day - business_date(cooperative)).days


__all__ = ["ClockConfigError", "business_date", "configure", "days_ahead", "frozen", "is_fixed", "local_now",
           "monotonic", "now_utc", "set_business_date", "zone"]
