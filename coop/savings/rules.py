"""Pure savings arithmetic: jasa simpanan (interest) by method, PPh final, wajib dues allocation,
berjangka maturity dates. No Flask, no SQLAlchemy; ``Decimal`` and ``int`` rupiah only.

Interest rates are percent PER YEAR on an actual/365 day count. Each month's interest is rounded once,
ROUND_HALF_UP, to whole rupiah (the residue is not carried: the member is paid the rounded amount).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from coop.dates import add_months, month_bounds  # noqa: F401 - one month arithmetic for every area (re-exported)

DAYS_PER_YEAR = Decimal(365)


def _round(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def daily_balances(opening: int, movements: dict[date, int], start: date, end: date) -> list[int]:
    """End-of-day balances for every day from ``start`` to ``end`` given the opening balance and the
    net movement per value date."""
    out, bal, d = [], opening, start
    while d <= end:
        bal += movements.get(d, 0)
        out.append(bal)
        d += timedelta(days=1)
    return out


def interest_for_month(method: str, rate_per_year: Decimal, balances: Sequence[int],
                       days_in_month: int | None = None) -> int:
    """Gross jasa simpanan of one month from the end-of-day balances of the days the account was held.

    - ``daily_balance``: sum over days of balance x rate / 365, rounded once at the end.
    - ``average_daily_balance``: the average balance (rounded down to whole rupiah) x rate x days / 365.
    - ``lowest_monthly_balance``: the lowest end-of-day balance x rate / 12, and for a partial month
      (``len(balances)`` days held of ``days_in_month``) that month's share: x days held / days in month
      (DOMAIN.md: an account opened on the 31st earns one day, whatever the method), rounded once.
    - ``none``: 0. Negative balances earn nothing.
    """
    if method == "none" or not balances or rate_per_year <= 0:
        return 0
    rate = Decimal(rate_per_year) / Decimal(100)
    days = len(balances)
    positive = [max(0, b) for b in balances]
    if method == "daily_balance":
        return _round(Decimal(sum(positive)) * rate / DAYS_PER_YEAR)
    if method == "average_daily_balance":
        avg = (Decimal(sum(positive)) / days).quantize(Decimal(1), rounding=ROUND_DOWN)
        return _round(avg * rate * days / DAYS_PER_YEAR)
    if method == "lowest_monthly_balance":
        if days_in_month and days < days_in_month:  # one division, so x.5 is not lost to precision
            return _round(Decimal(min(positive)) * rate * days / (Decimal(12) * days_in_month))
        return _round(Decimal(min(positive)) * rate / Decimal(12))
    raise ValueError(f"unknown interest method {method!r}")


def pph_final(gross: int, threshold: int, rate_percent: Decimal) -> int:
    """PPh final on a month's savings interest for an individual member (PP 15/2009): nothing when the
    month's interest is at most ``threshold`` (Rp 240.000), otherwise ``rate_percent`` (10 %) of the
    WHOLE gross, rounded half up."""
    if gross <= threshold:
        return 0
    return _round(Decimal(gross) * Decimal(rate_percent) / Decimal(100))


def split_tax(grosses: dict[int, int], threshold: int, rate_percent: Decimal) -> dict[int, int]:
    """Tax per account when one member's accounts earn ``grosses`` in the same month: the threshold
    applies to the member's total; the tax is split pro rata by the largest-remainder method (floor
    each share, the leftover rupiah to the largest remainders, ties to the lower account id), so the
    parts are never negative and sum exactly to the tax on the total."""
    total = sum(grosses.values())
    tax = pph_final(total, threshold, rate_percent)
    if tax == 0 or total == 0:
        return {k: 0 for k in grosses}
    out = {k: tax * g // total for k, g in grosses.items()}
    left = tax - sum(out.values())
    by_remainder = sorted(grosses, key=lambda k: (-(tax * grosses[k] % total), k))
    for k in by_remainder[:left]:
        out[k] += 1
    return out


@dataclass(frozen=True)
class Due:
    """One month's simpanan wajib due and how much of it is paid."""

    period: date  # first day of the month
    amount: int
    paid: int

    @property
    def outstanding(self) -> int:
        return self.amount - self.paid


def wajib_dues(joined_on: date, as_of: date, amount_for: dict[date, int] | int, paid_total: int,
               until: date | None = None) -> list[Due]:
    """Monthly wajib dues from the joining month to ``as_of``'s month (or ``until``), with ``paid_total``
    allocated to the OLDEST month first. ``amount_for`` is a fixed amount or a per-month mapping."""
    dues: list[Due] = []
    month = joined_on.replace(day=1)
    last = (until or as_of).replace(day=1)
    remaining = paid_total
    while month <= last:
        amt = amount_for if isinstance(amount_for, int) else amount_for[month]
        paid = min(amt, max(0, remaining))
        remaining -= paid
        dues.append(Due(month, amt, paid))
        month = add_months(month, 1)
    return dues


def months_covered(joined_on: date, amount_of: Callable[[date], int], before: int, after: int, limit: int = 1200) -> list[date]:
    """Months (first days) whose wajib due is paid, fully or partly, by raising the paid total from
    ``before`` to ``after`` (oldest month first). ``amount_of(month) -> int`` gives each month's due."""
    out: list[date] = []
    month, cum = joined_on.replace(day=1), 0
    for _ in range(limit):
        if cum >= after:
            break
        amt = amount_of(month)
        if amt <= 0:
            break
        if cum + amt > before:
            out.append(month)
        cum += amt
        month = add_months(month, 1)
    return out


def arrears(dues: Sequence[Due], before: date | None = None) -> tuple[int, int]:
    """(number of months not fully paid, total outstanding); with ``before``, only months that start
    before it (a month's wajib falls into arrears once the month is over)."""
    unpaid = [d for d in dues if d.outstanding > 0 and (before is None or d.period < before)]
    return len(unpaid), sum(d.outstanding for d in unpaid)


def early_withdrawal_penalty(amount: int, penalty_percent: Decimal) -> int:
    return _round(Decimal(amount) * Decimal(penalty_percent) / Decimal(100))


def is_adult(birth_date: date, on: date, age: int = 17) -> bool:
    """17 years or older on ``on`` (the age for a KTP, UU 23/2006 Adminduk)."""
    try:
        anniversary = birth_date.replace(year=birth_date.year + age)
    except ValueError:  # 29 February
        anniversary = date(birth_date.year + age, 3, 1)
    return on >= anniversary
