"""Read models of the ledger pages (issue 16, item 4): the chart overview, an account's sub-accounts, an
entry's reversal state, the accounts a manual entry may use, the journal list. Reads only."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from coop.db import db
from coop.ledger import reports
from coop.ledger.models import Account, JournalEntry, LedgerApproval, LedgerHead
from coop.paging import Page, fetch_page


@dataclass
class ChartOverview:
    """Top-level accounts, each with its balance rolled up from its sub-accounts and its count of them,
    and the number of maker-checker approvals pending."""
    accounts: list[Account]
    rolled: dict[int, int]
    sub_counts: dict[int, int]
    pending: int


def chart_overview(cooperative_id: int) -> ChartOverview:
    everything = {a.id: a for a in db.session.scalars(sa.select(Account).where(
        Account.cooperative_id == cooperative_id))}
    top = sorted((a for a in everything.values() if a.parent_id is None), key=lambda a: a.code)
    rolled = reports.rollup(everything, {a.id: a.balance for a in everything.values()})
    sub_counts = {parent_id: n for parent_id, n in db.session.execute(sa.select(Account.parent_id, sa.func.count()).where(
        Account.cooperative_id == cooperative_id, Account.parent_id.is_not(None)).group_by(Account.parent_id))
        if parent_id is not None}  # always (the WHERE): for the type checker
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(LedgerApproval).where(
        LedgerApproval.cooperative_id == cooperative_id, LedgerApproval.status == "pending")) or 0
    return ChartOverview(top, rolled, sub_counts, pending)


def sub_accounts(account: Account, limit: int = 200) -> list[Account]:
    """The sub-accounts of ``account`` (a member's savings, a loan ...) by code."""
    return list(db.session.scalars(sa.select(Account).where(Account.parent_id == account.id)
                                   .order_by(Account.code).limit(limit)))


def reversal_state(cooperative_id: int, entry: JournalEntry) -> tuple[JournalEntry | None, LedgerApproval | None]:
    """The entry that reverses ``entry`` (if any) and a pending request to reverse it (if any)."""
    reversal = db.session.scalar(sa.select(JournalEntry).where(JournalEntry.reverses_id == entry.id))
    pending = db.session.scalar(sa.select(LedgerApproval).where(
        LedgerApproval.cooperative_id == cooperative_id, LedgerApproval.kind == "reversal",
        LedgerApproval.target_id == entry.id, LedgerApproval.status == "pending"))
    return reversal, pending


def manual_entry_accounts(cooperative_id: int) -> list[tuple[int, str]]:
    """``(id, "code name")`` of the open, top-level, non-control accounts a manual entry may use."""
    rows = db.session.execute(sa.select(Account.id, Account.code, Account.name).where(
        Account.cooperative_id == cooperative_id, Account.is_open, Account.is_control.is_(False),
        Account.parent_id.is_(None)).order_by(Account.code))
    return [(i, f"{c} {n}") for i, c, n in rows]


def journal(cooperative_id: int, text: str = "", *, page: int = 1, per_page: int = 30) -> Page:
    """Journal entries, newest first, filtered by voucher number or memo."""
    stmt = sa.select(JournalEntry).where(JournalEntry.cooperative_id == cooperative_id)
    if text:
        stmt = stmt.where(sa.or_(JournalEntry.voucher_number.ilike(f"%{text}%"), JournalEntry.memo.ilike(f"%{text}%")))
    return fetch_page(stmt.order_by(JournalEntry.chain_seq.desc()), page, per_page)


def entry_id_for_key(cooperative_id: int, idempotency_key: str | None) -> int | None:
    """The entry already posted under ``idempotency_key`` in this cooperative (a confirmation pressed
    twice, a form sent again), or None."""
    if not idempotency_key:
        return None
    return db.session.scalar(sa.select(JournalEntry.id).where(JournalEntry.cooperative_id == cooperative_id,
                                                              JournalEntry.idempotency_key == idempotency_key)
                             .order_by(JournalEntry.id).limit(1))


def ledger_head(cooperative_id: int) -> LedgerHead | None:
    """The cooperative's chain head (last voucher, entry count, head hash), or None before its chart exists."""
    return db.session.get(LedgerHead, cooperative_id)


def account_ids_by_code(cooperative_id: int, codes: set[str]) -> dict[str, int]:
    """``{account code: account id}`` of those of ``codes`` the cooperative's chart has (the others are absent)."""
    return dict(db.session.execute(sa.select(Account.code, Account.id).where(
        Account.cooperative_id == cooperative_id, Account.code.in_(codes))).all())
