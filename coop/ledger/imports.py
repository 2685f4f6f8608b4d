"""The opening-balance import. Batches post through :func:`coop.ledger.services.post_entries` (the one
writer of entries and postings, re-exported here with :class:`EntrySpec` for the importers)."""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from coop.db import db
from coop.errors import ValidationError
from coop.ledger import chart
from coop.ledger.models import Account
from coop.ledger.rules import Line
from coop.ledger.services import EntrySpec, account_by_code, post_entries

__all__ = ["EntrySpec", "post_entries", "OpeningRow", "parse_opening_csv", "import_opening_balances"]


@dataclass(frozen=True)
class OpeningRow:
    """An opening balance: account code and the amount on the account's NORMAL side (may be negative,
    e.g. a contra account)."""

    code: str
    amount: int
    memo: str | None = None


def parse_opening_csv(text: str) -> list[OpeningRow]:
    """Parse ``code,amount[,memo]`` CSV (header row required). :raises ValidationError: naming rows."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"code", "amount"} <= {f.strip().lower() for f in reader.fieldnames}:
        raise ValidationError("Kolom wajib: code, amount.", fields={"file": ["kolom wajib: code, amount"]})
    rows, problems = [], []
    for n, raw in enumerate(reader, 2):
        raw = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        amount = raw.get("amount", "").replace(".", "").replace(" ", "")
        if not amount.lstrip("-").isdigit():
            problems.append(f"baris {n}: jumlah '{raw.get('amount')}' bukan rupiah bulat")
            continue
        rows.append(OpeningRow(raw["code"], int(amount), raw.get("memo") or None))
    if problems:
        raise ValidationError("File saldo awal tidak valid.", fields={"file": problems[:100]})
    return rows


def import_opening_balances(cooperative_id: int, rows: Sequence[OpeningRow], *, actor, value_date: date,
                            counter_code: str = chart.SALDO_AWAL) -> list[int]:
    """Post opening balances: one entry per row against the opening-balance equity account (3901),
    through :func:`post_entries` (all-or-nothing). Returns the entry ids.

    :raises ValidationError: unknown account codes (all of them listed), zero amounts.
    """
    from coop import datebounds

    datebounds.check_day(cooperative_id, value_date, "value_date")
    counter = account_by_code(cooperative_id, counter_code)
    codes = sorted({r.code for r in rows})
    by_code: dict[str, tuple[int, str]] = {}
    for i in range(0, len(codes), 500):
        for code, acc_id, side in db.session.execute(sa.select(Account.code, Account.id, Account.normal_side).where(
                Account.cooperative_id == cooperative_id, Account.code.in_(codes[i:i + 500]))):
            by_code[code] = (acc_id, side)
    problems = [f"baris {n}: akun {r.code} tidak dikenal" for n, r in enumerate(rows, 1) if r.code not in by_code]
    problems += [f"baris {n}: jumlah nol" for n, r in enumerate(rows, 1) if r.amount == 0]
    if problems:
        raise ValidationError("Saldo awal tidak valid.", fields={"rows": problems[:100]})
    specs = []
    for r in rows:
        acc_id, side = by_code[r.code]
        debit_side = (side == "D") == (r.amount > 0)
        amt = abs(r.amount)
        lines = ([Line.dr(acc_id, amt), Line.cr(counter.id, amt)] if debit_side
                 else [Line.dr(counter.id, amt), Line.cr(acc_id, amt)])
        specs.append(EntrySpec(lines=lines, value_date=value_date, memo=r.memo or f"Saldo awal {r.code}"))
    return post_entries(cooperative_id, specs, actor=actor, source="ledger.opening",
                        audit_action="ledger.opening_import")
