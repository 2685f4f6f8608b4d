"""Simpanan wajib dues and the arrears list (``/members/arrears``), stored per account and read by index.

The wajib due of a month is the product's amount until the setting ``simpanan_wajib_amount`` records a change
(from the month of its effective date on); payments cover the OLDEST month first. So a wajib account's arrears
are fixed by one month, stored on the account: ``arrears_from``, the first month its balance does not fully
cover, with ``arrears_due``, what of that month is unpaid (``None``: the balance covers every month there will
ever be, e.g. no amount). On ``as_of`` the account is in arrears when ``arrears_from`` is before ``as_of``'s
month; the months in arrears are the months from it to then with a due, the amount its ``arrears_due`` plus the
dues of the later months before ``as_of``'s.

Worked example: joined 15 January 2025 at 20.000 a month, balance 50.000: January and February are covered,
March has 10.000 paid, so ``arrears_from`` = March, ``arrears_due`` = 10.000; on 10 June the arrears are
March-May, 10.000 + 20.000 + 20.000 = 50.000.

Revision 0027 stores what the page's filter and order need from the member too: ``arrears_from`` is ``None`` for
an account that is not listed (closed, or its member not current) and ``arrears_seq`` is the member's
``member_seq``, so the page walks ``ix_savings_accounts_arrears`` in the list's order (a LIMIT stops after a page)
and the count and total are an aggregate of that index alone: no ``members`` row is read for the list's order.

Triggers (revisions 0025, 0027) raise ``arrears_stale`` on every change these depend on: the balance of a wajib
ledger account (any posting), the member's ``joined_on``, ``member_seq`` and being current (its status into or
out of :data:`CURRENT`), the account's being closed, the product or its amount, the setting. A stale row is read
live (:func:`_arrears_rows` for those rows only) until :func:`refresh_arrears` writes it again (the next wajib
deposit, the daily ``savings.arrears`` job). A refresh locks the stale rows before it reads their inputs
(PostgreSQL) and writes only the rows whose ``arrears_stale`` is still the value it read, so a posting
committed meanwhile leaves the row stale.
"""
from __future__ import annotations

import json
from datetime import date
from typing import NamedTuple, cast

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload

from coop.db import current_session, db, dialect_name
from coop.ledger.models import Account
from coop.membership.models import Member
from coop.paging import Page
from coop.registry.models import Resident
from coop.savings import rules
from coop.savings.models import SavingsAccount, SavingsProduct
from coop.settings.models import Setting

#: the member statuses whose wajib arrears are listed
CURRENT = ("applied", "active", "dormant")


# --------------------------------------------------------------------------------------------
# The dues schedule
# --------------------------------------------------------------------------------------------

def wajib_changes(cooperative_id: int) -> list[tuple[date, int]]:
    """The recorded changes of ``simpanan_wajib_amount``: (first of the month it applies from, amount),
    by effective date (a later one in the same month wins). One query."""
    return [(eff.replace(day=1), int(json.loads(raw))) for eff, raw in db.session.execute(
        sa.select(Setting.effective_on, Setting.value).where(
            Setting.cooperative_id == cooperative_id, Setting.key == "simpanan_wajib_amount")
        .order_by(Setting.effective_on))]


def amounts_from(changes: list[tuple[date, int]], product_amount: int):
    """``amount_of(month) -> int`` of ``changes`` over the product amount."""

    def amount_of(month: date) -> int:
        value = product_amount
        for eff, amt in changes:
            if eff <= month:
                value = amt
        return value
    return amount_of


def wajib_amounts(cooperative_id: int, product_amount: int):
    """``amount_of(month) -> int``: the wajib due of a month. The product amount applies until the
    setting ``simpanan_wajib_amount`` records a change; a change applies from the month of its
    effective date on (past months keep their amount). One query."""
    return amounts_from(wajib_changes(cooperative_id), product_amount)


def dues(cooperative_id: int, joined_on: date, as_of: date, product_amount: int, paid: int,
         until: date | None = None, amount_of=None) -> list:
    amount_of = amount_of or wajib_amounts(cooperative_id, product_amount)
    last = (until or as_of).replace(day=1)
    months, m = {}, joined_on.replace(day=1)
    while m <= last:
        months[m] = amount_of(m)
        m = rules.add_months(m, 1)
    return rules.wajib_dues(joined_on, as_of, months, paid, until=until)


#: The last month a ``date`` can name: a balance covering it and more covers every month there can be.
LAST_MONTH = date(9999, 12, 1)


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def segments(changes: list[tuple[date, int]], product_amount: int) -> list[tuple[date | None, int]]:
    """The schedule as (first month or None for "always before", amount) pieces, in order."""
    out: list[tuple[date | None, int]] = [(None, product_amount)]
    for eff, amt in changes:
        if out[-1][0] == eff:
            out[-1] = (eff, amt)
        else:
            out.append((eff, amt))
    return out


def arrears_state(joined_on: date, paid: int, segs: list[tuple[date | None, int]]) -> tuple[date | None, int | None]:
    """(first month ``paid`` does not fully cover, what of it is unpaid), or (None, None) when it covers every
    month: the dues from the joining month on, paid oldest first (as :func:`rules.wajib_dues` allocates), a
    month without a due skipped. Arithmetic per piece of the schedule, not per month."""
    paid, cum, month = max(paid, 0), 0, joined_on.replace(day=1)
    for i, (_start, amount) in enumerate(segs):
        end = segs[i + 1][0] if i + 1 < len(segs) else None
        if end is not None and end <= month:
            continue
        if amount > 0:
            covered = (paid - cum) // amount
            if end is None or covered < _months_between(month, end):
                if covered > _months_between(month, LAST_MONTH):  # past any month a date can name
                    return None, None
                return rules.add_months(month, covered), cum + amount * (covered + 1) - paid
            cum += amount * _months_between(month, end)
        if end is None:
            return None, None
        month = end
    return None, None  # pragma: no cover - the last piece has no end


# --------------------------------------------------------------------------------------------
# Stored state
# --------------------------------------------------------------------------------------------

def _inputs(cooperative_id: int):
    return (sa.select(SavingsAccount.id, SavingsAccount.arrears_stale, Member.joined_on, SavingsProduct.amount,
                      Account.balance, Member.member_seq, Member.status, SavingsAccount.status)
            .join(Member, Member.id == SavingsAccount.member_id)
            .join(SavingsProduct, SavingsProduct.id == SavingsAccount.product_id)
            .join(Account, Account.id == SavingsAccount.ledger_account_id)
            .where(SavingsAccount.cooperative_id == cooperative_id, SavingsAccount.kind == "wajib",
                   SavingsAccount.arrears_stale > 0))


_ACCOUNTS = cast(sa.Table, SavingsAccount.__table__)
_WRITE = (sa.update(_ACCOUNTS)
          .where(_ACCOUNTS.c.id == sa.bindparam("b_id"), _ACCOUNTS.c.arrears_stale == sa.bindparam("b_seen"))
          .values(arrears_from=sa.bindparam("b_from"), arrears_due=sa.bindparam("b_due"),
                  arrears_seq=sa.bindparam("b_seq"), arrears_stale=0))


def _lock_stale(cooperative_id: int, account_ids: list[int] | None) -> set[int] | None:
    """PostgreSQL: lock the stale wajib rows (``FOR UPDATE``, by id) BEFORE their inputs are read, and return
    their ids; elsewhere ``None`` (SQLite's unit of work holds the write lock from its first read).

    The compare-and-set on the mark alone is not enough: a refresh puts it back to 0, so between this
    transaction's read and its write another one can refresh the row (0) and post to it again (1, the value
    read), and the figures of the old balance would be stored as fresh. With the rows locked first, the
    inputs are read by a later statement (READ COMMITTED: a new snapshot) that sees every change committed
    before the lock; a change after it raises the mark through the same row, so it waits for this
    transaction and leaves the row stale after it."""
    if dialect_name(current_session()) != "postgresql":
        return None
    q = (sa.select(SavingsAccount.id)
         .where(SavingsAccount.cooperative_id == cooperative_id, SavingsAccount.kind == "wajib",
                SavingsAccount.arrears_stale > 0)
         .order_by(SavingsAccount.id).with_for_update())
    if account_ids is not None:
        q = q.where(SavingsAccount.id.in_(account_ids))
    return set(db.session.scalars(q))


def refresh_arrears(cooperative_id: int, account_ids: list[int] | None = None) -> int:
    """Write ``arrears_from``/``arrears_due``/``arrears_seq`` of the cooperative's stale wajib accounts (of
    ``account_ids`` only, when given) and clear their mark; returns how many were written. An account that is
    closed or whose member is not current (:data:`CURRENT`) is not listed: ``None``. The rows are locked
    before their inputs are read (:func:`_lock_stale`); a row whose mark changed since it was read is left
    stale."""
    locked = _lock_stale(cooperative_id, account_ids)
    if locked is not None and not locked:
        return 0
    q = _inputs(cooperative_id)
    if account_ids is not None:
        q = q.where(SavingsAccount.id.in_(account_ids))
    rows = db.session.execute(q).all()
    if locked is not None:  # a row that turned stale after the lock is left for the next refresh
        rows = [r for r in rows if r[0] in locked]
    if not rows:
        return 0
    changes, segs, params = wajib_changes(cooperative_id), {}, []
    for account_id, seen, joined_on, product_amount, balance, seq, member_status, status in rows:
        first: date | None = None
        due: int | None = None
        if member_status in CURRENT and status != "closed":  # otherwise not listed: None
            product_amount = product_amount or 0
            if product_amount not in segs:
                segs[product_amount] = segments(changes, product_amount)
            first, due = arrears_state(joined_on, -balance, segs[product_amount])
        params.append({"b_id": account_id, "b_seen": seen, "b_from": first, "b_due": due, "b_seq": seq})
    if params:
        db.session.execute(_WRITE, params)
    return len(params)


# --------------------------------------------------------------------------------------------
# The list
# --------------------------------------------------------------------------------------------

def _arrears_rows(cooperative_id: int, as_of: date, stale_only: bool = False,
                  changes: list[tuple[date, int]] | None = None) -> list[tuple]:
    """(months, amount, oldest month, member seq, member id, account id) of every current member with wajib in
    arrears on ``as_of`` (``stale_only``: of the accounts marked stale), computed live from the balances, most
    months first (then member number, account).

    Payments cover the oldest month first, so a member whose wajib balance reaches the dues of every month
    before ``as_of``'s owes nothing overdue: that sum is the same for everyone who joined in the same month
    at the same monthly amount (computed once a group), and only the members below it get their months built.
    Worked example: joined in January at 20.000 a month, on 10 June the months before June owe 100.000; a
    balance of 100.000 is skipped, 50.000 has three months (Mar-May, 50.000) in arrears."""

    before = as_of.replace(day=1)
    q = (sa.select(Member.id, Member.member_seq, Member.joined_on, SavingsAccount.id, SavingsProduct.amount,
                   Account.balance)
         .join(SavingsAccount, SavingsAccount.member_id == Member.id)
         .join(SavingsProduct, SavingsProduct.id == SavingsAccount.product_id)
         .join(Account, Account.id == SavingsAccount.ledger_account_id)
         .where(Member.cooperative_id == cooperative_id, Member.status.in_(CURRENT),
                SavingsAccount.kind == "wajib", SavingsAccount.status != "closed"))
    if stale_only:
        q = q.where(SavingsAccount.cooperative_id == cooperative_id, SavingsAccount.arrears_stale > 0)
    changes = wajib_changes(cooperative_id) if changes is None else changes
    out, amount_fns, owed = [], {}, {}
    for member_id, seq, joined_on, account_id, monthly, bal in db.session.execute(q):
        monthly = monthly or 0
        if monthly not in amount_fns:
            amount_fns[monthly] = amounts_from(changes, monthly)
        key = (joined_on.replace(day=1), monthly)
        if key not in owed:
            total, m = 0, key[0]
            while m < before:
                total += amount_fns[monthly](m)
                m = rules.add_months(m, 1)
            owed[key] = total
        if -bal >= owed[key]:
            continue
        ds = dues(cooperative_id, joined_on, as_of, monthly, -bal, amount_of=amount_fns[monthly])
        months, amount = rules.arrears(ds, before=before)
        if months:
            oldest = next(d.period for d in ds if d.outstanding > 0)
            out.append((months, amount, oldest, seq, member_id, account_id))
    out.sort(key=lambda r: (-r[0], r[3], r[5]))
    return out


class _Stored:
    """The stored part of the list on ``as_of``: the fresh rows' count and total (one aggregate of
    ``ix_savings_accounts_arrears`` alone), the stale rows computed live, and what turns a stored row into the
    list's row (months, amount)."""

    def __init__(self, cooperative_id: int, as_of: date):
        self.cid, self.before = cooperative_id, as_of.replace(day=1)
        self.changes = wajib_changes(cooperative_id)
        self.stale = sorted(_arrears_rows(cooperative_id, as_of, stale_only=True, changes=self.changes),
                            key=lambda r: (r[2], r[3], r[5]))
        self.fns: dict[int, object] = {}
        self.spans: dict[tuple[int, date], tuple[int, int]] = {}
        self.amounts: dict[int, int] = {}
        self.count, self.total = len(self.stale), sum(r[1] for r in self.stale)
        for product_id, first, n, due in db.session.execute(
                sa.select(SavingsAccount.product_id, SavingsAccount.arrears_from, sa.func.count(),
                          sa.func.sum(SavingsAccount.arrears_due))
                .where(*self._fresh()).group_by(SavingsAccount.arrears_from, SavingsAccount.product_id)):
            self.count += n
            self.total += int(cast(int, due)) + n * self.span(self.amount(product_id), cast(date, first))[1]

    def _fresh(self) -> list:
        """A fresh listed row in arrears: an unlisted account (closed, member not current) stores no month."""
        return [SavingsAccount.cooperative_id == self.cid, SavingsAccount.kind == "wajib",
                SavingsAccount.arrears_stale == 0, SavingsAccount.arrears_from < self.before]

    def amount(self, product_id: int) -> int:
        """The product's amount (0 for none); the cooperative's products read once."""
        if product_id not in self.amounts:
            self.amounts.update((pid, amt or 0) for pid, amt in db.session.execute(
                sa.select(SavingsProduct.id, SavingsProduct.amount)
                .where(SavingsProduct.cooperative_id == self.cid)))
        return self.amounts[product_id]

    def span(self, product_amount: int, first: date) -> tuple[int, int]:
        """(months with a due from ``first`` to before this month, the dues of those after ``first``)."""
        key = (product_amount, first)
        if key not in self.spans:
            if product_amount not in self.fns:
                self.fns[product_amount] = amounts_from(self.changes, product_amount)
            amount_of = self.fns[product_amount]
            months, later, m = 1, 0, rules.add_months(first, 1)
            while m < self.before:
                a = amount_of(m)  # type: ignore[operator]
                months, later = months + (a > 0), later + a
                m = rules.add_months(m, 1)
            self.spans[key] = (months, later)
        return self.spans[key]

    def rows(self, offset: int, limit: int | None) -> list[tuple]:
        """Rows ``offset`` to ``offset + limit`` of the list (stored and stale merged in the list's order).
        A stale row before the page shifts it by one: the stored rows from ``offset - len(stale)`` suffice."""
        stale = self.stale
        start = max(0, offset - len(stale))
        q = (sa.select(SavingsAccount.arrears_from, _ACCOUNTS.c.arrears_seq, SavingsAccount.id,
                       SavingsAccount.member_id, SavingsAccount.arrears_due, SavingsAccount.product_id)
             .where(*self._fresh())
             .order_by(SavingsAccount.arrears_from, _ACCOUNTS.c.arrears_seq, SavingsAccount.id).offset(start))
        if limit is not None:
            q = q.limit(limit + len(stale))
        window = []
        for first, seq, account_id, member_id, due, product_id in db.session.execute(q):
            months, later = self.span(self.amount(product_id), cast(date, first))  # both set when stored fresh
            window.append((months, cast(int, due) + later, first, seq, member_id, account_id))
        if start == 0 or not window:
            merged, at = sorted(window + stale, key=lambda r: (r[2], r[3], r[5])), 0
        else:
            head = (window[0][2], window[0][3], window[0][5])
            before_window = sum(1 for r in stale if (r[2], r[3], r[5]) < head)
            merged = sorted(window + [r for r in stale if (r[2], r[3], r[5]) > head], key=lambda r: (r[2], r[3], r[5]))
            at = start + before_window
        skip = offset - at
        return merged[skip:] if limit is None else merged[skip:skip + limit]


def _arrears_dicts(rows: list[tuple]) -> list[dict]:
    """The rows with their SavingsAccount and Member objects (loaded 500 at a time, with the columns a list shows:
    any other attribute, the account's product or ledger account, is loaded when asked for)."""
    accounts: dict[int, SavingsAccount] = {}
    for start in range(0, len(rows), 500):
        accounts.update((a.id, a) for a in db.session.scalars(
            sa.select(SavingsAccount).options(
                load_only(SavingsAccount.member_id, SavingsAccount.account_number, SavingsAccount.kind,
                          SavingsAccount.status),
                lazyload(SavingsAccount.product), lazyload(SavingsAccount.ledger_account),
                selectinload(SavingsAccount.member).options(
                    load_only(Member.member_number, Member.member_seq, Member.status, Member.resident_id),
                    joinedload(Member.resident).load_only(Resident.full_name)))
            .where(SavingsAccount.id.in_([r[5] for r in rows[start:start + 500]]))))
    return [{"member": accounts[account_id].member, "account": accounts[account_id], "months": months,
             "amount": amount, "oldest": oldest} for months, amount, oldest, _, _, account_id in rows]


class AccountRef(NamedTuple):
    """A page row's wajib account: its id (the page shows the member, not the account)."""

    id: int


class MemberRef(NamedTuple):
    """A page row's member: what the page shows of it."""

    id: int
    member_number: str
    full_name: str


def _page_dicts(rows: list[tuple]) -> list[dict]:
    """A page's rows (at most a page: one Core query) with their member as a :class:`MemberRef` and their
    account as an :class:`AccountRef`: what the page shows, not three ORM objects a row."""
    members = {r[0]: MemberRef(*r) for r in db.session.execute(
        sa.select(Member.id, Member.member_number, Resident.full_name)
        .join(Resident, Resident.id == Member.resident_id)
        .where(Member.id.in_({r[4] for r in rows})))} if rows else {}
    return [{"member": members[member_id], "account": AccountRef(account_id), "months": months, "amount": amount,
             "oldest": oldest} for months, amount, oldest, _, member_id, account_id in rows]


def arrears_rows(cooperative_id: int, as_of: date) -> list[tuple]:
    """Every row of the list from the stored state (stale rows live), in the list's order."""
    return _Stored(cooperative_id, as_of).rows(0, None)


def arrears_list(cooperative_id: int, as_of: date) -> list[dict]:
    """Every current member with wajib in arrears on ``as_of``, most months first."""
    return _arrears_dicts(arrears_rows(cooperative_id, as_of))


def arrears_summary(cooperative_id: int, as_of: date) -> tuple[int, int]:
    """(members in arrears, total in arrears) on ``as_of``, without loading any member."""
    stored = _Stored(cooperative_id, as_of)
    return stored.count, stored.total


def arrears_page(cooperative_id: int, as_of: date, page: int = 1, per_page: int = 50) -> tuple[Page, int]:
    """One page of :func:`arrears_list` (only its rows read; ``member`` a :class:`MemberRef`, ``account`` an
    :class:`AccountRef`) and the total in arrears of the whole list."""
    stored = _Stored(cooperative_id, as_of)
    page = min(max(1, page or 1), max(1, -(-stored.count // per_page)))
    items = _page_dicts(stored.rows((page - 1) * per_page, per_page))
    return Page(items, page, per_page, stored.count), stored.total
