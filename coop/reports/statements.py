"""Statements the ledger area does not produce: Arus Kas (cash flow, direct method) and Perubahan
Ekuitas (changes in equity). Neraca and PHU come from :mod:`coop.ledger.reports`.

Arus Kas: for every entry that touches cash (1101 Kas, 1102 Bank) the non-cash lines say where the cash
came from or went: their ``credit - debit`` summed per top-level chart account equals the entry's net
cash change exactly. Transfers between Kas and Bank have no non-cash line and drop out. Each chart
account belongs to one activity (operasi, investasi, pendanaan); see :data:`ACTIVITY`.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa

from coop.db import db, reads_replica
from coop.ledger import chart
from coop.ledger.models import Account, JournalEntry, Posting
from coop.reports.exports import movements
from coop.text import N_

CASH_CODES = (chart.KAS, chart.BANK)
ACTIVITY_LABELS = {"operasi": N_("Arus kas dari aktivitas operasi"),
                   "investasi": N_("Arus kas dari aktivitas investasi"),
                   "pendanaan": N_("Arus kas dari aktivitas pendanaan")}


def activity_of(acc: Account) -> str:
    """Which activity a top-level chart account's cash belongs to. Member loans, income and expenses
    are the operations of a savings-and-loan cooperative; fixed assets are investing; savings, funds,
    equity and the SHU payable are financing."""
    if acc.type in ("income", "expense") or acc.code.startswith(("12", "13", "24", "25")):
        return "operasi"
    if acc.code.startswith(("14", "15", "16", "17", "18", "19")):
        return "investasi"
    return "pendanaan"


@reads_replica
def cash_flow(cooperative_id: int, start: date, end: date) -> dict:
    """Arus kas for ``start``..``end``.

    :returns: ``{"opening", "closing", "net", "sections": [{"activity", "label", "rows": [{"code", "name",
        "amount"}], "total"}]}`` with ``opening + net == closing`` (amounts: cash in positive).
    """
    accounts = {a.id: a for a in db.session.scalars(sa.select(Account).where(Account.cooperative_id == cooperative_id))}
    root = {}
    for aid, acc in accounts.items():
        node = acc
        while node.parent_id is not None and node.parent_id in accounts:
            node = accounts[node.parent_id]
        root[aid] = node.id
    cash_ids = [a.id for a in accounts.values() if a.code in CASH_CODES]
    in_period = [JournalEntry.cooperative_id == cooperative_id, JournalEntry.value_date >= start,
                 JournalEntry.value_date <= end]
    cash_entries = (sa.select(Posting.entry_id).join(JournalEntry, JournalEntry.id == Posting.entry_id)
                    .where(*in_period, Posting.account_id.in_(cash_ids)))
    stmt = (sa.select(Posting.account_id, sa.func.sum(Posting.credit - Posting.debit))
            .where(Posting.entry_id.in_(cash_entries), Posting.account_id.not_in(cash_ids))
            .group_by(Posting.account_id))
    per_root: dict[int, int] = defaultdict(int)
    for aid, amount in db.session.execute(stmt):
        per_root[root[aid]] += int(amount or 0)

    def cash_at(day: date) -> int:
        return int(db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Posting.debit - Posting.credit), 0))
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(JournalEntry.cooperative_id == cooperative_id, JournalEntry.value_date <= day,
                   Posting.account_id.in_(cash_ids))) or 0)

    sections = {k: [] for k in ACTIVITY_LABELS}
    for rid, amount in sorted(per_root.items(), key=lambda kv: accounts[kv[0]].code):
        if amount:
            acc = accounts[rid]
            sections[activity_of(acc)].append({"code": acc.code, "name": acc.name, "amount": amount})
    out = [{"activity": k, "label": ACTIVITY_LABELS[k], "rows": rows, "total": sum(r["amount"] for r in rows)}
           for k, rows in sections.items()]
    opening = cash_at(start - timedelta(days=1))
    net = sum(s["total"] for s in out)
    return {"start": start, "end": end, "opening": opening, "net": net, "closing": cash_at(end), "sections": out}


@reads_replica
def equity_changes(cooperative_id: int, start: date, end: date) -> dict:
    """Perubahan ekuitas for ``start``..``end``: per equity chart account (sub-accounts rolled up) the
    opening balance, increases (credits), decreases (debits) and closing balance, credit-positive.
    The surplus not yet closed into equity is a separate row so the total equals the Neraca's equity.

    :returns: ``{"rows": [{"code", "name", "opening", "increase", "decrease", "closing"}], "totals": {...}}``
    """

    accounts = {a.id: a for a in db.session.scalars(sa.select(Account).where(Account.cooperative_id == cooperative_id))}

    def root_of(aid):
        node = accounts[aid]
        while node.parent_id is not None and node.parent_id in accounts:
            node = accounts[node.parent_id]
        return node

    before = movements(cooperative_id, before=start)
    during = movements(cooperative_id, start=start, end=end)
    rows: dict[int, dict] = {}
    for acc in sorted(accounts.values(), key=lambda a: a.code):
        if acc.type == "equity" and acc.parent_id is None:
            rows[acc.id] = {"code": acc.code, "name": acc.name, "opening": 0, "increase": 0, "decrease": 0,
                            "closing": 0}
    pl_open = pl_during = 0
    for aid, (d, c) in before.items():
        acc = root_of(aid)
        if acc.id in rows:
            rows[acc.id]["opening"] += c - d
        elif acc.type in ("income", "expense"):
            pl_open += c - d
    for aid, (d, c) in during.items():
        acc = root_of(aid)
        if acc.id in rows:
            rows[acc.id]["increase"] += c
            rows[acc.id]["decrease"] += d
        elif acc.type in ("income", "expense"):
            pl_during += c - d
    result = list(rows.values())
    result.append({"code": "", "name": "SHU tahun berjalan (belum ditutup)", "opening": pl_open,
                   "increase": max(pl_during, 0), "decrease": max(-pl_during, 0), "closing": 0})
    for r in result:
        r["closing"] = r["opening"] + r["increase"] - r["decrease"]
    totals = {k: sum(r[k] for r in result) for k in ("opening", "increase", "decrease", "closing")}
    return {"start": start, "end": end, "rows": result, "totals": totals}
