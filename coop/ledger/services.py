"""Ledger services. :func:`post_entry` is the ONLY writer of journal entries and postings.

Locking: every posting first locks the cooperative's chain head (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite the whole transaction already holds the write lock from ``BEGIN IMMEDIATE``),
then the touched accounts in ascending id order. The head lock serialises the hash chain and the
voucher counter; the ordered account locks keep any other balance-touching code deadlock-free.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from coop import audit
from coop.db import db, utcnow
from coop.errors import (Conflict, IdempotencyConflict, InsufficientFunds, NotFound, PeriodClosed,
                         ValidationError)
from coop.ledger import chart, rules
from coop.ledger.models import Account, AccountingPeriod, JournalEntry, LedgerHead, Posting, VoucherCounter
from coop.ledger.rules import Line

__all__ = ["Line", "post_entry", "create_chart", "account_by_code", "open_subaccount", "get_entry",
           "balance_of"]


def create_chart(cooperative_id: int) -> list[Account]:
    """Create the template chart of accounts and the chain head for a new cooperative."""
    parents = {}
    created = []
    for code, name, name_en, typ, side, is_control in chart.TEMPLATE:
        acc = Account(cooperative_id=cooperative_id, code=code, name=name, name_en=name_en, type=typ,
                      normal_side=side, is_control=is_control, balance=0)
        db.session.add(acc)
        parents[code] = acc
        created.append(acc)
    db.session.add(LedgerHead(cooperative_id=cooperative_id, chain_seq=0, head_hash=rules.GENESIS_HASH))
    db.session.flush()
    return created


def account_by_code(cooperative_id: int, code: str) -> Account:
    acc = db.session.scalar(sa.select(Account).where(Account.cooperative_id == cooperative_id,
                                                     Account.code == code))
    if acc is None:
        raise NotFound(f"Akun {code} tidak ditemukan.")
    return acc


def open_subaccount(cooperative_id: int, parent_code: str, code: str, name: str,
                    min_balance: int | None = None) -> Account:
    """Open a sub-account (a member's savings account, a loan) under a chart account.

    :param min_balance: lowest allowed balance on the normal side (``0`` for savings), enforced by
        :func:`post_entry`.
    """
    parent = account_by_code(cooperative_id, parent_code)
    acc = Account(cooperative_id=cooperative_id, code=code, name=name, type=parent.type,
                  normal_side=parent.normal_side, parent_id=parent.id, balance=0, min_balance=min_balance)
    db.session.add(acc)
    db.session.flush()
    return acc


def balance_of(account_id: int) -> int:
    """Natural-side running balance of one account (O(1))."""
    acc = db.session.get(Account, account_id)
    if acc is None:
        raise NotFound("Akun tidak ditemukan.")
    return acc.natural_balance()


def get_entry(cooperative_id: int, entry_id: int) -> JournalEntry:
    entry = db.session.get(JournalEntry, entry_id)
    if entry is None or entry.cooperative_id != cooperative_id:
        raise NotFound("Jurnal tidak ditemukan.")
    return entry


def _lock_head(cooperative_id: int) -> LedgerHead:
    head = db.session.scalar(sa.select(LedgerHead).where(LedgerHead.cooperative_id == cooperative_id)
                             .with_for_update())
    if head is None:
        raise NotFound("Buku besar koperasi belum dibuat.")
    return head


def _check_period(cooperative_id: int, value_date: date) -> None:
    closed = db.session.scalar(sa.select(AccountingPeriod.id).where(
        AccountingPeriod.cooperative_id == cooperative_id, AccountingPeriod.status == "closed",
        AccountingPeriod.start_on <= value_date, AccountingPeriod.end_on >= value_date).limit(1))
    if closed is not None:
        raise PeriodClosed(f"Periode yang memuat tanggal {value_date.isoformat()} sudah ditutup.")


def _next_voucher(cooperative_id: int, year: int) -> int:
    counter = db.session.get(VoucherCounter, (cooperative_id, year), with_for_update=True)
    if counter is None:
        counter = VoucherCounter(cooperative_id=cooperative_id, year=year, last_seq=0)
        db.session.add(counter)
    counter.last_seq += 1
    return counter.last_seq


def post_entry(cooperative_id: int, lines: Sequence[Line], *, actor, memo: str, value_date: date,
               idempotency_key: str | None = None, source: str = "manual", source_ref: str | None = None,
               reverses_id: int | None = None, audit_action: str | None = None) -> JournalEntry:
    """Post one balanced journal entry. The only writer of entries and postings.

    Checks: at least two lines; positive whole-rupiah amounts, one side per line; debits == credits;
    every account of this cooperative and open; value date not in a closed period; accounts'
    ``min_balance`` respected after the posting; idempotency key unused (the same key with the same
    payload returns the original entry, with another payload raises :class:`IdempotencyConflict`).

    :param actor: the user posting (``None`` for system jobs).
    :returns: the posted (or, on an idempotent replay, the original) entry.
    :raises ValidationError: malformed lines. :raises InsufficientFunds: a balance floor would be broken.
    :raises PeriodClosed: the value date is in a closed period.
    """
    lines = list(lines)
    problems = rules.line_problems(lines)
    if problems:
        raise ValidationError(" ".join(problems), code="unbalanced_entry", fields={"lines": problems})
    if not isinstance(value_date, date):
        raise ValidationError("Tanggal transaksi tidak valid.", fields={"value_date": ["tanggal tidak valid"]})
    fingerprint = rules.payload_hash(value_date, memo, lines, source)

    head = _lock_head(cooperative_id)  # serialises everything below for this cooperative
    if idempotency_key:
        existing = db.session.scalar(sa.select(JournalEntry).where(
            JournalEntry.cooperative_id == cooperative_id, JournalEntry.idempotency_key == idempotency_key))
        if existing is not None:
            if existing.payload_hash != fingerprint:
                raise IdempotencyConflict("Idempotency-Key sudah dipakai untuk transaksi lain.")
            return existing
    _check_period(cooperative_id, value_date)

    delta: dict[int, int] = defaultdict(int)
    for ln in lines:
        delta[ln.account_id] += ln.debit - ln.credit
    accounts = {a.id: a for a in db.session.scalars(
        sa.select(Account).where(Account.id.in_(sorted(delta))).order_by(Account.id).with_for_update())}
    for account_id in delta:
        acc = accounts.get(account_id)
        if acc is None or acc.cooperative_id != cooperative_id:
            raise ValidationError("Akun tidak ditemukan di koperasi ini.", code="unknown_account",
                                  fields={"lines": [f"akun {account_id} tidak dikenal"]})
        if not acc.is_open:
            raise Conflict(f"Akun {acc.code} sudah ditutup.", code="account_closed")
    if reverses_id is not None:
        original = db.session.get(JournalEntry, reverses_id)
        if original is None or original.cooperative_id != cooperative_id:
            raise NotFound("Jurnal yang dibalik tidak ditemukan.")
        if db.session.scalar(sa.select(JournalEntry.id).where(JournalEntry.reverses_id == reverses_id)):
            raise Conflict("Jurnal ini sudah pernah dibalik.", code="already_reversed")

    for account_id in sorted(delta):
        acc = accounts[account_id]
        new_balance = acc.balance + delta[account_id]
        if acc.min_balance is not None:
            natural = new_balance if acc.normal_side == "D" else -new_balance
            if natural < acc.min_balance:
                raise InsufficientFunds(f"Saldo {acc.name} tidak mencukupi.")
        acc.balance = new_balance

    seq = _next_voucher(cooperative_id, value_date.year)
    number = rules.voucher_number(value_date.year, seq)
    canon = rules.canonical(number, value_date, memo,
                            [(accounts[ln.account_id].code, ln.debit, ln.credit) for ln in lines])
    head.chain_seq += 1
    entry_hash = rules.chain_hash(head.head_hash, canon)
    entry = JournalEntry(
        cooperative_id=cooperative_id, voucher_year=value_date.year, voucher_seq=seq, voucher_number=number,
        chain_seq=head.chain_seq, value_date=value_date, posted_at=utcnow(), memo=memo, source=source,
        source_ref=source_ref, idempotency_key=idempotency_key, payload_hash=fingerprint,
        reverses_id=reverses_id, actor_id=getattr(actor, "id", None), prev_hash=head.head_hash,
        hash=entry_hash)
    db.session.add(entry)
    db.session.flush()
    db.session.execute(sa.insert(Posting), [
        {"entry_id": entry.id, "line_no": i, "account_id": ln.account_id, "debit": ln.debit,
         "credit": ln.credit, "memo": ln.memo} for i, ln in enumerate(lines, 1)])
    head.head_hash = entry_hash
    db.session.flush()
    audit.record(actor, audit_action or f"ledger.post.{source}", "journal_entry", entry.id,
                 {"voucher": number, "amount": rules.totals(lines)[0]}, cooperative_id=cooperative_id)
    return entry
