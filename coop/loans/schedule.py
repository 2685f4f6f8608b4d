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

Weekly loans: ``term_months`` months are paid in ``weekly_instalments(term_months)`` weeks (52 a year);
the periodic rate of a week is ``monthly rate x 12 / 52``; a flat loan's total interest is still
``principal x rate x term_months``.
"""
from __future__ import annotations

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


class ScheduleError(ValueError):
    """Terms that cannot produce a schedule (message in Bahasa Indonesia)."""


def weekly_instalments(term_months: int) -> int:
    """Number of weekly instalments in ``term_months`` months (52 weeks a year, rounded half up)."""
    return int((Decimal(term_months) * 52 / 12).quantize(Decimal(1), ROUND_HALF_UP))


def instalment_count(term_months: int, frequency: str) -> int:
    return term_months if frequency == "monthly" else weekly_instalments(term_months)


def due_dates(first_due_date: date, count: int, frequency: str) -> list[date]:
    if frequency == "weekly":
        return [first_due_date + timedelta(weeks=k) for k in range(count)]
    return [add_months(first_due_date, k) for k in range(count)]


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


def build_schedule(principal: int, terms: Terms, first_due_date: date) -> list[Instalment]:
    """The instalments of a loan of ``principal`` rupiah. Pure; see the module docstring for rounding.

    :raises ScheduleError: invalid terms, or a rounding multiple so coarse that an instalment's principal
        would be negative.
    """
    validate(principal, terms)
    n = instalment_count(terms.term_months, terms.frequency)
    g = terms.grace_periods
    dates = due_dates(first_due_date, n, terms.frequency)
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
            interest = _rupiah(Decimal(balance) * rate)
            if k < g:
                part = 0
            elif last:
                part = balance
            elif terms.method == "anuitas":
                part = round_to_multiple(payment, mult, mode) - interest
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
