"""Ledger services. :func:`post_entry` is the ONLY writer of journal entries and postings.

Locking: every posting first locks the cooperative's chain head (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite the whole transaction already holds the write lock from ``BEGIN IMMEDIATE``),
then the touched accounts in ascending id order. The head lock serialises the hash chain and the
voucher counter; the ordered account locks keep any other balance-touching code deadlock-free.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from coop import audit, datebounds
from coop.db import db, utcnow
from coop.errors import (
    Conflict,
    IdempotencyConflict,
    InsufficientFunds,
    NotFound,
    PeriodClosed,
    ValidationError,
)
from coop.ledger import chart, rules
from coop.ledger.models import Account, AccountingPeriod, JournalEntry, LedgerHead, Posting, VoucherCounter
from coop.ledger.rules import Line

__all__ = ["Line", "post_entry", "create_chart", "account_by_code", "open_subaccount", "get_entry",
           "balance_of", "add_account", "close_account", "get_account", "open_subaccounts"]


@functools.cache
def _sql() -> SimpleNamespace:
    """The statements of the posting hot path, built once (building a statement costs as much Python as
    running it); values come as bound parameters."""
    heads, entries, periods = LedgerHead.__table__, JournalEntry.__table__, AccountingPeriod.__table__
    accounts, counters, postings = Account.__table__, VoucherCounter.__table__, Posting.__table__
    p = sa.bindparam
    return SimpleNamespace(
        lock_head=sa.select(heads.c.chain_seq, heads.c.head_hash).where(heads.c.cooperative_id == p("cid"))
        .with_for_update(),
        move_head=heads.update().where(heads.c.cooperative_id == p("cid"))
        .values(chain_seq=p("new_seq"), head_hash=p("new_hash")),
        entry_by_key=sa.select(entries.c.id, entries.c.payload_hash).where(
            entries.c.cooperative_id == p("cid"), entries.c.idempotency_key == p("key")),
        closed_period=sa.select(periods.c.id).where(
            periods.c.cooperative_id == p("cid"), periods.c.status == "closed", periods.c.start_on <= p("day"),
            periods.c.end_on >= p("day")).limit(1),
        lock_accounts=sa.select(accounts.c.id, accounts.c.cooperative_id, accounts.c.code, accounts.c.name,
                                accounts.c.normal_side, accounts.c.is_open, accounts.c.balance,
                                accounts.c.min_balance)
        .where(accounts.c.id.in_(p("ids", expanding=True))).order_by(accounts.c.id).with_for_update(),
        set_balance=accounts.update().where(accounts.c.id == p("acc_id")).values(balance=p("new_balance")),
        next_voucher=counters.update().where(counters.c.cooperative_id == p("cid"), counters.c.year == p("yr"))
        .values(last_seq=counters.c.last_seq + p("n")).returning(counters.c.last_seq),
        insert_postings=postings.insert().returning(postings.c.id, postings.c.line_no),
    )


def create_chart(cooperative_id: int) -> list[Account]:
    """Create the template chart of accounts and the chain head for a new cooperative. Kas gets the
    cash floor (``min_balance=0``) while the setting ``cash_never_negative`` is on (the default)."""
    from coop.ledger import cash_floor

    kas_floor = cash_floor.floor(cooperative_id)
    parents = {}
    created = []
    for code, name, name_en, typ, side, is_control in chart.TEMPLATE:
        acc = Account(cooperative_id=cooperative_id, code=code, name=name, name_en=name_en, type=typ,
                      normal_side=side, is_control=is_control, balance=0,
                      min_balance=kas_floor if code == chart.KAS else None)
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


def open_subaccounts(cooperative_id: int, parent_code: str, rows: Sequence[tuple[str, str]],
                     min_balance: int | None = None) -> dict[str, int]:
    """Open many sub-accounts at once (imports): ``rows`` of (code, name). Returns {code: id}.

    :raises ValidationError: a code already exists or repeats.
    """
    parent = account_by_code(cooperative_id, parent_code)
    codes = [c for c, _ in rows]
    if len(set(codes)) != len(codes):
        raise ValidationError("Kode sub-akun berulang.", fields={"code": ["kode berulang"]})
    t = Account.__table__
    for start in range(0, len(codes), 5000):
        taken = db.session.scalars(sa.select(t.c.code).where(t.c.cooperative_id == cooperative_id,
                                                              t.c.code.in_(codes[start:start + 5000]))).all()
        if taken:
            raise ValidationError("Kode akun sudah dipakai.", fields={"code": [f"{c} sudah dipakai" for c in taken[:20]]})
    now = utcnow()
    values = [{"cooperative_id": cooperative_id, "code": code, "name": name, "name_en": None, "type": parent.type,
               "normal_side": parent.normal_side, "parent_id": parent.id, "is_control": False, "is_open": True,
               "balance": 0, "min_balance": min_balance, "created_at": now} for code, name in rows]
    for start in range(0, len(values), 5000):
        db.session.execute(t.insert(), values[start:start + 5000])
    ids: dict[str, int] = {}
    for start in range(0, len(codes), 5000):
        ids.update(db.session.execute(sa.select(t.c.code, t.c.id).where(
            t.c.cooperative_id == cooperative_id, t.c.code.in_(codes[start:start + 5000]))).all())
    return ids


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
    # populate_existing: a head loaded earlier in this transaction (without the lock) must not be used stale
    head = db.session.scalar(sa.select(LedgerHead).where(LedgerHead.cooperative_id == cooperative_id)
                             .with_for_update().execution_options(populate_existing=True))
    if head is None:
        raise NotFound("Buku besar koperasi belum dibuat.")
    return head


def _check_period(cooperative_id: int, value_date: date) -> None:
    if db.session.execute(_sql().closed_period, {"cid": cooperative_id, "day": value_date}).first():
        raise PeriodClosed(f"Periode yang memuat tanggal {value_date.isoformat()} sudah ditutup.")


def _next_vouchers(cooperative_id: int, year: int, count: int = 1) -> int:
    """Reserve ``count`` consecutive voucher numbers of ``year``; returns the first. Runs under the head
    lock, so the counter row needs no lock of its own and numbers are gapless (a rollback undoes both).
    One ``UPDATE ... RETURNING`` (an INSERT the first time in a year)."""
    last = db.session.execute(_sql().next_voucher, {"cid": cooperative_id, "yr": year, "n": count}).scalar()
    if last is None:
        t = VoucherCounter.__table__
        db.session.execute(t.insert().values(cooperative_id=cooperative_id, year=year, last_seq=count))
        last = count
    return last - count + 1


def max_line_amount() -> int:
    """The largest amount of one posting line: config ``LEDGER_MAX_LINE_AMOUNT`` (default Rp 10 triliun,
    far above any village's money; never above :data:`rules.MAX_AMOUNT`)."""
    from flask import current_app, has_app_context

    configured = current_app.config.get("LEDGER_MAX_LINE_AMOUNT") if has_app_context() else None
    return int(configured) if configured else rules.DEFAULT_MAX_LINE_AMOUNT


def _validate(lines: Sequence[Line], value_date) -> None:
    problems = rules.line_problems(lines, max_line_amount())
    if problems:
        raise ValidationError(" ".join(problems), code="unbalanced_entry", fields={"lines": problems})
    if isinstance(value_date, datetime) or not isinstance(value_date, date):
        raise ValidationError("Tanggal transaksi tidak valid.", fields={"value_date": ["tanggal tidak valid"]})


def check_value_date(cooperative_id: int, value_date: date) -> None:
    """The backstop of every typed date (coop.datebounds): no entry dated after the cooperative's business
    date (422 ``future_date``) or before its founding (422 ``date_before_earlier_event``). Services check
    first with the field the user typed; this catches any path that forgot."""
    datebounds.check_not_before_founding(value_date, "value_date", cooperative_id)
    datebounds.check_not_future(value_date, "value_date", cooperative_id)


class _AccountRow:
    """The columns of an account that posting needs, read with Core (no ORM object per account)."""

    __slots__ = ("id", "cooperative_id", "code", "name", "normal_side", "is_open", "balance", "min_balance",
                 "original")

    def __init__(self, row):
        (self.id, self.cooperative_id, self.code, self.name, self.normal_side, self.is_open, self.balance,
         self.min_balance) = row
        self.original = self.balance

    def natural_balance(self) -> int:
        return self.balance if self.normal_side == "D" else -self.balance


def _lock_account_rows(cooperative_id: int, account_ids) -> dict[int, _AccountRow]:
    """Lock the touched account rows in ascending id order (deadlock-free against any other locker), in
    chunks, as plain rows; every one must be usable (:func:`check_accounts_usable`)."""
    ids = sorted(account_ids)
    found: dict[int, _AccountRow] = {}
    for start in range(0, len(ids), 5000):
        for row in db.session.execute(_sql().lock_accounts, {"ids": ids[start:start + 5000]}):
            found[row[0]] = _AccountRow(row)
    check_accounts_usable(cooperative_id, ids, found)
    return found


def _write_balances(accounts: dict[int, _AccountRow]) -> None:
    """Store the balances that moved (one executemany UPDATE) and show them on any ORM ``Account`` this
    session already holds (a savings account's ``balance`` reads its ledger account)."""
    changed = [{"acc_id": a.id, "new_balance": a.balance} for a in accounts.values() if a.balance != a.original]
    if not changed:
        return
    db.session.execute(_sql().set_balance, changed)
    for row in changed:
        _show_on_loaded(Account, row["acc_id"], balance=row["new_balance"])


def _show_on_loaded(model, pk, **values) -> None:
    """Values just written with Core, set as the committed state of the ORM object if loaded (no SQL)."""
    obj = db.session.identity_map.get(identity_key(model, pk))
    if obj is not None:
        for name, value in values.items():
            set_committed_value(obj, name, value)


def check_accounts_usable(cooperative_id: int, account_ids, accounts: dict) -> None:
    """Every account a posting touches exists in this cooperative and is open (one rule for
    :func:`post_entry` and the batch ``post_entries``). ``accounts`` maps id to a row with
    ``cooperative_id``, ``is_open``, ``code`` and ``name``."""
    for account_id in account_ids:
        acc = accounts.get(account_id)
        if acc is None or acc.cooperative_id != cooperative_id:
            raise ValidationError("Akun tidak ditemukan di koperasi ini.", code="unknown_account",
                                  fields={"lines": [f"akun {account_id} tidak dikenal"]})
        if not acc.is_open:
            raise Conflict(f"Akun {acc.code} {acc.name} sudah ditutup.", code="account_closed")


def _apply_balances(accounts: dict[int, Account], delta: dict[int, int]) -> None:
    """Move running balances; refuse (before touching anything) if a floor would be broken.

    ``min_balance`` is a floor on the NATURAL-side balance. Only a movement that lowers the natural
    balance is refused when it ends below the floor: a deposit into an account that is (for whatever
    historical reason) below its floor is always allowed, because it improves it.
    """
    # cash last: when a member's savings AND the cash box are short, the member's balance is the answer
    for account_id in sorted(delta, key=lambda a: (rules.is_cash_code(accounts[a].code), a)):
        acc = accounts[account_id]
        if acc.min_balance is None or delta[account_id] == 0:
            continue
        natural_delta = delta[account_id] if acc.normal_side == "D" else -delta[account_id]
        new_natural = acc.natural_balance() + natural_delta
        if natural_delta < 0 and new_natural < acc.min_balance:
            message, field = rules.floor_message(acc.code, acc.name, acc.natural_balance(), acc.min_balance,
                                                 -natural_delta)
            raise InsufficientFunds(message, fields={"amount": [field]})
    for account_id in sorted(delta):
        if delta[account_id]:
            accounts[account_id].balance += delta[account_id]


def _check_reversal(cooperative_id: int, reverses_id: int) -> JournalEntry:
    original = db.session.get(JournalEntry, reverses_id)
    if original is None or original.cooperative_id != cooperative_id:
        raise NotFound("Jurnal yang dibalik tidak ditemukan.")
    if original.reverses_id is not None:
        raise Conflict("Jurnal pembalik tidak dapat dibalik lagi.", code="reversal_of_reversal")
    if db.session.scalar(sa.select(JournalEntry.id).where(JournalEntry.reverses_id == reverses_id)):
        raise Conflict(f"Jurnal {original.voucher_number} sudah pernah dibalik.", code="already_reversed")
    return original


def post_entry(cooperative_id: int, lines: Sequence[Line], *, actor, memo: str, value_date: date,
               idempotency_key: str | None = None, source: str = "manual", source_ref: str | None = None,
               reverses_id: int | None = None, audit_action: str | None = None) -> JournalEntry:
    """Post one balanced journal entry. The only writer of entries and postings (with the batch
    :func:`coop.ledger.imports.post_entries`, which applies the same checks).

    Checks: at least two lines; positive whole-rupiah amounts, one side per line; debits == credits;
    every account of this cooperative and open; value date not in a closed period; accounts'
    ``min_balance`` respected; idempotency key unused (the same key with the same payload returns the
    original entry, with another payload raises :class:`IdempotencyConflict`); a reversal refers to an
    entry of this cooperative that was not reversed yet (and is not itself a reversal).

    Order of locks: the cooperative's chain head first (it serialises the chain, the voucher counter and
    the idempotency check, so two concurrent requests with one key yield ONE entry: the second waits
    for the head, then finds the first's committed entry), then the accounts in ascending id order.

    :param actor: the user posting (``None`` for system jobs).
    :returns: the posted (or, on an idempotent replay, the original) entry.
    :raises ValidationError: malformed lines. :raises InsufficientFunds: a balance floor would be broken.
    :raises PeriodClosed: the value date is in a closed period. :raises Conflict: closed account,
        reversal of an already reversed entry.
    """
    lines = list(lines)
    _validate(lines, value_date)
    check_value_date(cooperative_id, value_date)
    memo = (memo or "").strip() or source
    fingerprint = rules.payload_hash(value_date, memo, lines, source)

    sql = _sql()
    chain_seq, head_hash = db.session.execute(sql.lock_head, {"cid": cooperative_id}).one_or_none() or (None, None)
    if chain_seq is None:
        raise NotFound("Buku besar koperasi belum dibuat.")
    if idempotency_key:
        existing = db.session.execute(sql.entry_by_key, {"cid": cooperative_id, "key": idempotency_key}).first()
        if existing is not None:
            if existing.payload_hash != fingerprint:
                raise IdempotencyConflict("Idempotency-Key sudah dipakai untuk transaksi lain.")
            return db.session.get(JournalEntry, existing.id)
    _check_period(cooperative_id, value_date)

    delta: dict[int, int] = defaultdict(int)
    for ln in lines:
        delta[ln.account_id] += ln.debit - ln.credit
    accounts = _lock_account_rows(cooperative_id, delta)
    if reverses_id is not None:
        _check_reversal(cooperative_id, reverses_id)
    _apply_balances(accounts, delta)

    seq = _next_vouchers(cooperative_id, value_date.year)
    number = rules.voucher_number(value_date.year, seq)
    canon = rules.canonical(number, value_date, memo,
                            [(accounts[ln.account_id].code, ln.debit, ln.credit) for ln in lines])
    chain_seq += 1
    entry_hash = rules.chain_hash(head_hash, canon)
    # Core statements, not the ORM unit of work: this is the hot path of every cash-desk transaction.
    values = dict(
        cooperative_id=cooperative_id, voucher_year=value_date.year, voucher_seq=seq, voucher_number=number,
        chain_seq=chain_seq, value_date=value_date, posted_at=utcnow(), memo=memo, source=source,
        source_ref=source_ref, idempotency_key=idempotency_key, payload_hash=fingerprint,
        reverses_id=reverses_id, actor_id=getattr(actor, "id", None), prev_hash=head_hash, hash=entry_hash)
    # the entry through the ORM (one INSERT): the session then knows it is new, so a rollback of this
    # transaction forgets it as it forgets any object it flushed
    entry = JournalEntry(**values)
    db.session.add(entry)
    db.session.flush()
    entry_id = entry.id
    db.session.execute(sql.move_head, {"cid": cooperative_id, "new_seq": chain_seq, "new_hash": entry_hash})
    _show_on_loaded(LedgerHead, cooperative_id, chain_seq=chain_seq, head_hash=entry_hash)
    _write_balances(accounts)
    # one multi-row INSERT; RETURNING rows come in no promised order, so they carry their line number
    ids = {line_no: posting_id for posting_id, line_no in db.session.execute(
        sql.insert_postings, [
            {"entry_id": entry_id, "line_no": i, "account_id": ln.account_id, "debit": ln.debit,
             "credit": ln.credit, "memo": ln.memo} for i, ln in enumerate(lines, 1)])}
    # posting id per account (its first line): a savings receipt's transaction id, without a query
    entry.posting_ids = {}
    for i, ln in enumerate(lines, 1):
        entry.posting_ids.setdefault(ln.account_id, ids[i])
    audit.record(actor, audit_action or f"ledger.post.{source}", "journal_entry", entry.id,
                 {"voucher": number, "amount": rules.totals(lines)[0]}, cooperative_id=cooperative_id)
    return entry


# --------------------------------------------------------------------------------------------
# Chart administration: admins add and close accounts; nothing is ever deleted.
# --------------------------------------------------------------------------------------------

def add_account(cooperative_id: int, *, actor, code: str, name: str, type: str,
                name_en: str | None = None, parent_id: int | None = None) -> Account:
    """Add a chart account (or a sub-account under ``parent_id``, which then fixes type and side).

    :raises ValidationError: bad code/type, duplicate code.
    """
    from coop.ledger.models import ACCOUNT_TYPES

    code = (code or "").strip()
    name = (name or "").strip()
    fields = {}
    if not code or len(code) > 40 or not all(ch.isalnum() or ch in ".-" for ch in code):
        fields["code"] = ["kode 1-40 huruf/angka (boleh . dan -)"]
    if not name:
        fields["name"] = ["wajib diisi"]
    parent = None
    if parent_id is not None:
        parent = db.session.get(Account, parent_id)
        if parent is None or parent.cooperative_id != cooperative_id:
            fields["parent_id"] = ["akun induk tidak dikenal"]
        else:
            type = parent.type
    if type not in ACCOUNT_TYPES:
        fields["type"] = ["jenis akun tidak dikenal"]
    if not fields and db.session.scalar(sa.select(Account.id).where(
            Account.cooperative_id == cooperative_id, Account.code == code)):
        fields["code"] = ["kode sudah dipakai"]
    if fields:
        raise ValidationError("Akun tidak dapat ditambahkan.", fields=fields)
    side = parent.normal_side if parent else ("D" if type in ("asset", "expense") else "C")
    from coop.ledger import cash_floor

    # a cash box under Kas (a teller's drawer) has the cash floor too
    floor = cash_floor.floor(cooperative_id) if parent and cash_floor.is_cash_account(cooperative_id, parent.id) else None
    acc = Account(cooperative_id=cooperative_id, code=code, name=name, name_en=name_en or None, type=type,
                  normal_side=side, parent_id=parent.id if parent else None, balance=0, min_balance=floor)
    db.session.add(acc)
    db.session.flush()
    audit.record(actor, "ledger.account_add", "account", acc.id, {"code": code, "name": name, "type": type},
                 cooperative_id=cooperative_id)
    return acc


def get_account(cooperative_id: int, account_id: int) -> Account:
    acc = db.session.get(Account, account_id)
    if acc is None or acc.cooperative_id != cooperative_id:
        raise NotFound("Akun tidak ditemukan.")
    return acc


def close_account(cooperative_id: int, account_id: int, *, actor) -> Account:
    """Close an account: it keeps its history but accepts no more postings. Only at a zero balance and
    with no open sub-accounts (closing would otherwise hide money).

    :raises Conflict: balance not zero, open sub-accounts, already closed.
    """
    acc = db.session.scalar(sa.select(Account).where(Account.id == account_id).with_for_update()
                            .execution_options(populate_existing=True))
    if acc is None or acc.cooperative_id != cooperative_id:
        raise NotFound("Akun tidak ditemukan.")
    if not acc.is_open:
        raise Conflict("Akun sudah ditutup.", code="account_closed")
    if acc.balance != 0:
        raise Conflict(f"Saldo akun {acc.code} belum nol (Rp {acc.natural_balance():,}).".replace(",", "."),
                       code="balance_not_zero")
    if db.session.scalar(sa.select(Account.id).where(Account.parent_id == acc.id, Account.is_open).limit(1)):
        raise Conflict("Akun masih punya sub-akun yang terbuka.", code="open_subaccounts")
    acc.is_open = False
    db.session.flush()
    audit.record(actor, "ledger.account_close", "account", acc.id, {"code": acc.code},
                 cooperative_id=cooperative_id)
    return acc
