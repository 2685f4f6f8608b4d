"""PURE amortisation: flat, efektif (menurun) and anuitas schedules, ``Decimal`` only, no database.

One function, :func:`build_schedule`, produces both the preview (``POST /loan-schedules/preview``) and the
booked schedule of a disbursed loan, so the two are equal by construction.

Rounding rule (the same for every method):

* interest of a period is computed exactly and rounded to the whole rupiah (``ROUND_HALF_UP``);
* every instalment except the last has its TOTAL rounded to the product's ``rounding_multiple``
  (``ROUND_HALF_UP`` by default, ``up`` = always up) and its principal part is ``total - interest``;
* the LAST instalment takes whatever principal remains, so principal sums exactly to the loan;
  its total is therefore not necessarily a multiple (the residue lives there);
* grace periods (principal grace) are interest-only and are not rounded to the multiple.

First period (DOMAIN.md, Loans): the first due date is by default one period after disbursement (31 Jan ->
28/29 Feb, the month's last day), and later monthly instalments keep the disbursement day where the
month has it (31 Jan -> 28 Feb, 31 Mar, 30 Apr ...). When the first due date is further or nearer than
one period, the first period's interest of an efektif or anuitas loan is prorated by days when the loan's
terms say ``first_period_interest="prorate"``: ``balance x periodic rate x days / days of one period``
(one period = disbursement day to the same day one month, or 7 days, later), rounded half up. Only the
interest changes: the first instalment's principal is the one a standard period would give (efektif: the
total is rounded to the multiple around it; anuitas: the annuity plus the interest difference), so the
balance and every later instalment are those of the standard schedule. Flat interest is on the original
principal and is never prorated: :func:`first_period` says so plainly (``prorated`` false).

Weekly loans: ``term_months`` months are paid in ``weekly_instalments(term_months)`` weeks (52 a year);
the periodic rate of a week is ``monthly rate x 12 / 52``; a flat loan's total interest is still
``principal x rate x term_months``.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from coop.dates import add_months  # noqa: F401 - one month arithmetic for every area (re-exported)

METHODS = ("flat", "efektif", "anuitas")
FREQUENCIES = ("monthly", "weekly")
ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "up": ROUND_CEILING}

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Instalment:
    number: int
    due_date: date
    principal: int
    interest: int

    @property
    def total(self) -> int:
        return self.principal + self.interest

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "due_date": self.due_date, "principal": self.principal,
                "interest": self.interest, "total": self.total}


@dataclass(frozen=True)
class Terms:
    """What a schedule depends on (copied from the product onto the loan at application)."""

    method: str
    rate_percent_per_month: Decimal
    term_months: int
    frequency: str = "monthly"
    grace_periods: int = 0
    rounding_multiple: int = 100
    rounding_mode: str = "half_up"
    #: "prorate" (efektif/anuitas first period prorated by days) or "none" (a full period's interest).
    first_period_interest: str = "none"


@dataclass(frozen=True)
class FirstPeriod:
    """How long the first period is against one standard period, and whether its interest is prorated."""

    days: int
    standard_days: int
    prorated: bool


class ScheduleError(ValueError):
    """Terms that cannot produce a schedule (message in Bahasa Indonesia)."""


def weekly_instalments(term_months: int) -> int:
    """Number of weekly instalments in ``term_months`` months (52 weeks a year, rounded half up)."""
    return int((Decimal(term_months) * 52 / 12).quantize(Decimal(1), ROUND_HALF_UP))


def instalment_count(term_months: int, frequency: str) -> int:
    return term_months if frequency == "monthly" else weekly_instalments(term_months)


def due_dates(first_due_date: date, count: int, frequency: str, anchor_day: int | None = None) -> list[date]:
    """Due dates from the first one; monthly dates fall on ``anchor_day`` (default the first due date's
    day) or the month's last day when the month is shorter."""
    if frequency == "weekly":
        return [first_due_date + timedelta(weeks=k) for k in range(count)]
    day = anchor_day or first_due_date.day
    out = []
    for k in range(count):
        month_start = add_months(first_due_date.replace(day=1), k)
        out.append(month_start.replace(day=min(day, calendar.monthrange(month_start.year, month_start.month)[1])))
    return out


def standard_first_due(disbursed_on: date, frequency: str) -> date:
    """One period after disbursement: the same day next month (clamped to the month's end), or 7 days."""
    return disbursed_on + timedelta(weeks=1) if frequency == "weekly" else add_months(disbursed_on, 1)


def anchor_day(disbursed_on: date | None, first_due_date: date, frequency: str) -> int | None:
    """The day of the month instalments keep: the disbursement day when the first due date was clamped to
    a month's end (31 Jan -> 28 Feb keeps 31), else the first due date's own day."""
    if disbursed_on is None or frequency != "monthly":
        return None
    last = calendar.monthrange(first_due_date.year, first_due_date.month)[1]
    if first_due_date.day == last and disbursed_on.day > last:
        return disbursed_on.day
    return None


def first_period(terms: Terms, first_due_date: date, disbursed_on: date | None) -> FirstPeriod | None:
    """The first period's length in days against one standard period, and whether its interest is
    prorated (efektif/anuitas with ``first_period_interest="prorate"`` and a length other than one
    period). ``None`` without a disbursement date."""
    if disbursed_on is None:
        return None
    days = (first_due_date - disbursed_on).days
    standard = (standard_first_due(disbursed_on, terms.frequency) - disbursed_on).days
    prorated = (terms.first_period_interest == "prorate" and terms.method in ("efektif", "anuitas")
                and days != standard)
    return FirstPeriod(days, standard, prorated)


def periodic_rate(terms: Terms) -> Decimal:
    """Rate per instalment period as a fraction (1 % a month -> 0.01)."""
    monthly = Decimal(terms.rate_percent_per_month) / HUNDRED
    return monthly if terms.frequency == "monthly" else monthly * 12 / 52


def _rupiah(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), ROUND_HALF_UP))


def round_to_multiple(x: Decimal, multiple: int, mode: str = "half_up") -> int:
    """Round a (positive) amount to a multiple of ``multiple`` rupiah."""
    if multiple <= 1:
        return int(x.quantize(Decimal(1), ROUNDING_MODES[mode]))
    q = (x / multiple).quantize(Decimal(1), ROUNDING_MODES[mode])
    return int(q) * multiple


def annuity_payment(principal: int, rate: Decimal, n: int) -> Decimal:
    """Exact equal instalment ``A = P*i / (1 - (1+i)^-n)`` (``P/n`` when the rate is zero)."""
    if rate == 0:
        return Decimal(principal) / n
    return Decimal(principal) * rate / (1 - (1 + rate) ** -n)


def validate(principal: int, terms: Terms) -> None:
    if terms.method not in METHODS:
        raise ScheduleError(f"Metode tidak dikenal: {terms.method}")
    if terms.frequency not in FREQUENCIES:
        raise ScheduleError(f"Frekuensi angsuran tidak dikenal: {terms.frequency}")
    if not isinstance(principal, int) or isinstance(principal, bool) or principal <= 0:
        raise ScheduleError("Pokok pinjaman harus bilangan bulat rupiah lebih dari nol.")
    if terms.term_months < 1:
        raise ScheduleError("Jangka waktu minimal 1 bulan.")
    n = instalment_count(terms.term_months, terms.frequency)
    if not 0 <= terms.grace_periods < n:
        raise ScheduleError("Masa tenggang harus lebih pendek dari jumlah angsuran.")
    if terms.rounding_multiple < 1:
        raise ScheduleError("Kelipatan pembulatan minimal Rp 1.")
    if Decimal(terms.rate_percent_per_month) < 0:
        raise ScheduleError("Suku jasa tidak boleh negatif.")


def build_schedule(principal: int, terms: Terms, first_due_date: date,
                   disbursed_on: date | None = None) -> list[Instalment]:
    """The instalments of a loan of ``principal`` rupiah. Pure; see the module docstring for rounding
    and the first period (which needs ``disbursed_on``; without it every period is a standard one).

    :raises ScheduleError: invalid terms, or a rounding multiple so coarse that an instalment's principal
        would be negative.
    """
    validate(principal, terms)
    n = instalment_count(terms.term_months, terms.frequency)
    g = terms.grace_periods
    dates = due_dates(first_due_date, n, terms.frequency, anchor_day(disbursed_on, first_due_date, terms.frequency))
    first = first_period(terms, first_due_date, disbursed_on)
    rate = periodic_rate(terms)
    mult, mode = terms.rounding_multiple, terms.rounding_mode
    amortising = n - g

    out: list[Instalment] = []
    balance = principal
    if terms.method == "flat":
        # interest of every period on the ORIGINAL principal; total interest P x r x term_months exactly
        total_interest = _rupiah(Decimal(principal) * Decimal(terms.rate_percent_per_month) / HUNDRED
                                 * terms.term_months)
        # exact instalment (principal share + interest share) as ONE division of integers, so an exact
        # half is not lost to a 28-digit quotient (multiply before dividing)
        exact_instalment = Decimal(principal * n + total_interest * amortising) / (amortising * n)
        interest_so_far = 0
        for k in range(n):
            last = k == n - 1
            # cumulative rounding: never negative, sums exactly to the total interest; the cumulative share
            # total x (k+1) / n is one exact division (48.518.608 at 2,38 % x 12: instalment 3 reaches
            # 3.464.228,5, which rounds half up to 3.464.229)
            interest = (_rupiah(Decimal(total_interest * (k + 1)) / n) - interest_so_far if not last
                        else total_interest - interest_so_far)
            interest_so_far += interest
            if k < g:
                part = 0
            elif last:
                part = balance
            else:
                # the instalment (exact principal share + exact interest share) is what is rounded
                part = round_to_multiple(exact_instalment, mult, mode) - interest
            if part > balance or (part == balance and not last):
                raise ScheduleError("Kelipatan pembulatan terlalu besar untuk pinjaman ini.")
            out.append(Instalment(k + 1, dates[k], part, interest))
            balance -= part
    else:
        exact_principal = Decimal(principal) / amortising
        payment = annuity_payment(principal, rate, amortising)
        for k in range(n):
            last = k == n - 1
            standard_interest = interest = _rupiah(Decimal(balance) * rate)
            if k == 0 and first is not None and first.prorated:
                interest = _rupiah(Decimal(balance) * rate * first.days / first.standard_days)
            if k < g:
                part = 0
            elif last:
                part = balance
            elif terms.method == "anuitas":
                # a prorated first period moves only the interest: the principal part stays the annuity's
                part = round_to_multiple(payment + interest - standard_interest, mult, mode) - interest
            else:  # efektif: equal principal, total rounded to the multiple
                part = round_to_multiple(exact_principal + interest, mult, mode) - interest
            if part < 0:  # the instalment would not even cover the interest: the debt would grow forever
                raise ScheduleError("Angsuran tidak menutup bunganya: suku bunga terlalu tinggi untuk "
                                    "jangka waktu dan pembulatan ini.")
            if part > balance or (part == balance and not last):
                raise ScheduleError("Kelipatan pembulatan terlalu besar untuk pinjaman ini.")
            out.append(Instalment(k + 1, dates[k], part, interest))
            balance -= part
    if any(i.principal < 0 for i in out) or balance != 0:
        raise ScheduleError("Kelipatan pembulatan terlalu besar untuk pinjaman ini.")
    return out


def total_interest(schedule: list[Instalment]) -> int:
    return sum(i.interest for i in schedule)


def rebuild_from(balance: int, terms: Terms, first_due_date: date, instalments: int) -> list[Instalment]:
    """A fresh schedule for a remaining ``balance`` over ``instalments`` periods (rescheduling)."""
    months = instalments if terms.frequency == "monthly" else max(1, -(-instalments * 12 // 52))
    new_terms = Terms(terms.method, terms.rate_percent_per_month, months, terms.frequency, 0,
                      terms.rounding_multiple, terms.rounding_mode)
    return build_schedule(balance, new_terms, first_due_date)
