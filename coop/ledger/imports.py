"""Batch posting for imports, and the opening-balance import.

:func:`post_entries` applies exactly the checks of :func:`coop.ledger.services.post_entry` to many
entries in ONE unit of work with a constant number of statements per batch (not per entry): the head
is locked once, the touched accounts once (in id order), closed periods and used idempotency keys are
read once, entries go in with one multi-row INSERT, postings with another. Either every entry posts
or none does.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from coop import audit
from coop.db import db, utcnow
from coop.errors import IdempotencyConflict, PeriodClosed, ValidationError
from coop.ledger import chart, rules
from coop.ledger.models import Account, AccountingPeriod, JournalEntry, Posting
from coop.ledger.rules import Line
from coop.ledger.services import (
    _apply_balances,
    _lock_account_rows,
    _lock_head,
    _next_vouchers,
    account_by_code,
    check_value_date,
    max_line_amount,
)


@dataclass
class EntrySpec:
    """One entry of a batch (the arguments of ``post_entry``)."""

    lines: Sequence[Line]
    value_date: date
    memo: str
    source_ref: str | None = None
    idempotency_key: str | None = None
    extra: dict = field(default_factory=dict)


def post_entries(cooperative_id: int, specs: Sequence[EntrySpec], *, actor, source: str = "import",  # noqa: C901, PLR0915 -- the batch writer; issue 16 item 2 reworks it
                 audit_action: str | None = None) -> list[int]:
    """Post many entries at once, all-or-nothing. Returns the new entry ids in input order.

    Same checks as ``post_entry`` (balanced lines, accounts of this cooperative and open, periods open,
    balance floors after EACH entry in order, idempotency keys unused; a key already used with the same
    payload is skipped and its original id returned). One audit row summarises the batch.

    :raises ValidationError: with ``fields={"entries": ["#n: problem", ...]}`` naming the bad entries.
    """
    problems = []
    for n, spec in enumerate(specs, 1):
        for p in rules.line_problems(list(spec.lines), max_line_amount()):
            problems.append(f"#{n}: {p}")
        if not isinstance(spec.value_date, date):
            problems.append(f"#{n}: tanggal tidak valid.")
            continue
        try:
            check_value_date(cooperative_id, spec.value_date)
        except ValidationError as exc:
            problems.append(f"#{n}: {exc.message}")
    if problems:
        raise ValidationError(f"{len(problems)} masalah pada data impor.", code="invalid_entries",
                              fields={"entries": problems[:100]})
    if not specs:
        return []
    head = _lock_head(cooperative_id)

    memos = [(s.memo or "").strip() or source for s in specs]
    fingerprints = [rules.payload_hash(s.value_date, m, list(s.lines), source) for s, m in zip(specs, memos, strict=False)]
    keys = [s.idempotency_key for s in specs if s.idempotency_key]
    existing: dict[str, tuple[int, str]] = {}
    for i in range(0, len(keys), 500):
        for k, eid, ph in db.session.execute(sa.select(
                JournalEntry.idempotency_key, JournalEntry.id, JournalEntry.payload_hash).where(
                JournalEntry.cooperative_id == cooperative_id, JournalEntry.idempotency_key.in_(keys[i:i + 500]))):
            existing[k] = (eid, ph)
    if len(set(keys)) != len(keys):
        raise IdempotencyConflict("Idempotency-Key berulang di dalam satu impor.")

    closed = list(db.session.execute(sa.select(AccountingPeriod.start_on, AccountingPeriod.end_on).where(
        AccountingPeriod.cooperative_id == cooperative_id, AccountingPeriod.status == "closed")))
    touched: set[int] = set()
    todo = []
    for n, (spec, fp) in enumerate(zip(specs, fingerprints, strict=False), 1):
        if spec.idempotency_key and spec.idempotency_key in existing:
            if existing[spec.idempotency_key][1] != fp:
                raise IdempotencyConflict(f"#{n}: Idempotency-Key sudah dipakai untuk transaksi lain.")
            continue
        for start, end in closed:
            if start <= spec.value_date <= end:
                raise PeriodClosed(f"#{n}: periode yang memuat {spec.value_date.isoformat()} sudah ditutup.")
        touched.update(ln.account_id for ln in spec.lines)
        todo.append(n - 1)
    accounts = _lock_account_rows(cooperative_id, touched)

    # Balances entry by entry (floors hold after every entry, as if posted one by one).
    for i in todo:
        delta: dict[int, int] = defaultdict(int)
        for ln in specs[i].lines:
            delta[ln.account_id] += ln.debit - ln.credit
        try:
            _apply_balances(accounts, delta)
        except Exception as exc:
            exc.message = f"#{i + 1}: {getattr(exc, 'message', exc)}"
            raise

    per_year: dict[int, int] = defaultdict(int)
    for i in todo:
        per_year[specs[i].value_date.year] += 1
    next_seq = {year: _next_vouchers(cooperative_id, year, count) for year, count in sorted(per_year.items())}

    now = utcnow()
    actor_id = getattr(actor, "id", None)
    rows = []
    prev = head.head_hash
    chain = head.chain_seq
    for i in todo:
        spec = specs[i]
        year = spec.value_date.year
        seq = next_seq[year]
        next_seq[year] += 1
        number = rules.voucher_number(year, seq)
        canon = rules.canonical(number, spec.value_date, memos[i],
                                [(accounts[ln.account_id].code, ln.debit, ln.credit) for ln in spec.lines])
        h = rules.chain_hash(prev, canon)
        chain += 1
        rows.append({"cooperative_id": cooperative_id, "voucher_year": year, "voucher_seq": seq,
                     "voucher_number": number, "chain_seq": chain, "value_date": spec.value_date,
                     "posted_at": now, "memo": memos[i], "source": source, "source_ref": spec.source_ref,
                     "idempotency_key": spec.idempotency_key, "payload_hash": fingerprints[i],
                     "reverses_id": None, "actor_id": actor_id, "prev_hash": prev, "hash": h})
        prev = h
    head.chain_seq = chain
    head.head_hash = prev
    db.session.flush()

    # Core executemany, not the ORM: this is the hot path of an import.
    entries_t, postings_t, accounts_t = JournalEntry.__table__, Posting.__table__, Account.__table__
    for start in range(0, len(rows), 5000):
        db.session.execute(entries_t.insert(), rows[start:start + 5000])
    new_ids: list[int] = []
    if rows:
        by_seq = dict(db.session.execute(sa.select(entries_t.c.chain_seq, entries_t.c.id).where(
            entries_t.c.cooperative_id == cooperative_id,
            entries_t.c.chain_seq.between(rows[0]["chain_seq"], rows[-1]["chain_seq"]))).all())
        new_ids = [by_seq[r["chain_seq"]] for r in rows]
    postings = []
    for entry_id, i in zip(new_ids, todo, strict=True):
        for line_no, ln in enumerate(specs[i].lines, 1):
            postings.append({"entry_id": entry_id, "line_no": line_no, "account_id": ln.account_id,
                             "debit": ln.debit, "credit": ln.credit, "memo": ln.memo})
    for start in range(0, len(postings), 5000):
        db.session.execute(postings_t.insert(), postings[start:start + 5000])
    changed = [{"acc_id": a.id, "new_balance": a.balance} for a in accounts.values() if a.balance != a.original]
    if changed:
        db.session.execute(accounts_t.update().where(accounts_t.c.id == sa.bindparam("acc_id"))
                           .values(balance=sa.bindparam("new_balance")), changed)
        # ORM Account objects already loaded in this session must not show the old balance.
        for obj in list(db.session.identity_map.values()):
            if isinstance(obj, Account):
                db.session.expire(obj, ["balance"])
    audit.record(actor, audit_action or f"ledger.post_batch.{source}", "journal_entry",
                 new_ids[0] if new_ids else None,
                 {"entries": len(new_ids), "first": new_ids[0] if new_ids else None,
                  "last": new_ids[-1] if new_ids else None}, cooperative_id=cooperative_id)
    by_input = dict(zip(todo, new_ids, strict=False))
    return [by_input[i] if i in by_input else existing[specs[i].idempotency_key][0] for i in range(len(specs))]


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
    from coop.ledger.models import Account

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
