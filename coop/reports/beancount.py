"""beancount export: the ledger as a plain-text beancount file that ``bean-check`` accepts.

- Account names: ``<Type>:<code>`` for chart accounts, ``<Type>:<parent code>:<sub code>`` for
  sub-accounts (a member's savings account, a loan), e.g. ``Liabilities:2101:SS-000012``.
- Amounts in ``IDR`` (whole rupiah); a debit is a positive number, a credit a negative one.
- A period export starts with one ``Saldo awal`` transaction carrying every account's balance before
  the period (it balances because the whole ledger does).
- At the end, one ``balance`` assertion per account dated the day after the period: beancount checks
  each equals the account's balance INCLUDING its sub-accounts, which is what our trial balance shows
  for a parent account.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import sqlalchemy as sa

from coop.auth.models import Cooperative
from coop.db import db, reads_replica
from coop.ledger.models import JournalEntry
from coop.reports.exports import (
    CHUNK,
    Period,
    account_index,
    accounts_of,
    consistent_snapshot,
    journal_lines_stmt,
    movements,
    stream_rows,
)

ROOTS = {"asset": "Assets", "liability": "Liabilities", "equity": "Equity", "income": "Income",
         "expense": "Expenses"}
CURRENCY = "IDR"


def _component(code: str) -> str:
    comp = re.sub(r"[^A-Za-z0-9-]", "-", code).upper().strip("-") or "X"
    return comp if comp[0].isalnum() else "X" + comp


def _string(text: str | None) -> str:
    return '"' + (text or "").replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ") + '"'


def account_names(cooperative_id: int) -> dict[int, str]:
    """``{account id: beancount account name}``."""
    accounts = accounts_of(cooperative_id)
    by_id = {a.id: a for a in accounts}
    names: dict[int, str] = {}

    def name(acc) -> str:
        if acc.id not in names:
            parent = by_id.get(acc.parent_id)
            base = name(parent) if parent is not None else ROOTS[acc.type]
            names[acc.id] = f"{base}:{_component(acc.code)}"
        return names[acc.id]

    for acc in accounts:
        name(acc)
    return names


def rolled_up(accounts, balances: dict[int, int]) -> dict[int, int]:
    """Each account's balance plus all its descendants' (beancount's meaning of a parent's balance)."""
    by_id = {a.id: a for a in accounts}
    total = {a.id: 0 for a in accounts}
    for aid, bal in balances.items():
        node = by_id.get(aid)
        while node is not None:
            total[node.id] += bal
            node = by_id.get(node.parent_id)
    return total


@reads_replica
def beancount_text(cooperative_id: int, period: Period) -> Iterator[str]:
    """Yield the beancount file in chunks."""
    consistent_snapshot()
    coop_row = db.session.get(Cooperative, cooperative_id)
    accounts = accounts_of(cooperative_id)
    names = account_names(cooperative_id)
    index = account_index(cooperative_id)
    first = period.start or db.session.scalar(
        sa.select(sa.func.min(JournalEntry.value_date)).where(JournalEntry.cooperative_id == cooperative_id))
    last = period.end or db.session.scalar(
        sa.select(sa.func.max(JournalEntry.value_date)).where(JournalEntry.cooperative_id == cooperative_id))
    first = first or last or date(2000, 1, 1)  # empty ledger: any date will do for the open directives
    last = last or first
    open_on = first - timedelta(days=1)
    head = [f"; {coop_row.name}: buku besar dalam format beancount", f"option \"title\" {_string(coop_row.name)}",
            f'option "operating_currency" "{CURRENCY}"', ""]
    for acc in accounts:
        head.append(f"{open_on.isoformat()} open {names[acc.id]} {CURRENCY}")
    head.append("")
    opening = movements(cooperative_id, before=period.start) if period.start else {}
    balances = {aid: d - c for aid, (d, c) in opening.items() if d != c}
    if balances:
        head.append(f'{open_on.isoformat()} * "Saldo awal sebelum {first.isoformat()}"')
        for aid, bal in sorted(balances.items(), key=lambda kv: names[kv[0]]):
            head.append(f"  {names[aid]}  {bal} {CURRENCY}")
        head.append("")
    yield "\n".join(head) + "\n"

    buf: list[str] = []
    size = 0
    current = None
    for (source, seq, voucher, vdate, _posted, _line_no, account_id, ref, memo, _line_memo, debit, credit,
         _prev, h) in stream_rows(journal_lines_stmt(cooperative_id, period)):
        if seq != current:
            current = seq
            txn = [f"\n{vdate.isoformat()} * {_string(memo)}", f"  voucher: {_string(voucher)}",
                   f"  source: {_string(source)}", f"  hash: {_string(h)}"]
            if ref:
                txn.append(f"  document: {_string(ref)}")
            buf.append("\n".join(txn) + "\n")
        line = f"  {names[account_id]}  {debit - credit} {CURRENCY}\n"
        member = index[account_id][2]
        if member:
            line += f"    member: {_string(member)}\n"
        buf.append(line)
        balances[account_id] = balances.get(account_id, 0) + debit - credit
        size += len(line)
        if size > CHUNK:
            yield "".join(buf)
            buf.clear()
            size = 0
    check_on = (last + timedelta(days=1)).isoformat()
    buf.append("\n; Saldo akhir periode (sama dengan neraca saldo)\n")
    totals = rolled_up(accounts, balances)
    for acc in accounts:
        buf.append(f"{check_on} balance {names[acc.id]}  {totals[acc.id]} {CURRENCY}\n")
    yield "".join(buf)
