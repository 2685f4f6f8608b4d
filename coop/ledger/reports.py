"""Ledger reports: trial balance, general ledger, Neraca and Perhitungan Hasil Usaha.

Figures are computed from postings (dated by their entry's ``value_date``) and rolled up from
sub-accounts (a member's savings account, a loan) to the chart account they hang under. Money is int
rupiah throughout. These functions only read; callers (pages, API, exports, SHU) format them.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from coop.db import db, reads_replica
from coop.errors import NotFound, ValidationError
from coop.ledger import chart
from coop.ledger.models import Account, JournalEntry, Posting
from coop.ledger.services import get_account

#: Entries with these sources close income/expense into equity at year end; PHU leaves them out so
#: that a closed year still shows its income and expenses.
CLOSING_SOURCES = ("ledger.closing", "shu.closing")


def _accounts(cooperative_id: int) -> dict[int, Account]:
    return {a.id: a for a in db.session.scalars(sa.select(Account).where(Account.cooperative_id == cooperative_id))}


def _root_of(accounts: dict[int, Account]) -> dict[int, int]:
    """Map every account id to its top-level chart account id."""
    roots: dict[int, int] = {}
    for acc_id in accounts:
        cur = accounts[acc_id]
        seen = 0
        while cur.parent_id is not None and cur.parent_id in accounts and seen < 20:
            cur = accounts[cur.parent_id]
            seen += 1
        roots[acc_id] = cur.id
    return roots


def _net_by_account(cooperative_id: int, start: date | None, end: date | None,
                    exclude_sources: tuple[str, ...] = ()) -> dict[int, tuple[int, int]]:
    """Sum of (debit, credit) per account over entries with ``start <= value_date <= end``."""
    stmt = (sa.select(Posting.account_id, sa.func.sum(Posting.debit), sa.func.sum(Posting.credit))
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(JournalEntry.cooperative_id == cooperative_id).group_by(Posting.account_id))
    if start is not None:
        stmt = stmt.where(JournalEntry.value_date >= start)
    if end is not None:
        stmt = stmt.where(JournalEntry.value_date <= end)
    if exclude_sources:
        stmt = stmt.where(JournalEntry.source.not_in(exclude_sources))
    return {acc_id: (int(d or 0), int(c or 0)) for acc_id, d, c in db.session.execute(stmt)}


def balances_as_of(cooperative_id: int, as_of: date) -> dict[int, int]:
    """Signed balance (debit minus credit) per account at the end of ``as_of``.

    When nothing is dated after ``as_of`` the running balances on the account rows ARE the answer
    (O(accounts)); otherwise the postings up to ``as_of`` are summed.
    """
    last = db.session.scalar(sa.select(sa.func.max(JournalEntry.value_date)).where(
        JournalEntry.cooperative_id == cooperative_id))
    if last is None or last <= as_of:
        return {acc_id: bal for acc_id, bal in db.session.execute(
            sa.select(Account.id, Account.balance).where(Account.cooperative_id == cooperative_id))}
    return {acc_id: d - c for acc_id, (d, c) in _net_by_account(cooperative_id, None, as_of).items()}


def rollup(accounts: dict[int, Account], amounts: dict[int, int]) -> dict[int, int]:
    """``amounts`` by account id summed onto each account's top-level chart account (ids of ``accounts``
    only; others are dropped)."""
    roots = _root_of(accounts)
    out: dict[int, int] = defaultdict(int)
    for acc_id, amount in amounts.items():
        if acc_id in roots:
            out[roots[acc_id]] += amount
    return out


def _chart_rows(accounts: dict[int, Account]) -> list[Account]:
    return sorted((a for a in accounts.values() if a.parent_id is None), key=lambda a: a.code)


@reads_replica
def trial_balance(cooperative_id: int, as_of: date) -> dict[str, Any]:
    """Neraca saldo (trial balance) at the end of ``as_of``, one row per chart account.

    :returns: ``{"as_of": date, "accounts": [{"account_id", "code", "name", "name_en", "type",
        "normal_side", "debit", "credit"}], "total_debit": int, "total_credit": int, "balanced": bool}``.
        A row's balance sits in ``debit`` when it is a debit balance, else in ``credit`` (the other is 0);
        chart accounts with a zero balance and no sub-accounts' movement are still listed (zeros).
    """
    if not isinstance(as_of, date):
        raise ValidationError("Tanggal tidak valid.", fields={"as_of": ["tanggal tidak valid"]})
    accounts = _accounts(cooperative_id)
    rolled = rollup(accounts, balances_as_of(cooperative_id, as_of))
    rows: list[dict[str, Any]] = []
    for acc in _chart_rows(accounts):
        bal = rolled.get(acc.id, 0)
        rows.append({"account_id": acc.id, "code": acc.code, "name": acc.name, "name_en": acc.name_en,
                     "type": acc.type, "normal_side": acc.normal_side,
                     "debit": bal if bal > 0 else 0, "credit": -bal if bal < 0 else 0})
    td = sum(r["debit"] for r in rows)
    tc = sum(r["credit"] for r in rows)
    return {"as_of": as_of, "accounts": rows, "total_debit": td, "total_credit": tc, "balanced": td == tc}


def _subtree(accounts: dict[int, Account], account_id: int) -> list[int]:
    children = defaultdict(list)
    for a in accounts.values():
        if a.parent_id is not None:
            children[a.parent_id].append(a.id)
    out, stack = [], [account_id]
    while stack:
        cur = stack.pop()
        out.append(cur)
        stack.extend(children[cur])
    return out


def _debit_credit(account_ids: Any, where: Any) -> tuple[int, int]:
    """Total debit and credit of the postings on ``account_ids`` matching ``where`` (entry conditions)."""
    d, c = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Posting.debit), 0), sa.func.coalesce(sa.func.sum(Posting.credit), 0))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.account_id.in_(account_ids), *where)).one()
    return int(d), int(c)


@reads_replica
def general_ledger(cooperative_id: int, account_id: int, start: date, end: date, *, limit: int = 5000) -> dict[str, Any]:
    """Buku besar of one account (a chart account includes its sub-accounts) from ``start`` to ``end``.

    Balances are on the account's NORMAL side (a healthy asset or savings account is positive).

    :returns: ``{"account": {"id", "code", "name", "type", "normal_side"}, "start", "end",
        "opening": int, "lines": [{"entry_id", "voucher_number", "value_date", "memo", "source",
        "account_code", "account_name", "debit", "credit", "balance"}], "total_debit", "total_credit",
        "closing": int, "truncated": bool}``. ``closing == opening + movement`` even when the line list
        is cut at ``limit`` (``truncated`` then says so).
    :raises NotFound: account of another cooperative.
    """

    acc = get_account(cooperative_id, account_id)
    if start > end:
        raise ValidationError("Tanggal awal setelah tanggal akhir.", fields={"from": ["setelah tanggal akhir"]})
    accounts = _accounts(cooperative_id)
    ids = _subtree(accounts, acc.id)
    sign = 1 if acc.normal_side == "D" else -1

    def _sum(where: list[Any]) -> tuple[int, int]:
        return _debit_credit(ids, [JournalEntry.cooperative_id == cooperative_id, *where])

    od, oc = _sum([JournalEntry.value_date < start])
    md, mc = _sum([JournalEntry.value_date >= start, JournalEntry.value_date <= end])
    opening = sign * (od - oc)
    stmt = (sa.select(Posting.debit, Posting.credit, Posting.account_id, JournalEntry.id, JournalEntry.voucher_number,
                      JournalEntry.value_date, JournalEntry.memo, JournalEntry.source, Posting.memo)
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(JournalEntry.cooperative_id == cooperative_id, Posting.account_id.in_(ids),
                   JournalEntry.value_date >= start, JournalEntry.value_date <= end)
            .order_by(JournalEntry.value_date, JournalEntry.chain_seq, Posting.line_no).limit(limit + 1))
    lines, running = [], opening
    for d, c, a_id, e_id, voucher, vd, memo, source, line_memo in db.session.execute(stmt):
        running += sign * (d - c)
        sub = accounts[a_id]
        lines.append({"entry_id": e_id, "voucher_number": voucher, "value_date": vd, "memo": line_memo or memo,
                      "source": source, "account_code": sub.code, "account_name": sub.name,
                      "debit": int(d), "credit": int(c), "balance": running})
    truncated = len(lines) > limit
    return {"account": {"id": acc.id, "code": acc.code, "name": acc.name, "type": acc.type,
                        "normal_side": acc.normal_side},
            "start": start, "end": end, "opening": opening, "lines": lines[:limit],
            "total_debit": md, "total_credit": mc, "closing": opening + sign * (md - mc), "truncated": truncated}


@reads_replica
def general_ledger_page(cooperative_id: int, account_id: int, start: date, end: date, *,
                        before: tuple[date, int, int] | None = None, per_page: int = 100) -> dict[str, Any]:
    """One page of the buku besar, NEWEST FIRST, for a phone: at most ``per_page`` lines older than the
    cursor ``before`` (``(value_date, chain_seq, line_no)`` of the last line shown; ``None`` = the newest),
    with the same running balance as :func:`general_ledger` (each line's balance after it), found from the
    closing balance minus the movement newer than the page: a keyset read, however deep the page (an
    OFFSET would read and drop every newer line).

    :returns: the keys of :func:`general_ledger` (``lines`` newest first) plus ``next_cursor`` (the cursor
        of the next, older page, or ``None``) and ``first_page`` (bool).
    """
    if start > end:
        raise ValidationError("Tanggal awal setelah tanggal akhir.", fields={"from": ["setelah tanggal akhir"]})
    accounts = _accounts(cooperative_id)
    acc = accounts.get(account_id)
    if acc is None:
        raise NotFound("Akun tidak ditemukan.")
    ids = _subtree(accounts, acc.id)
    sign = 1 if acc.normal_side == "D" else -1
    # the cooperative in every WHERE, not only through its account ids: PostgreSQL's generic plan of a prepared
    # statement otherwise picks the value_date range across every cooperative (see the month-end jasa simpanan)
    in_period = [JournalEntry.cooperative_id == cooperative_id, Posting.account_id.in_(ids),
                 JournalEntry.value_date >= start, JournalEntry.value_date <= end]

    def _sum(where: list[Any]) -> tuple[int, int]:
        return _debit_credit(ids, [JournalEntry.cooperative_id == cooperative_id, *where])

    def _older_than(cur: tuple[date, int, int]) -> Any:
        vd, seq, line = cur
        return sa.or_(JournalEntry.value_date < vd,
                      sa.and_(JournalEntry.value_date == vd, JournalEntry.chain_seq < seq),
                      sa.and_(JournalEntry.value_date == vd, JournalEntry.chain_seq == seq, Posting.line_no < line))

    od, oc = _sum([JournalEntry.value_date < start])
    md, mc = _sum(in_period)
    opening = sign * (od - oc)
    closing = opening + sign * (md - mc)
    running = closing
    where = list(in_period)
    if before is not None:
        where.append(_older_than(before))
        nd, nc = _sum(in_period + [sa.not_(_older_than(before))])
        running = closing - sign * (nd - nc)
    stmt = (sa.select(Posting.debit, Posting.credit, Posting.account_id, JournalEntry.id, JournalEntry.voucher_number,
                      JournalEntry.value_date, JournalEntry.memo, JournalEntry.source, Posting.memo,
                      JournalEntry.chain_seq, Posting.line_no)
            .join(JournalEntry, JournalEntry.id == Posting.entry_id).where(*where)
            .order_by(JournalEntry.value_date.desc(), JournalEntry.chain_seq.desc(), Posting.line_no.desc())
            .limit(per_page + 1))
    rows = db.session.execute(stmt).all()
    lines = []
    for d, c, a_id, e_id, voucher, vd, memo, source, line_memo, _seq, _line in rows[:per_page]:
        sub = accounts[a_id]
        lines.append({"entry_id": e_id, "voucher_number": voucher, "value_date": vd, "memo": line_memo or memo,
                      "source": source, "account_code": sub.code, "account_name": sub.name,
                      "debit": int(d), "credit": int(c), "balance": running})
        running -= sign * (int(d) - int(c))
    next_cursor = None
    if len(rows) > per_page:
        last = rows[per_page - 1]
        next_cursor = (last[5], last[9], last[10])
    return {"account": {"id": acc.id, "code": acc.code, "name": acc.name, "type": acc.type,
                        "normal_side": acc.normal_side},
            "start": start, "end": end, "opening": opening, "lines": lines, "total_debit": md,
            "total_credit": mc, "closing": closing, "truncated": False, "next_cursor": next_cursor,
            "first_page": before is None}


@reads_replica
def neraca(cooperative_id: int, as_of: date) -> dict[str, Any]:
    """Neraca (statement of financial position) at the end of ``as_of``.

    Amounts are on each SECTION's side: assets debit-positive (a contra asset such as the loan loss
    provision shows negative), liabilities and equity credit-positive. Income minus expenses not yet
    closed into equity appears as ``current_surplus`` inside equity ("SHU tahun berjalan (belum
    ditutup)"), so the statement balances whenever the books do.

    :returns: ``{"as_of", "assets": [{"code", "name", "amount"}], "liabilities": [...], "equity": [...],
        "current_surplus": int, "total_assets": int, "total_liabilities": int, "total_equity": int
        (including current_surplus), "total_liabilities_equity": int, "balanced": bool}``
    """
    accounts = _accounts(cooperative_id)
    rolled = rollup(accounts, balances_as_of(cooperative_id, as_of))
    sections: dict[str, list[dict[str, Any]]] = {"asset": [], "liability": [], "equity": []}
    surplus = 0
    for acc in _chart_rows(accounts):
        bal = rolled.get(acc.id, 0)
        if acc.type in ("income", "expense"):
            surplus -= bal
            continue
        amount = bal if acc.type == "asset" else -bal
        sections[acc.type].append({"code": acc.code, "name": acc.name, "name_en": acc.name_en, "amount": amount})
    ta = sum(r["amount"] for r in sections["asset"])
    tl = sum(r["amount"] for r in sections["liability"])
    te = sum(r["amount"] for r in sections["equity"]) + surplus
    return {"as_of": as_of, "assets": sections["asset"], "liabilities": sections["liability"],
            "equity": sections["equity"], "current_surplus": surplus, "total_assets": ta,
            "total_liabilities": tl, "total_equity": te, "total_liabilities_equity": tl + te,
            "balanced": ta == tl + te}


def _member_income(cooperative_id: int, start: date, end: date, income_ids: list[int]) -> dict[int, int]:
    """Income (credit minus debit) per income account from entries that touch a member sub-account."""
    if not income_ids:
        return {}
    # a correlated EXISTS, looked up by the entry's id (postings are indexed by entry_id): an IN over every
    # member posting of the cooperative made PostgreSQL nest loops over all postings when its statistics were
    # stale (a demo-sized unanalysed table took over 15 minutes)
    other = aliased(Posting)
    touches_member = (sa.select(sa.literal(1)).select_from(other).join(Account, Account.id == other.account_id)
                      .where(other.entry_id == Posting.entry_id, Account.parent_id.is_not(None)).exists())
    stmt = (sa.select(Posting.account_id, sa.func.sum(Posting.credit) - sa.func.sum(Posting.debit))
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(JournalEntry.cooperative_id == cooperative_id, JournalEntry.value_date >= start,
                   JournalEntry.value_date <= end, JournalEntry.source.not_in(CLOSING_SOURCES),
                   Posting.account_id.in_(income_ids), touches_member)
            .group_by(Posting.account_id))
    return {a: int(v or 0) for a, v in db.session.execute(stmt)}


@reads_replica
def phu(cooperative_id: int, start: date, end: date) -> dict[str, Any]:
    """Perhitungan Hasil Usaha (the cooperative's income statement) for ``start``..``end``.

    Income is split into member and non-member business: an income posting counts as "anggota" when
    its entry also touches a member sub-account (a loan, a savings account), otherwise as "non
    anggota" (e.g. bank interest, rent, sales to the public). Year-end closing entries
    (:data:`CLOSING_SOURCES`) are left out.

    :returns: ``{"start", "end", "income": [{"code", "name", "member", "non_member", "amount"}],
        "expenses": [{"code", "name", "amount"}], "total_income", "total_income_member",
        "total_income_non_member", "total_expenses", "surplus"}`` (surplus = SHU before tax/allocation;
        negative for a loss).
    """
    if start > end:
        raise ValidationError("Tanggal awal setelah tanggal akhir.", fields={"from": ["setelah tanggal akhir"]})
    accounts = _accounts(cooperative_id)
    roots = _root_of(accounts)
    nets = _net_by_account(cooperative_id, start, end, CLOSING_SOURCES)
    income_ids = [a.id for a in accounts.values() if a.type == "income"]
    member = _member_income(cooperative_id, start, end, income_ids)
    inc_total: dict[int, int] = defaultdict(int)
    inc_member: dict[int, int] = defaultdict(int)
    exp_total: dict[int, int] = defaultdict(int)
    for acc_id, (d, c) in nets.items():
        acc = accounts[acc_id]
        if acc.type == "income":
            inc_total[roots[acc_id]] += c - d
            inc_member[roots[acc_id]] += member.get(acc_id, 0)
        elif acc.type == "expense":
            exp_total[roots[acc_id]] += d - c
    income: list[dict[str, Any]] = []
    expenses: list[dict[str, Any]] = []
    for acc in _chart_rows(accounts):
        if acc.type == "income":
            amt = inc_total.get(acc.id, 0)
            mem = inc_member.get(acc.id, 0)
            income.append({"code": acc.code, "name": acc.name, "name_en": acc.name_en, "member": mem,
                           "non_member": amt - mem, "amount": amt})
        elif acc.type == "expense":
            expenses.append({"code": acc.code, "name": acc.name, "name_en": acc.name_en,
                             "amount": exp_total.get(acc.id, 0)})
    ti = sum(r["amount"] for r in income)
    tm = sum(r["member"] for r in income)
    te = sum(r["amount"] for r in expenses)
    return {"start": start, "end": end, "income": income, "expenses": expenses, "total_income": ti,
            "total_income_member": tm, "total_income_non_member": ti - tm, "total_expenses": te,
            "surplus": ti - te}


def cash_position(cooperative_id: int) -> dict[str, Any]:
    """Kas and bank balances now (running balances, O(1)): ``{"kas", "bank", "total"}``."""

    rows = dict(db.session.execute(sa.select(Account.code, Account.balance).where(
        Account.cooperative_id == cooperative_id, Account.code.in_([chart.KAS, chart.BANK]))).all())
    kas, bank = int(rows.get(chart.KAS, 0)), int(rows.get(chart.BANK, 0))
    return {"kas": kas, "bank": bank, "total": kas + bank}
