"""Ledger services. :func:`post_entries` is the ONLY writer of journal entries and postings
(:func:`post_entry` is a batch of one).

Locking: every posting first locks the cooperative's chain head (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite the whole transaction already holds the write lock from ``BEGIN IMMEDIATE``),
then the touched accounts in ascending id order. The head lock serialises the hash chain, the
voucher counter, the idempotency keys and the closing of periods (coop.ledger.periods locks it too);
the ordered account locks keep any other balance-touching code deadlock-free. The head is held until
COMMIT and every other posting of the cooperative queues on it, so what needs no lock runs before it
(payload hashes, memos, the line and date checks) and what needs it costs as few round trips as
possible: the account locks, the used keys, the closed periods and a caller's ``dated_since`` read
are ONE statement (:func:`_reads_under_head`), the balances one UPDATE.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any, Literal, NamedTuple, overload

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm.attributes import set_committed_value

from coop import audit, datebounds
from coop.audit.models import AuditLog
from coop.auth.models import Cooperative
from coop.db import Base, Prepared, adopt_inserted, connection, current_session, db, identity_of, utcnow
from coop.errors import (
    Conflict,
    CoopError,
    IdempotencyConflict,
    InsufficientFunds,
    NotFound,
    PeriodClosed,
    ValidationError,
)
from coop.ledger import cash_floor, chart, rules
from coop.ledger.models import (
    ACCOUNT_TYPES,
    Account,
    AccountingPeriod,
    JournalEntry,
    LedgerHead,
    Posting,
    VoucherCounter,
)
from coop.ledger.rules import Line

__all__ = ["Line", "EntrySpec", "post_entry", "post_entries", "create_chart", "account_by_code", "open_subaccount", "get_entry",
           "entry_dates_since",
           "balance_of", "add_account", "close_account", "get_account", "open_subaccounts"]


def _table(model: type[Base]) -> sa.Table:
    """``model.__table__``, the Table it is (typed ``FromClause``: a class may map a join or a select; ours
    map tables). Core statements on it (not ``sa.insert(model)``, whose ORM plugin costs each execute)."""
    table = model.__table__
    assert isinstance(table, sa.Table), f"{model.__name__} maps a Table"
    return table


@functools.cache
def _sql() -> SimpleNamespace:
    """The statements of the posting hot path, built once (building a statement costs as much Python as
    running it); values come as bound parameters."""
    heads, entries, periods = _table(LedgerHead), _table(JournalEntry), _table(AccountingPeriod)
    accounts, counters, postings = _table(Account), _table(VoucherCounter), _table(Posting)
    p = sa.bindparam
    coops = _table(Cooperative)
    return SimpleNamespace(
        cooperative_dates=sa.select(coops.c.id, coops.c.founded_on, coops.c.timezone).where(coops.c.id == p("cid")),
        lock_head=sa.select(heads.c.chain_seq, heads.c.head_hash).where(heads.c.cooperative_id == p("cid"))
        .with_for_update(),
        move_head=heads.update().where(heads.c.cooperative_id == p("cid"))
        .values(chain_seq=p("new_seq"), head_hash=p("new_hash")),
        entries_by_keys=sa.select(entries.c.idempotency_key, entries.c.id, entries.c.payload_hash).where(
            entries.c.cooperative_id == p("cid"), entries.c.idempotency_key.in_(p("keys", expanding=True))),
        dated_since=sa.select(entries.c.value_date).distinct().where(
            entries.c.cooperative_id == p("cid"), entries.c.source == p("source"), entries.c.value_date >= p("since")),
        closed_periods=sa.select(periods.c.start_on, periods.c.end_on).where(
            periods.c.cooperative_id == p("cid"), periods.c.status == "closed", periods.c.start_on <= p("last"),
            periods.c.end_on >= p("first")),
        lock_accounts=sa.select(accounts.c.id, accounts.c.cooperative_id, accounts.c.code, accounts.c.name,
                                accounts.c.normal_side, accounts.c.is_open, accounts.c.balance,
                                accounts.c.min_balance)
        .where(accounts.c.id.in_(p("ids", expanding=True))).order_by(accounts.c.id).with_for_update(),
        set_balance=accounts.update().where(accounts.c.id == p("acc_id")).values(balance=p("new_balance")),
        next_voucher=counters.update().where(counters.c.cooperative_id == p("cid"), counters.c.year == p("yr"))
        .values(last_seq=counters.c.last_seq + p("n")).returning(counters.c.last_seq),
        # one multi-row INSERT each; RETURNING rows come in no promised order (asking SQLAlchemy to sort
        # them costs one statement per row on SQLite), so they carry their natural key
        insert_entries=entries.insert().returning(entries.c.chain_seq, entries.c.id),
        insert_postings=postings.insert().returning(postings.c.entry_id, postings.c.line_no, postings.c.id),
    )


#: lists up to this long (keys, accounts, entries, postings) go through :class:`coop.db.Prepared` statements,
#: one per length; longer ones (imports) through SQLAlchemy's execute, whose cost they amortise
_FAST = 16


@functools.cache
def _prepared(name: str) -> Prepared:
    """A fixed statement of :func:`_sql` run on the DBAPI cursor (:class:`coop.db.Prepared`)."""
    return Prepared(getattr(_sql(), name))


def _bind(column: sa.ColumnElement[Any], name: str) -> sa.BindParameter[Any]:
    return sa.bindparam(name, type_=column.type)


def _set_balances(n: int) -> sa.Update:
    """One UPDATE of ``n`` accounts' balances: ``CASE id WHEN :id0 THEN :b0 ...`` (no executemany); its
    parameters are :func:`_balance_params`."""
    accounts = _table(Account)
    a = accounts.c
    return accounts.update().where(a.id.in_([_bind(a.id, f"id{i}") for i in range(n)])).values(
        balance=sa.case(*[(a.id == _bind(a.id, f"id{i}"), _bind(a.balance, f"b{i}")) for i in range(n)],
                        else_=a.balance))


def _balance_params(changed: Sequence[tuple[int, int]]) -> dict[str, int]:
    return {k: v for i, (acc_id, balance) in enumerate(changed) for k, v in ((f"id{i}", acc_id), (f"b{i}", balance))}


@functools.cache
def _prepared_for(name: str, n: int, columns: tuple[str, ...] = ()) -> Prepared:
    """The statements whose shape depends on a list's length, for ``n`` items: the ``IN`` of used keys and
    of locked accounts, the multi-row INSERT of entries and of postings (``columns`` in row order)."""
    entries, accounts, postings = _table(JournalEntry), _table(Account), _table(Posting)
    stmt: sa.Executable
    if name == "entries_by_keys":
        stmt = sa.select(entries.c.idempotency_key, entries.c.id, entries.c.payload_hash).where(
            entries.c.cooperative_id == _bind(entries.c.cooperative_id, "cid"),
            entries.c.idempotency_key.in_([_bind(entries.c.idempotency_key, f"k{i}") for i in range(n)]))
    elif name == "set_balances":
        stmt = _set_balances(n)
    elif name == "lock_accounts":
        a = accounts.c
        stmt = (sa.select(a.id, a.cooperative_id, a.code, a.name, a.normal_side, a.is_open, a.balance, a.min_balance)
                .where(a.id.in_([_bind(a.id, f"id{i}") for i in range(n)])).order_by(a.id).with_for_update())
    else:
        table, returning = ((entries, (entries.c.chain_seq, entries.c.id)) if name == "insert_entries" else
                            (postings, (postings.c.entry_id, postings.c.line_no, postings.c.id)))
        stmt = table.insert().values([{c: _bind(table.c[c], f"{c}_{i}") for c in columns} for i in range(n)]
                                     ).returning(*returning)
    return Prepared(stmt)


#: the columns of an account row (:class:`_AccountRow`), of a used key, of a closed period, of a dated entry
_ACCOUNT_COLUMNS = ("id", "cooperative_id", "code", "name", "normal_side", "is_open", "balance", "min_balance")
_READ_PARTS = ("account", "key", "period", "dated")


@functools.cache
def _reads_under_head(n_keys: int, n_ids: int, dated: bool, n_codes: int = 0, counted: bool = False) -> Prepared:
    """What :func:`post_entries` reads once it holds the chain head, in ONE statement (one round trip in the
    hold instead of three or four): the touched accounts locked in ascending id order (a CTE ``FOR UPDATE``:
    ids ``id0..``, and the cooperative's accounts of codes ``code0..`` named by a :class:`Line` by code),
    ``UNION ALL`` the used idempotency keys (``k0..``), the closed periods between ``first`` and ``last``,
    and with ``dated`` the distinct value dates of this cooperative's entries of ``source`` dated on or after
    ``since``. Each row starts with its part (an index into :data:`_READ_PARTS`); the other parts' columns
    are NULL. Every part but the accounts is written only under the head lock (entries, and periods by
    coop.ledger.periods.close_period), so this statement's snapshot, taken after the lock was granted,
    sees every such commit even if the account locks make it wait.

    ``counted`` (PostgreSQL: a data-modifying CTE): the voucher counter of year ``vyear`` also moves on by
    ``vn`` (the batch's entries) unless one of the keys is already used (a replay posts nothing), and the
    new ``last_seq`` comes back as part 4; no row when the year has no counter yet or a key was used (the
    caller reserves its numbers with :func:`_next_vouchers` then). The counter is written only under the head,
    as the entries are; a caller that then refuses the batch gives the numbers back (:func:`_give_back`)."""
    accounts, entries, periods, counters = (_table(Account), _table(JournalEntry), _table(AccountingPeriod),
                                            _table(VoucherCounter))
    a, e, p = accounts.c, entries.c, periods.c
    groups = ([a[c] for c in _ACCOUNT_COLUMNS], [e.idempotency_key, e.id, e.payload_hash], [p.start_on, p.end_on],
              [e.value_date], *([[counters.c.last_seq]] if counted else []))

    def row(part: int, values: Sequence[sa.ColumnElement[Any]]) -> list[sa.ColumnElement[Any]]:
        cells: list[sa.ColumnElement[Any]] = [sa.literal_column(str(part), sa.Integer)]
        for i, group in enumerate(groups):
            cells += list(values) if i == part else [sa.cast(sa.null(), c.type) for c in group]
        return [c.label(f"c{i}") for i, c in enumerate(cells)]

    which: list[sa.ColumnElement[bool]] = [a.id.in_([_bind(a.id, f"id{i}") for i in range(n_ids)])] if n_ids else []
    if n_codes:
        which.append(sa.and_(a.cooperative_id == _bind(a.cooperative_id, "cid"),
                             a.code.in_([_bind(a.code, f"code{i}") for i in range(n_codes)])))
    locked = (sa.select(*groups[0]).where(sa.or_(*which))
              .order_by(a.id).with_for_update().cte("locked"))
    parts: list[sa.Select[Any]] = [sa.select(*row(0, [locked.c[c] for c in _ACCOUNT_COLUMNS]))]
    if n_keys:
        parts.append(sa.select(*row(1, groups[1])).where(
            e.cooperative_id == _bind(e.cooperative_id, "cid"),
            e.idempotency_key.in_([_bind(e.idempotency_key, f"k{i}") for i in range(n_keys)])))
    parts.append(sa.select(*row(2, groups[2])).where(
        p.cooperative_id == _bind(p.cooperative_id, "cid"), p.status == "closed",
        p.start_on <= _bind(p.start_on, "last"), p.end_on >= _bind(p.end_on, "first")))
    if dated:
        parts.append(sa.select(*row(3, groups[3])).distinct().where(
            e.cooperative_id == _bind(e.cooperative_id, "cid"), e.source == _bind(e.source, "source"),
            e.value_date >= _bind(e.value_date, "since")))
    if counted:
        c = counters.c
        unused = [~sa.exists().where(e.cooperative_id == _bind(e.cooperative_id, "cid"),
                                     e.idempotency_key.in_([_bind(e.idempotency_key, f"k{i}") for i in range(n_keys)]))
                  ] if n_keys else []
        moved = (counters.update().where(c.cooperative_id == _bind(c.cooperative_id, "cid"),
                                         c.year == _bind(c.year, "vyear"), *unused)
                 .values(last_seq=c.last_seq + _bind(c.last_seq, "vn")).returning(c.last_seq).cte("v"))
        parts.append(sa.select(*row(4, [moved.c.last_seq])))
    return Prepared(sa.union_all(*parts))


def _give_back(conn: sa.Connection, cooperative_id: int, reservation: tuple[int, int, int]) -> None:
    """Undo a reservation ``(year, count, first)`` of voucher numbers made with the reads under the head, for
    a batch refused after it (the numbers stay gapless when the caller goes on with its unit of work)."""
    year, count, _first = reservation
    _prepared("next_voucher").run(conn, {"cid": cooperative_id, "yr": year, "n": -count})


def _numbered_params(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> dict[str, Any]:
    return {f"{c}_{i}": row[c] for i, row in enumerate(rows) for c in columns}


def _core(statement: sa.Executable, params: dict[str, Any] | None = None) -> sa.CursorResult[Any]:
    """A Core statement on the session's connection, past the ORM's execute path (which costs as much
    Python as the statement). No autoflush: :func:`post_entries` flushes once before its first one."""
    return connection().execute(statement, params)


def create_chart(cooperative_id: int) -> list[Account]:
    """Create the template chart of accounts and the chain head for a new cooperative. Kas gets the
    cash floor (``min_balance=0``) while the setting ``cash_never_negative`` is on (the default)."""

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
    t = _table(Account)
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


def lock_head(cooperative_id: int) -> LedgerHead:
    """Lock the cooperative's chain head until COMMIT (every posting takes it first; taking it again in the
    same transaction waits for nothing). For a writer whose READS must not go stale before it posts (the
    month's interest run: a backdated deposit committing between its reads and its posting would be in
    neither), or that serialises with postings without posting (closing a period)."""
    # populate_existing: a head loaded earlier in this transaction (without the lock) must not be used stale
    head = db.session.scalar(sa.select(LedgerHead).where(LedgerHead.cooperative_id == cooperative_id)
                             .with_for_update().execution_options(populate_existing=True))
    if head is None:
        raise NotFound("Buku besar koperasi belum dibuat.")
    return head


def _next_vouchers(cooperative_id: int, year: int, count: int = 1) -> int:
    """Reserve ``count`` consecutive voucher numbers of ``year``; returns the first. Runs under the head
    lock, so the counter row needs no lock of its own and numbers are gapless (a rollback undoes both).
    One ``UPDATE ... RETURNING`` (an INSERT the first time in a year)."""
    rows = _prepared("next_voucher").run(connection(), {"cid": cooperative_id, "yr": year, "n": count})
    last = rows[0][0] if rows else None
    if last is None:
        t = _table(VoucherCounter)
        _core(t.insert().values(cooperative_id=cooperative_id, year=year, last_seq=count))
        last = count
    return last - count + 1


def max_line_amount() -> int:
    """The largest amount of one posting line: config ``LEDGER_MAX_LINE_AMOUNT`` (default Rp 10 triliun,
    far above any village's money; never above :data:`rules.MAX_AMOUNT`)."""

    configured = current_app.config.get("LEDGER_MAX_LINE_AMOUNT") if has_app_context() else None
    return int(configured) if configured else rules.DEFAULT_MAX_LINE_AMOUNT


def check_value_date(cooperative_id: object, value_date: date) -> None:
    """The backstop of every typed date (coop.datebounds): no entry dated after the cooperative's business
    date (422 ``future_date``) or before its founding (422 ``date_before_earlier_event``). Services check
    first with the field the user typed; this catches any path that forgot."""
    datebounds.check_not_before_founding(value_date, "value_date", cooperative_id)
    datebounds.check_not_future(value_date, "value_date", cooperative_id)


class _AccountRow:
    """The columns of an account that posting needs, read with Core (no ORM object per account)."""

    __slots__ = ("id", "cooperative_id", "code", "name", "normal_side", "is_open", "balance", "min_balance",
                 "original")
    id: int
    cooperative_id: int
    code: str
    name: str
    normal_side: str
    is_open: bool
    balance: int
    min_balance: int | None
    original: int

    def __init__(self, row: Sequence[Any]) -> None:
        (self.id, self.cooperative_id, self.code, self.name, self.normal_side, self.is_open, self.balance,
         self.min_balance) = row
        self.original = self.balance

    def natural_balance(self) -> int:
        return self.balance if self.normal_side == "D" else -self.balance


def _lock_account_rows(cooperative_id: int, account_ids: Iterable[int]) -> dict[int, _AccountRow]:
    """Lock the touched account rows in ascending id order (deadlock-free against any other locker), in
    chunks, as plain rows; every one must be usable (:func:`check_accounts_usable`)."""
    ids = sorted(account_ids)
    found: dict[int, _AccountRow] = {}
    if ids and len(ids) <= _FAST:
        rows = _prepared_for("lock_accounts", len(ids)).run(connection(),
                                                            {f"id{i}": a for i, a in enumerate(ids)})
    else:
        rows = [row for start in range(0, len(ids), 5000)
                for row in _core(_sql().lock_accounts, {"ids": ids[start:start + 5000]})]
    for row in rows:
        found[row[0]] = _AccountRow(row)
    check_accounts_usable(cooperative_id, ids, found)
    return found


def _show_on_loaded(model: type[Base], pk: int, **values: Any) -> None:
    """Values just written with Core, set as the committed state of the ORM object if loaded (no SQL)."""
    obj = current_session().identity_map.get(identity_of(model, pk))
    if obj is not None:
        for name, value in values.items():
            set_committed_value(obj, name, value)


def check_accounts_usable(cooperative_id: int, account_ids: Iterable[int],
                          accounts: Mapping[int, Account | _AccountRow | None]) -> None:
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


def _apply_balances(accounts: dict[int, _AccountRow], delta: dict[int, int]) -> None:
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


@dataclass
class EntrySpec:
    """One entry of :func:`post_entries` (the arguments of :func:`post_entry`)."""

    lines: Sequence[Line]
    value_date: date
    memo: str
    source_ref: str | None = None
    idempotency_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    reverses_id: int | None = None


def post_entry(cooperative_id: int, lines: Sequence[Line], *, actor: Any, memo: str, value_date: date,
               idempotency_key: str | None = None, source: str = "manual", source_ref: str | None = None,
               reverses_id: int | None = None, audit_action: str | None = None,
               dated_since: tuple[str, date] | None = None) -> JournalEntry:
    """Post one balanced journal entry: a batch of one of :func:`post_entries` (the only writer).

    :param actor: the user posting (``None`` for system jobs).
    :param dated_since: ``(source, day)``: also read, under the head lock and in the same statement as the
        posting's own reads, the value dates of the entries of ``source`` dated on or after ``day``
        (``entry.dated_since``, see :func:`post_entries`).
    :returns: the posted (or, on an idempotent replay, the original) entry; ``entry.posting_ids`` maps
        each account to the id of its first posting line (absent on a replay).
    :raises ValidationError: malformed lines. :raises InsufficientFunds: a balance floor would be broken.
    :raises PeriodClosed: the value date is in a closed period. :raises Conflict: closed account,
        reversal of an already reversed entry. :raises IdempotencyConflict: key used for another payload.
    """
    spec = EntrySpec(lines=list(lines), value_date=value_date, memo=memo, source_ref=source_ref,
                     idempotency_key=idempotency_key, reverses_id=reverses_id)
    return post_entries(cooperative_id, [spec], actor=actor, source=source, audit_action=audit_action,
                        as_entries=True, dated_since=dated_since)[0]


def _entry_problems(cooperative: object, spec: EntrySpec, max_amount: int) -> CoopError | None:
    """The first problem of one entry found without locks (lines, value date), as the error to raise.
    ``cooperative``: the Cooperative (loaded once per batch) or its id."""
    problems = rules.line_problems(spec.lines, max_amount)
    if problems:
        return ValidationError(" ".join(problems), code="unbalanced_entry", fields={"lines": problems})
    if isinstance(spec.value_date, datetime) or not isinstance(spec.value_date, date):
        return ValidationError("Tanggal transaksi tidak valid.", fields={"value_date": ["tanggal tidak valid"]})
    try:
        check_value_date(cooperative, spec.value_date)
    except ValidationError as exc:
        return exc
    return None


def _cooperative_dates(cooperative_id: int) -> Cooperative | SimpleNamespace | None:
    """What the date checks read of the cooperative (``founded_on``, ``timezone``), held for the whole batch:
    the Cooperative already in the session (a request keeps it loaded), else one Core row (the identity map
    is weak: an ORM object nobody holds would be loaded again for each check)."""
    session = current_session()
    loaded: Cooperative | None = session.identity_map.get(identity_of(Cooperative, cooperative_id))
    if loaded is not None:
        return loaded
    session.flush()
    rows = _prepared("cooperative_dates").run(connection(), {"cid": cooperative_id})
    # None: lock_head's NotFound
    return SimpleNamespace(id=rows[0][0], founded_on=rows[0][1], timezone=rows[0][2]) if rows else None


class _UnderHead(NamedTuple):
    """What :func:`_read_under_head` read."""

    existing: dict[str | None, tuple[int, str]]  #: used keys: {key: (entry id, payload hash)}
    closed: list[tuple[Any, ...]]  #: closed periods [(start, end)]
    locked: dict[int, _AccountRow] | None  #: the locked accounts {id: row}, None: left to _lock_account_rows
    dated: list[date]  #: dated_since's dates
    code_ids: dict[str, int]  #: the ids found for the codes lines name (a code missing: see _by_id)
    reserved: tuple[int, int, int] | None  #: (year, count, first number) when the read reserved the numbers


def _read_under_head(conn: sa.Connection, cooperative_id: int, specs: Sequence[EntrySpec], keys: list[str],
                     dated_since: tuple[str, date] | None, voucher: tuple[int, int] | None = None) -> _UnderHead:
    """What :func:`post_entries` reads under the head lock (:class:`_UnderHead`). A batch of up to
    :data:`_FAST` keys and accounts: one statement that also locks every account of the batch
    (:func:`_reads_under_head`) and, with ``voucher`` ``(year, count)`` on PostgreSQL, reserves the batch's
    voucher numbers; a larger one: the keys in chunks and the periods, the accounts left to
    :func:`_lock_account_rows` (``None``: only those of the entries to post are locked), no reservation."""
    days = [s.value_date for s in specs]
    ids = sorted({ln.account_id for s in specs for ln in s.lines if ln.account_code is None})
    codes = sorted({ln.account_code for s in specs for ln in s.lines if ln.account_code is not None})
    existing: dict[str | None, tuple[int, str]] = {}  # looked up with a spec's key, None if it has none
    dated: list[date] = []
    if len(keys) <= _FAST and 0 < len(ids) + len(codes) <= _FAST:
        params: dict[str, Any] = {"cid": cooperative_id, "first": min(days), "last": max(days),
                                  **{f"k{i}": k for i, k in enumerate(keys)},
                                  **{f"id{i}": a for i, a in enumerate(ids)},
                                  **{f"code{i}": c for i, c in enumerate(codes)}}
        if dated_since is not None:
            params["source"], params["since"] = dated_since
        counted = voucher is not None and conn.dialect.name == "postgresql"
        if voucher is not None and counted:
            params["vyear"], params["vn"] = voucher
        locked: dict[int, _AccountRow] = {}
        closed: list[tuple[Any, ...]] = []
        reserved = None
        for row in _reads_under_head(len(keys), len(ids), dated_since is not None, len(codes), counted).run(conn, params):
            part = row[0]
            if part == 0:
                locked[row[1]] = _AccountRow(row[1:9])
            elif part == 1:
                existing[row[9]] = (row[10], row[11])
            elif part == 2:
                closed.append((row[12], row[13]))
            elif part == 3:
                dated.append(row[14])
            else:
                reserved = row[15]
        by_code = {acc.code: acc_id for acc_id, acc in locked.items()
                   if acc.cooperative_id == cooperative_id and acc.code in codes}
        reservation = None
        if voucher is not None and reserved is not None:
            year, count = voucher
            reservation = (year, count, reserved - count + 1)
        return _UnderHead(existing, closed, locked, sorted(dated), by_code, reservation)
    if keys and len(keys) <= _FAST:
        found = _prepared_for("entries_by_keys", len(keys)).run(
            conn, {"cid": cooperative_id, **{f"k{i}": k for i, k in enumerate(keys)}})
    else:
        found = [row for start in range(0, len(keys), 500) for row in conn.execute(
            _sql().entries_by_keys, {"cid": cooperative_id, "keys": keys[start:start + 500]})]
    for key, eid, ph in found:
        existing[key] = (eid, ph)
    closed = _prepared("closed_periods").run(conn, {"cid": cooperative_id, "first": min(days), "last": max(days)})
    if dated_since is not None:
        dated = entry_dates_since(cooperative_id, *dated_since)
    by_code = {}
    if codes:
        a = _table(Account).c
        by_code = dict(conn.execute(sa.select(a.code, a.id).where(a.cooperative_id == cooperative_id,
                                                                  a.code.in_(codes))).all())
    return _UnderHead(existing, closed, None, dated, by_code, None)


def _by_id(spec: EntrySpec, ids: dict[str, int]) -> EntrySpec:
    """``spec`` with every line naming its account by id (a line by code gets the id read under the head).
    :raises NotFound: a code the cooperative's chart lacks."""
    if all(ln.account_code is None for ln in spec.lines):
        return spec
    lines = []
    for ln in spec.lines:
        if ln.account_code is not None:
            if ln.account_code not in ids:
                raise NotFound(f"Akun {ln.account_code} tidak ditemukan.")
            ln = Line(ids[ln.account_code], ln.debit, ln.credit, ln.memo)
        lines.append(ln)
    # constructors rather than dataclasses.replace (which looks every field up by name first: ~1 % of a
    # deposit's Python); a test checks every field of the entry is carried over
    return EntrySpec(lines, spec.value_date, spec.memo, spec.source_ref, spec.idempotency_key, spec.extra,
                     spec.reverses_id)


def entry_dates_since(cooperative_id: int, source: str, since: date) -> list[date]:
    """The distinct value dates (oldest first) of the cooperative's entries of ``source`` dated on or after
    ``since`` (a prepared statement on the index of migration 0020; what ``dated_since`` reads under the head
    lock). Entries not flushed yet are not seen: flush first where they count."""
    rows = _prepared("dated_since").run(connection(), {"cid": cooperative_id, "source": source, "since": since})
    return sorted(row[0] for row in rows)


def _numbered(exc: CoopError, n: int, batch: bool) -> CoopError:
    """In a batch, a refusal names the entry (``#n: ...``)."""
    if batch:
        exc.message = f"#{n}: {exc.message}"
    return exc


def _write(conn: sa.Connection, cooperative_id: int, rows: list[dict[str, Any]],  # noqa: PLR0913
           lines: Sequence[Sequence[Line]], accounts: dict[int, _AccountRow], chain_seq: int,
           head_hash: str, audit_rows: tuple[Any, str, list[dict[str, Any]]] | None = None
           ) -> tuple[list[int], dict[tuple[int, int], int], bool]:
    """Write what :func:`post_entries` computed under the head: the entries (``rows``, in chain order), the
    head moved to ``chain_seq``/``head_hash``, the balances that moved, the postings (``lines`` per entry).
    Returns the new entry ids in ``rows`` order, the posting ids by ``(entry_id, line_no)`` and whether it
    wrote ``audit_rows`` too.

    On PostgreSQL a batch of up to :data:`_FAST` entries, postings and balances is ONE statement
    (:func:`_written_in_one`: one round trip in the head's hold instead of four), with one audit row per entry
    when ``audit_rows`` is given (``(actor, action, the summary of each entry)``: another round trip saved); otherwise one INSERT of entries, the head's UPDATE, one UPDATE of balances and
    one INSERT of postings (chunked past :data:`_FAST`/5,000 rows), and the caller writes its audit rows.
    Either way the loaded ORM head and accounts show the new values (no SQL)."""
    if not rows:
        return [], {}, False
    changed = [(a.id, a.balance) for a in accounts.values() if a.balance != a.original]
    n_postings = sum(len(entry_lines) for entry_lines in lines)
    audited = False
    if conn.dialect.name == "postgresql" and max(len(rows), n_postings, len(changed)) <= _FAST:
        columns = tuple(rows[0])
        params = _numbered_params(rows, columns)
        params.update({"cid": cooperative_id, "new_seq": chain_seq, "new_hash": head_hash}, **_balance_params(changed))
        k = 0
        for row, entry_lines in zip(rows, lines, strict=True):
            for line_no, ln in enumerate(entry_lines, 1):
                params.update({f"pchain_seq_{k}": row["chain_seq"], f"pcooperative_id_{k}": cooperative_id,
                               f"pline_no_{k}": line_no, f"paccount_id_{k}": ln.account_id, f"pdebit_{k}": ln.debit,
                               f"pcredit_{k}": ln.credit, f"pmemo_{k}": ln.memo})
                k += 1
        if audit_rows is not None:
            actor, action, summaries = audit_rows
            shared = audit.shared_values(actor, action, "journal_entry", cooperative_id=cooperative_id)
            params.update({f"a_{c}": v for c, v in shared.items()})
            for i, (row, summary) in enumerate(zip(rows, summaries, strict=True)):
                params[f"achain_seq_{i}"], params[f"asummary_{i}"] = row["chain_seq"], audit.summary_text(summary)
            audited = True
        result = _written_in_one(len(rows), n_postings, len(changed), columns, audited).run(conn, params)
        by_seq = {a: b for part, a, b, _ in result if part == 0}
        new_ids = [by_seq[row["chain_seq"]] for row in rows]
        posting_ids = {(a, b): c for part, a, b, c in result if part == 1}
    else:
        new_ids, posting_ids = _write_by_statement(conn, cooperative_id, rows, lines, changed, chain_seq, head_hash)
    _show_on_loaded(LedgerHead, cooperative_id, chain_seq=chain_seq, head_hash=head_hash)
    for acc_id, balance in changed:
        _show_on_loaded(Account, acc_id, balance=balance)
    return new_ids, posting_ids, audited


def _write_by_statement(conn: sa.Connection, cooperative_id: int, rows: list[dict[str, Any]],  # noqa: PLR0913
                        lines: Sequence[Sequence[Line]], changed: list[tuple[int, int]], chain_seq: int,
                        head_hash: str) -> tuple[list[int], dict[tuple[int, int], int]]:
    """:func:`_write` statement by statement (SQLite, where a statement is no round trip; large batches)."""
    sql = _sql()
    by_seq: dict[int, int] = {}
    if len(rows) <= _FAST:
        columns = tuple(rows[0])
        by_seq.update(_prepared_for("insert_entries", len(rows), columns).run(conn, _numbered_params(rows, columns)))
    else:
        for start in range(0, len(rows), 5000):
            by_seq.update(conn.execute(sql.insert_entries, rows[start:start + 5000]).all())
    new_ids = [by_seq[row["chain_seq"]] for row in rows]
    _prepared("move_head").run(conn, {"cid": cooperative_id, "new_seq": chain_seq, "new_hash": head_hash})
    if changed and len(changed) <= _FAST:
        _prepared_for("set_balances", len(changed)).run(conn, _balance_params(changed))
    elif changed:
        _prepared("set_balance").run(conn, [{"acc_id": a, "new_balance": b} for a, b in changed], many=True)
    postings = [{"cooperative_id": cooperative_id, "entry_id": entry_id, "line_no": line_no,
                 "account_id": ln.account_id, "debit": ln.debit, "credit": ln.credit, "memo": ln.memo}
                for entry_id, entry_lines in zip(new_ids, lines, strict=True)
                for line_no, ln in enumerate(entry_lines, 1)]
    if postings and len(postings) <= _FAST:
        columns = tuple(postings[0])
        inserted = _prepared_for("insert_postings", len(postings), columns).run(
            conn, _numbered_params(postings, columns))
    else:
        inserted = [row for start in range(0, len(postings), 5000)
                    for row in conn.execute(sql.insert_postings, postings[start:start + 5000])]
    return new_ids, {(entry_id, line_no): posting_id for entry_id, line_no, posting_id in inserted}


_POSTING_VALUES = ("chain_seq", "cooperative_id", "line_no", "account_id", "debit", "credit", "memo")


@functools.cache
def _written_in_one(n_entries: int, n_postings: int, n_balances: int, columns: tuple[str, ...],
                    audited: bool = False) -> Prepared:
    """PostgreSQL: :func:`_write` as ONE statement of data-modifying CTEs: ``e`` inserts the entries
    (``columns``, numbered ``<column>_<i>``) returning ``(chain_seq, id)``; ``h`` moves the head (``cid``,
    ``new_seq``, ``new_hash``); ``bal`` sets the balances (``id<i>``, ``b<i>``); ``p`` inserts the postings
    from a VALUES list (``p<column>_<k>``) joined to ``e`` by ``chain_seq`` for their entry id, in chain
    and line order; with ``audited``, ``a`` inserts one audit row per entry (the shared columns ``a_<column>``,
    each entry's ``achain_seq_<i>``/``asummary_<i>``, its ``object_id`` the new entry's id), in chain order.
    Rows: ``(0, chain_seq, entry_id, NULL)`` and ``(1, entry_id, line_no, posting_id)``.
    Every row it locks is already locked (the head, the accounts); the foreign keys and the balanced-entry
    trigger check the postings against entries of the same statement at its end (and at commit)."""
    entries, heads, postings = _table(JournalEntry), _table(LedgerHead), _table(Posting)
    e = entries.insert().values([{c: _bind(entries.c[c], f"{c}_{i}") for c in columns} for i in range(n_entries)]
                                ).returning(entries.c.chain_seq, entries.c.id).cte("e")
    h = (heads.update().where(heads.c.cooperative_id == _bind(heads.c.cooperative_id, "cid"))
         .values(chain_seq=_bind(heads.c.chain_seq, "new_seq"), head_hash=_bind(heads.c.head_hash, "new_hash"))
         .cte("h"))
    typed = {"chain_seq": entries.c.chain_seq, **{c: postings.c[c] for c in _POSTING_VALUES[1:]}}
    v = sa.values(*[sa.column(c, typed[c].type) for c in _POSTING_VALUES], name="v").data(
        [tuple(_bind(typed[c], f"p{c}_{k}") for c in _POSTING_VALUES) for k in range(n_postings)])
    lines = (sa.select(v.c.cooperative_id, e.c.id, *[v.c[c] for c in _POSTING_VALUES[2:]])
             .join_from(v, e, e.c.chain_seq == v.c.chain_seq).order_by(v.c.chain_seq, v.c.line_no))
    p = (postings.insert().from_select(["cooperative_id", "entry_id", *_POSTING_VALUES[2:]], lines)
         .returning(postings.c.entry_id, postings.c.line_no, postings.c.id).cte("p"))
    out = sa.union_all(
        sa.select(sa.literal_column("0", sa.Integer), e.c.chain_seq, e.c.id, sa.cast(sa.null(), sa.BigInteger)),
        sa.select(sa.literal_column("1", sa.Integer), p.c.entry_id, p.c.line_no, p.c.id)).add_cte(h)
    if n_balances:
        out = out.add_cte(_set_balances(n_balances).cte("bal"))
    if audited:
        log = _table(AuditLog)
        av = sa.values(sa.column("chain_seq", entries.c.chain_seq.type), sa.column("summary", log.c.summary.type),
                       name="av").data([(_bind(entries.c.chain_seq, f"achain_seq_{i}"),
                                         _bind(log.c.summary, f"asummary_{i}")) for i in range(n_entries)])
        shared = [_bind(log.c[c], f"a_{c}").label(c) for c in ("cooperative_id", "actor_id", "action", "object_type")]
        rows = (sa.select(*shared, sa.cast(e.c.id, log.c.object_id.type).label("object_id"), av.c.summary,
                          _bind(log.c.request_id, "a_request_id").label("request_id"), _bind(log.c.at, "a_at").label("at"))
                .join_from(av, e, e.c.chain_seq == av.c.chain_seq).order_by(av.c.chain_seq))
        out = out.add_cte(log.insert().from_select(list(audit.AUDIT_COLUMNS), rows).cte("a"))
    return Prepared(out)


def _checked_under_head(cooperative_id: int, specs: Sequence[EntrySpec], fingerprints: list[str],
                        read: _UnderHead, batch: bool) -> tuple[dict[int, _AccountRow], list[int]]:
    """:func:`post_entries`' checks under the head: replays (same key and payload: skipped; another payload:
    409), closed periods, the accounts usable, reversals, the balance floors entry by entry. Returns the locked
    accounts (their balances moved) and the indexes of the entries to post. :raises CoopError: the refusal."""
    touched: set[int] = set()
    todo: list[int] = []
    for n, (spec, fp) in enumerate(zip(specs, fingerprints, strict=True), 1):
        if spec.idempotency_key in read.existing:
            if read.existing[spec.idempotency_key][1] != fp:
                raise _numbered(IdempotencyConflict("Idempotency-Key sudah dipakai untuk transaksi lain."), n, batch)
            continue
        for start_on, end_on in read.closed:
            if start_on <= spec.value_date <= end_on:
                raise _numbered(PeriodClosed(
                    f"Periode yang memuat tanggal {spec.value_date.isoformat()} sudah ditutup."), n, batch)
        touched.update(ln.account_id for ln in spec.lines)
        todo.append(n - 1)
    if read.locked is None:
        accounts = _lock_account_rows(cooperative_id, touched)
    else:
        check_accounts_usable(cooperative_id, sorted(touched), read.locked)
        accounts = read.locked
    for i in todo:
        if (reverses_id := specs[i].reverses_id) is not None:
            try:
                _check_reversal(cooperative_id, reverses_id)
            except CoopError as exc:
                raise _numbered(exc, i + 1, batch) from None
    # balances entry by entry: the floors hold after every entry, as if posted one by one
    for i in todo:
        delta: dict[int, int] = defaultdict(int)
        for ln in specs[i].lines:
            delta[ln.account_id] += ln.debit - ln.credit
        try:
            _apply_balances(accounts, delta)
        except CoopError as exc:
            raise _numbered(exc, i + 1, batch) from None
    return accounts, todo


@overload
def post_entries(cooperative_id: int, specs: Sequence[EntrySpec], *, actor: Any, source: str = ...,
                 audit_action: str | None = ..., as_entries: Literal[False] = ...) -> list[int]: ...
@overload
def post_entries(cooperative_id: int, specs: Sequence[EntrySpec], *, actor: Any, source: str = ...,
                 audit_action: str | None = ..., as_entries: Literal[True],
                 dated_since: tuple[str, date] | None = ...) -> list[JournalEntry]: ...
def post_entries(cooperative_id: int, specs: Sequence[EntrySpec], *, actor: Any, source: str = "import",  # noqa: C901, PLR0915 -- the one writer: checks, numbering, chain, balances in one pass
                 audit_action: str | None = None, as_entries: bool = False,
                 dated_since: tuple[str, date] | None = None) -> list[int] | list[JournalEntry]:
    """Post entries, all-or-nothing: THE writer of journal entries and postings (:func:`post_entry` is a
    batch of one). Returns the entry ids in input order (``as_entries``: the :class:`JournalEntry` objects,
    one audit row per entry, errors shaped for a single entry; otherwise one audit row for the batch).

    Checks, for every entry: at least two lines; positive whole-rupiah amounts, one side per line; debits
    == credits; a value date within the cooperative's life (:func:`check_value_date`) and not in a closed
    period; every account of this cooperative and open; ``min_balance`` floors hold after EACH entry in
    order; an idempotency key unused (the same key with the same payload returns the original entry, with
    another payload raises :class:`IdempotencyConflict`); a reversal refers to an entry of this cooperative
    that was not reversed yet and is not itself a reversal. A batch's problems name the entry (``#n``).

    ``dated_since`` (``as_entries`` only): ``(source, day)``: set ``dated_since`` on each returned entry to
    the distinct value dates (ascending) of this cooperative's entries of ``source`` dated on or after
    ``day``, read under the head lock with the posting's own reads (coop.savings: the monthly interest runs
    a backdated deposit adjusts, without a statement of its own while the head is held).

    Statements per batch, not per entry: the chain head is locked first (it serialises the chain, the
    voucher counters and the idempotency check, so two concurrent requests with one key yield ONE entry);
    then ONE statement (:func:`_reads_under_head`) locks the accounts in ascending id order and reads the
    used keys, the closed periods (and ``dated_since``), and on PostgreSQL reserves a one-year batch's voucher
    numbers (given back by :func:`_give_back` if the checks then refuse it: numbers stay gapless even when the
    caller goes on); a large import reads them with one statement each (in chunks) and locks only the accounts
    of the entries it will post. Otherwise one counter UPDATE per year. Then :func:`_write`: entries, head,
    balances, postings and the entries' audit rows in ONE statement on PostgreSQL (a small batch), else one
    INSERT of entries, the head's UPDATE, one UPDATE of balances, one INSERT of postings (and the audit rows).
    Everything that needs no lock (payload hashes, memos, the checks of :func:`_entry_problems`) runs before the
    head is locked.
    """
    if dated_since is not None and not as_entries:
        raise TypeError("dated_since is returned on entries: as_entries=True")
    batch = not as_entries or len(specs) != 1
    max_amount = max_line_amount()
    cooperative = _cooperative_dates(cooperative_id)
    problems: list[str] = []
    for n, spec in enumerate(specs, 1):
        exc = _entry_problems(cooperative, spec, max_amount)
        if exc is not None and not batch:
            raise exc
        if exc is not None:
            problems.extend(f"#{n}: {p}" for p in (exc.fields.get("lines") or [exc.message]))
    if problems:
        raise ValidationError(f"{len(problems)} masalah pada data impor.", code="invalid_entries",
                              fields={"entries": problems[:100]})
    if not specs:
        return []
    # what needs no lock, before it: the hold of the head is every other posting's wait
    memos = [(s.memo or "").strip() or source for s in specs]
    # a line naming its account by code is fingerprinted with the account's id, read under the head (the
    # same payload by id or by code is one payload: a replay matches whichever way it names the account)
    by_code = any(ln.account_code is not None for s in specs for ln in s.lines)
    fingerprints = [] if by_code else [
        rules.payload_hash(s.value_date, m, s.lines, source) for s, m in zip(specs, memos, strict=True)]
    keys = [s.idempotency_key for s in specs if s.idempotency_key]
    if len(set(keys)) != len(keys):
        raise IdempotencyConflict("Idempotency-Key berulang di dalam satu impor.")
    current_session().flush()  # the ORM's pending rows (a new sub-account ...) before the Core statements read them
    conn = connection()
    head = _prepared("lock_head").run(conn, {"cid": cooperative_id})
    chain_seq, head_hash = head[0] if head else (None, None)
    if chain_seq is None:
        raise NotFound("Buku besar koperasi belum dibuat.")

    years = {s.value_date.year for s in specs}
    # one year: its numbers reserved by the reads under the head (PostgreSQL), given back if refused below
    voucher = (next(iter(years)), len(specs)) if len(years) == 1 else None
    read = _read_under_head(conn, cooperative_id, specs, keys, dated_since, voucher)
    reserved = read.reserved
    try:
        if by_code:
            specs = [_by_id(s, read.code_ids) for s in specs]
            fingerprints = [rules.payload_hash(s.value_date, m, s.lines, source)
                            for s, m in zip(specs, memos, strict=True)]
        accounts, todo = _checked_under_head(cooperative_id, specs, fingerprints, read, batch)
    except CoopError:
        if reserved is not None:
            _give_back(conn, cooperative_id, reserved)
        raise
    if reserved is not None and len(todo) != reserved[1]:  # not expected: reserved only when no key was used
        _give_back(conn, cooperative_id, reserved)
        reserved = None
    existing, dated = read.existing, read.dated
    if reserved is not None:
        next_seq = {reserved[0]: reserved[2]}
    else:
        per_year: dict[int, int] = defaultdict(int)
        for i in todo:
            per_year[specs[i].value_date.year] += 1
        next_seq = {year: _next_vouchers(cooperative_id, year, count) for year, count in sorted(per_year.items())}
    now = utcnow()
    actor_id = getattr(actor, "id", None)
    rows = []
    for i in todo:
        spec = specs[i]
        year = spec.value_date.year
        seq = next_seq[year]
        next_seq[year] += 1
        number = rules.voucher_number(year, seq)
        canon = rules.canonical(number, spec.value_date, memos[i],
                                [(accounts[ln.account_id].code, ln.debit, ln.credit) for ln in spec.lines])
        entry_hash = rules.chain_hash(head_hash, canon)
        chain_seq += 1
        rows.append({"cooperative_id": cooperative_id, "voucher_year": year, "voucher_seq": seq,
                     "voucher_number": number, "chain_seq": chain_seq, "value_date": spec.value_date,
                     "posted_at": now, "memo": memos[i], "source": source, "source_ref": spec.source_ref,
                     "idempotency_key": spec.idempotency_key, "payload_hash": fingerprints[i],
                     "reverses_id": spec.reverses_id, "actor_id": actor_id, "prev_hash": head_hash,
                     "hash": entry_hash})
        head_hash = entry_hash

    action = audit_action or (f"ledger.post.{source}" if as_entries else f"ledger.post_batch.{source}")
    # one audit row per entry (as_entries): written with the entries when they go in one statement
    summaries = [{"voucher": row["voucher_number"], "amount": rules.totals(specs[i].lines)[0]}
                 for row, i in zip(rows, todo, strict=True)] if as_entries else None
    new_ids, posting_ids, audited = _write(conn, cooperative_id, rows, [specs[i].lines for i in todo], accounts,
                                           chain_seq, head_hash, None if summaries is None else (actor, action, summaries))
    # ORM objects for the caller, built from the rows just inserted (no SQL, no flush): registered so that
    # a rollback of this transaction or of a SAVEPOINT around it forgets them (coop.db.adopt_inserted)
    objects: list[JournalEntry] = (
        adopt_inserted(JournalEntry, [{**row, "id": new_id} for row, new_id in zip(rows, new_ids, strict=True)])
        if as_entries else [])

    if as_entries:
        for obj, i in zip(objects, todo, strict=True):
            # posting id per account (its first line): a savings receipt's transaction id, without a query
            obj.posting_ids = {}
            for line_no, ln in enumerate(specs[i].lines, 1):
                obj.posting_ids.setdefault(ln.account_id, posting_ids[obj.id, line_no])
        if not audited and summaries:  # audit rows with one Core INSERT (not an ORM object flushed at commit)
            audit.record_many(actor, action, "journal_entry",
                              list(zip([obj.id for obj in objects], summaries, strict=True)),
                              cooperative_id=cooperative_id)
        by_input = dict(zip(todo, objects, strict=True))
        result = [by_input[i] if i in by_input else db.session.get_one(JournalEntry, existing[specs[i].idempotency_key][0])
                  for i in range(len(specs))]
        if dated_since is not None:
            for obj in result:
                obj.dated_since = dated
        return result
    audit.record(actor, action, "journal_entry",
                 new_ids[0] if new_ids else None,
                 {"entries": len(new_ids), "first": new_ids[0] if new_ids else None,
                  "last": new_ids[-1] if new_ids else None}, cooperative_id=cooperative_id)
    by_id = dict(zip(todo, new_ids, strict=True))
    return [by_id[i] if i in by_id else existing[specs[i].idempotency_key][0] for i in range(len(specs))]


# --------------------------------------------------------------------------------------------
# Chart administration: admins add and close accounts; nothing is ever deleted.
# --------------------------------------------------------------------------------------------

def add_account(cooperative_id: int, *, actor: Any, code: str, name: str, type: str,
                name_en: str | None = None, parent_id: int | None = None) -> Account:
    """Add a chart account (or a sub-account under ``parent_id``, which then fixes type and side).

    :raises ValidationError: bad code/type, duplicate code.
    """

    code = (code or "").strip()
    name = (name or "").strip()
    fields: dict[str, list[str]] = {}
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


def close_account(cooperative_id: int, account_id: int, *, actor: Any) -> Account:
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
