"""Bounds on the dates users type where money or a decision moves (issue 12 item 3).

Every money-moving or decision service checks its typed date here, with ITS field name (``paid_on``,
``disbursed_on``, ``on`` ...) so the 422 names the field the user typed:

- not after the cooperative's business date (:func:`coop.clock.business_date`): 422 ``future_date``;
- not before the cooperative's founding (``Cooperative.founded_on``, when set) nor before the object's own
  earlier dates (a decision before its application, a repayment before the disbursement): 422
  ``date_before_earlier_event``, the message naming both dates;
- never before :data:`FLOOR` (a typo such as 0001-01-01 is a 422, never a 500 further down).

:func:`coop.ledger.services.post_entry`, the only writer of journal entries, applies the same bounds to
``value_date`` as the backstop. Services never read the clock themselves: they ask :func:`today`.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from coop import clock
from coop.auth.models import Cooperative
from coop.db import session_get
from coop.errors import DateBeforeEarlier, FutureDate, ValidationError

#: No money moves before this day, whatever the cooperative (guards arithmetic on absurd typed dates).
FLOOR = date(1900, 1, 1)

#: How each typed field is named in a message (Bahasa Indonesia; service messages stay Indonesian).
LABELS = {
    "value_date": "Tanggal transaksi",
    "paid_on": "Tanggal bayar",
    "disbursed_on": "Tanggal pencairan",
    "applied_on": "Tanggal pengajuan",
    "on": "Tanggal keputusan",
    "decided_on": "Tanggal keputusan",
    "joined_on": "Tanggal bergabung",
    "effective_on": "Tanggal berlaku",
    "died_on": "Tanggal meninggal",
    "received_on": "Tanggal terima",
    "counted_on": "Tanggal hitung",
    "opened_on": "Tanggal buka",
    "written_off_on": "Tanggal hapus buku",
    "rescheduled_on": "Tanggal jadwal ulang",
    "completed_on": "Tanggal selesai",
    "founded_on": "Tanggal berdiri",
    "date": "Tanggal",
}


def _cooperative(cooperative):
    """The Cooperative for an id (identity-map hit in a request: it is kept loaded) or the object itself."""
    if isinstance(cooperative, int):
        return session_get(Cooperative, cooperative)
    return cooperative


def today(cooperative) -> date:
    """The business date of ``cooperative`` (an id or a Cooperative)."""
    return clock.business_date(_cooperative(cooperative))


def label_of(field: str) -> str:
    return LABELS.get(field, "Tanggal")


def check_is_date(day, field: str) -> date:
    """A ``date`` (not a datetime, not text), else 422 naming ``field``."""
    if isinstance(day, datetime) or not isinstance(day, date):
        raise ValidationError(f"{label_of(field)} tidak valid.", fields={field: ["tanggal tidak valid"]})
    return day


def check_not_future(day: date, field: str, cooperative) -> None:
    """422 ``future_date`` naming ``field`` when ``day`` is after the cooperative's business date."""
    now = today(cooperative)
    if day > now:
        message = (f"{label_of(field)} {day.isoformat()} melewati tanggal hari ini ({now.isoformat()}).")
        raise FutureDate(message, fields={field: [f"tidak boleh setelah hari ini ({now.isoformat()})"]})


def check_not_before(day: date, field: str, earlier: date | None, earlier_label: str) -> None:
    """422 ``date_before_earlier_event`` when ``day`` is before ``earlier`` (the message names both dates,
    e.g. "Tanggal bayar 2026-01-02 sebelum tanggal pencairan 2026-01-05"). ``earlier`` None: nothing."""
    if earlier is not None and day < earlier:
        message = f"{label_of(field)} {day.isoformat()} sebelum {earlier_label} {earlier.isoformat()}."
        raise DateBeforeEarlier(message, fields={field: [message]})


def check_not_before_founding(day: date, field: str, cooperative) -> None:
    """Nothing before :data:`FLOOR`, nor before the cooperative's ``founded_on`` when it is set."""
    if day < FLOOR:
        message = f"{label_of(field)} {day.isoformat()} terlalu awal (paling awal {FLOOR.isoformat()})."
        raise ValidationError(message, code="date_out_of_range", fields={field: [message]})
    coop = _cooperative(cooperative)
    check_not_before(day, field, getattr(coop, "founded_on", None), "tanggal berdiri koperasi")


def check_day(cooperative, day, field: str, *, earlier: Iterable[tuple[date | None, str]] = (),
              allow_future: bool = False) -> date:
    """All the bounds of a typed money or decision date: a date, not after the business date (unless
    ``allow_future``), not before the founding, not before any of ``earlier`` (pairs of date and label,
    e.g. ``(loan.applied_on, "tanggal pengajuan")``). Returns ``day``."""
    check_is_date(day, field)
    check_not_before_founding(day, field, cooperative)
    if not allow_future:
        check_not_future(day, field, cooperative)
    for when, what in earlier:
        check_not_before(day, field, when, what)
    return day


__all__ = ["FLOOR", "LABELS", "check_day", "check_is_date", "check_not_before", "check_not_before_founding",
           "check_not_future", "today"]
