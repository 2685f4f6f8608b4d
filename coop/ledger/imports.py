"""The opening-balance import. Batches post through :func:`coop.ledger.services.post_entries` (the one
writer of entries and postings, re-exported here with :class:`EntrySpec` for the importers).

*Bounds* (issue 14, finding 6). :func:`read_opening_file` reads the upload (CSV or XLSX) with
:mod:`coop.uploads`: rows streamed, rows, columns and characters a cell bounded (the ``IMPORT_*``
settings), an over-compressed XLSX refused (413) before openpyxl reads it, the first ``max_errors``
problems listed and every one counted by code.

*The write lock* (finding 5). A cooperative's opening balances are one act: they post in ONE unit of work,
all or nothing. Called outside a unit of work (the page, the CLI), :func:`import_opening_balances` looks
the accounts up and builds every entry with reads only, then opens one short unit of work that posts them
(``post_entries`` checks again, under the lock, that each account is open). Inside an open unit of work
it does both in that one.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from coop import datebounds, uploads
from coop.db import atomic, db, in_unit_of_work
from coop.errors import ValidationError
from coop.ledger import chart
from coop.ledger.models import Account
from coop.ledger.rules import Line
from coop.ledger.services import EntrySpec, account_by_code, post_entries
from coop.uploads import DEFAULT_LIMITS, ErrorList, ImportLimits, UnreadableFile

__all__ = ["EntrySpec", "post_entries", "OpeningRow", "parse_opening_csv", "read_opening_file",
           "import_opening_balances"]


@dataclass(frozen=True)
class OpeningRow:
    """An opening balance: account code and the amount on the account's NORMAL side (may be negative,
    e.g. a contra account)."""

    code: str
    amount: int
    memo: str | None = None


def _whole_rupiah(raw: object) -> int | None:
    """``2.500.000``, ``-100000`` or an XLSX number cell holding a whole number; None otherwise."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        try:
            d = Decimal(str(raw))
        except InvalidOperation:  # pragma: no cover - str(float) is always a Decimal
            return None
        return int(d) if d.is_finite() and d == d.to_integral_value() else None
    text = str(raw or "").replace(".", "").replace(" ", "")
    return int(text) if text.lstrip("-").isdigit() and text.count("-") <= 1 and len(text) <= 20 else None


def read_opening_file(data: bytes, filename: str = "", limits: ImportLimits = DEFAULT_LIMITS) -> list[OpeningRow]:
    """Parse a ``code,amount[,memo]`` CSV or XLSX (header row required), streamed and bounded.

    The result is a list (the rows post in one transaction), at most ``limits.max_rows`` long.

    :raises ValidationError: unreadable, a missing or doubled column, or rows in error (the first
        ``max_errors`` listed under ``file``, the message counting every one by code).
    :raises PayloadTooLarge: too many rows; an XLSX that unpacks too large (before openpyxl reads it).
    """
    try:
        header, raw_rows = uploads.read_table(data, filename, limits)
    except UnreadableFile as exc:
        raise ValidationError(str(exc), fields={"file": ["unreadable_file"]}) from None
    names = uploads.header_names(header)
    if not {"code", "amount"} <= set(names):
        raise ValidationError("Kolom wajib: code, amount.", fields={"file": ["kolom wajib: code, amount"]})
    doubled = uploads.duplicate_names(names)
    if doubled:
        raise ValidationError(f"Kolom ganda: {', '.join(doubled)}.", fields={"file": ["duplicate_column"]})
    rows: list[OpeningRow] = []
    problems = ErrorList(limits.max_errors)
    n = 1
    try:
        for n, cells in uploads.data_rows(raw_rows, limits):
            raw = {k: ("" if v is None else v) for k, v in zip(names, cells, strict=False) if k}
            if all(v == "" for v in raw.values()):
                continue
            long = sorted(k for k, v in raw.items() if uploads.too_long(v, limits))
            if long:
                problems.add(f"baris {n}: kolom {', '.join(long)}: {uploads.too_long_message(limits)}", "cell_too_long")
                continue
            amount = _whole_rupiah(raw.get("amount"))
            if amount is None:
                problems.add(f"baris {n}: jumlah '{raw.get('amount')}' bukan rupiah bulat", "invalid_amount")
                continue
            rows.append(OpeningRow(str(raw["code"]).strip(), amount, str(raw.get("memo") or "").strip() or None))
    except UnreadableFile as exc:  # a malformed row further down the file
        problems.add(f"baris {n + 1}: {exc}", "unreadable_file")
    if problems.total:
        raise ValidationError(f"File saldo awal tidak valid: {problems.summary()}.", fields={"file": list(problems)})
    return rows


def parse_opening_csv(text: str, limits: ImportLimits = DEFAULT_LIMITS) -> list[OpeningRow]:
    """Parse ``code,amount[,memo]`` CSV text (header row required): :func:`read_opening_file`.

    :raises ValidationError: naming rows."""
    return read_opening_file(text.encode("utf-8"), "opening.csv", limits)


def _plan(cooperative_id: int, rows: Sequence[OpeningRow], value_date: date, counter_code: str,
          limits: ImportLimits) -> list[EntrySpec]:
    """The entries of ``rows`` (reads only). :raises ValidationError: unknown codes, zero amounts."""
    datebounds.check_day(cooperative_id, value_date, "value_date")
    counter = account_by_code(cooperative_id, counter_code)
    codes = sorted({r.code for r in rows})
    by_code: dict[str, tuple[int, str]] = {}
    for i in range(0, len(codes), 500):
        for code, acc_id, side in db.session.execute(sa.select(Account.code, Account.id, Account.normal_side).where(
                Account.cooperative_id == cooperative_id, Account.code.in_(codes[i:i + 500]))):
            by_code[code] = (acc_id, side)
    problems = ErrorList(limits.max_errors)
    for n, r in enumerate(rows, 1):
        if r.code not in by_code:
            problems.add(f"baris {n}: akun {r.code} tidak dikenal", "unknown_account")
    for n, r in enumerate(rows, 1):
        if r.amount == 0:
            problems.add(f"baris {n}: jumlah nol", "zero_amount")
    if problems.total:
        message = "Saldo awal tidak valid." if not problems.unlisted else f"Saldo awal tidak valid: {problems.summary()}."
        raise ValidationError(message, fields={"rows": list(problems)})
    specs = []
    for r in rows:
        acc_id, side = by_code[r.code]
        debit_side = (side == "D") == (r.amount > 0)
        amt = abs(r.amount)
        lines = ([Line.dr(acc_id, amt), Line.cr(counter.id, amt)] if debit_side
                 else [Line.dr(counter.id, amt), Line.cr(acc_id, amt)])
        specs.append(EntrySpec(lines=lines, value_date=value_date, memo=r.memo or f"Saldo awal {r.code}"))
    return specs


def _post(cooperative_id: int, specs: list[EntrySpec], *, actor: Any) -> list[int]:
    return post_entries(cooperative_id, specs, actor=actor, source="ledger.opening",
                        audit_action="ledger.opening_import")


def import_opening_balances(cooperative_id: int, rows: Sequence[OpeningRow], *, actor: Any, value_date: date,
                            counter_code: str = chart.SALDO_AWAL,
                            limits: ImportLimits = DEFAULT_LIMITS) -> list[int]:
    """Post opening balances: one entry per row against the opening-balance equity account (3901),
    through :func:`post_entries` (all-or-nothing). Returns the entry ids.

    Outside a unit of work the entries are built with reads only and then posted in one short unit of
    work (see the module docstring); inside one, in that one.

    :raises ValidationError: unknown account codes, zero amounts (the first ``max_errors`` listed).
    """
    specs = _plan(cooperative_id, rows, value_date, counter_code, limits)
    if in_unit_of_work():
        return _post(cooperative_id, specs, actor=actor)
    ids = atomic(_post, cooperative_id, specs, actor=actor)
    db.session.expire_all()
    return ids
