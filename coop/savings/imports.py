"""Opening balances of savings from the paper books: CSV or XLSX, dry run, row errors, all or nothing.

Columns (header row, case-insensitive): ``member_number`` (or ``nik``), ``kind`` (pokok / wajib /
sukarela), ``amount`` (whole rupiah). Each valid row becomes one entry Dr 3901 Saldo Awal, Cr the
member's savings account, dated ``value_date``; nothing is written unless every row is valid.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from coop import audit, datebounds
from coop.db import db
from coop.errors import ValidationError
from coop.ledger import chart
from coop.ledger.models import JournalEntry
from coop.ledger.services import Line, account_by_code
from coop.money import RupiahInputError, parse_rupiah

KINDS = ("pokok", "wajib", "sukarela")


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    total: int = 0
    errors: list = field(default_factory=list)  # [{"row", "field", "message"}]
    dry_run: bool = True


def read_table(filename: str, data: bytes) -> list[dict]:
    """Rows of a CSV (UTF-8, comma or semicolon) or XLSX (first sheet) as dicts keyed by lower-case header."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise ValidationError("Berkas XLSX tidak bisa dibaca.", fields={"file": ["XLSX rusak"]}) from None
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
        if not rows:
            return []
        header = [str(h or "").strip().lower() for h in rows[0]]
        return [{h: ("" if v is None else v) for h, v in zip(header, r, strict=False)} for r in rows[1:]
                if any(v not in (None, "") for v in r)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("CSV harus UTF-8.", fields={"file": ["bukan UTF-8"]}) from None
    dialect: type[csv.Dialect] = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;")
    except csv.Error:
        pass
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    return [{(k or "").strip().lower(): (v or "").strip() for k, v in r.items()} for r in reader
            if any((v or "").strip() for v in r.values())]


def _amount(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if not isinstance(raw, str):  # an XLSX number cell such as 200000.0: whole rupiah or refused
        try:
            d = Decimal(str(raw))
        except InvalidOperation:
            return None
        return int(d) if d.is_finite() and d == d.to_integral_value() else None
    try:  # typed as on a receipt: "Rp 200.000"; "200.00" or "200.000,50" refused, never guessed
        return parse_rupiah(raw)
    except RupiahInputError:
        return None


def import_opening_balances(cooperative_id: int, rows: list[dict], value_date: date, *, actor,
                            dry_run: bool = True) -> ImportResult:
    """Validate every row; post them all (unless ``dry_run``) only when none has an error."""
    from coop.ledger.imports import EntrySpec, post_entries
    from coop.membership.models import Member
    from coop.registry.models import Resident
    from coop.savings.services import _activate_if_pokok_paid, account_for, pokok_due

    datebounds.check_day(cooperative_id, value_date, "value_date")  # the file's one date, typed on the form
    res = ImportResult(rows=len(rows), dry_run=dry_run)
    by_number = {m.member_number: m for m in db.session.scalars(
        sa.select(Member).where(Member.cooperative_id == cooperative_id))}
    by_nik = {nik: m for m, nik in db.session.execute(
        sa.select(Member, Resident.nik).join(Resident, Resident.id == Member.resident_id)
        .where(Member.cooperative_id == cooperative_id))}
    seen, specs, accounts = set(), [], []
    for n, row in enumerate(rows, 2):  # row 1 is the header
        def err(f, msg, n=n):
            res.errors.append({"row": n, "field": f, "message": msg})
        number, nik = str(row.get("member_number", "")).strip().upper(), str(row.get("nik", "")).strip()
        member = by_number.get(number) if number else by_nik.get(nik)
        if member is None:
            err("member_number", "anggota tidak ditemukan (isi member_number atau nik)")
            continue
        if not member.is_current:
            err("member_number", f"{member.member_number} bukan anggota aktif")
            continue
        kind = str(row.get("kind", "")).strip().lower()
        if kind not in KINDS:
            err("kind", "harus pokok, wajib atau sukarela")
            continue
        amount = _amount(row.get("amount", ""))
        if amount is None or amount <= 0:
            err("amount", "harus bilangan bulat rupiah > 0")
            continue
        if (member.id, kind) in seen:
            err("kind", f"{member.member_number} {kind} muncul dua kali")
            continue
        seen.add((member.id, kind))
        acc = account_for(cooperative_id, member.id, kind)
        key = f"savings.opening:{acc.id}"
        if db.session.scalar(sa.select(JournalEntry.id).where(JournalEntry.cooperative_id == cooperative_id,
                                                              JournalEntry.idempotency_key == key)):
            err("kind", f"saldo awal {kind} {member.member_number} sudah pernah diimpor")
            continue
        if kind == "pokok" and acc.balance + amount > pokok_due(acc):
            err("amount", f"simpanan pokok maksimal {pokok_due(acc)}")
            continue
        specs.append((acc, amount, key))
        res.total += amount
    if res.errors or dry_run:
        return res
    saldo_awal = account_by_code(cooperative_id, chart.SALDO_AWAL).id
    post_entries(cooperative_id, [EntrySpec(lines=[Line.dr(saldo_awal, amt), Line.cr(acc.ledger_account_id, amt)],
                                            value_date=value_date, memo=f"Saldo awal {acc.account_number}",
                                            idempotency_key=key) for acc, amt, key in specs],
                 actor=actor, source="savings.opening")
    for acc, _, _ in specs:
        db.session.refresh(acc.ledger_account)
        accounts.append(acc)
        if acc.kind == "pokok":
            _activate_if_pokok_paid(acc)
    res.created = len(specs)
    audit.record(actor, "savings.opening_import", "savings_account", None,
                 {"rows": res.rows, "total": res.total}, cooperative_id=cooperative_id)
    return res
