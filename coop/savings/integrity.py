"""The savings sub-ledger and the cash counts against the journal, for ``ledger verify``
(coop.ledger.verify.SUBLEDGER_CHECKS).

A member's savings account IS a ledger sub-account: its transactions are its postings. Set-based (a few
grouped queries per cooperative). Checked:

- ``savings_balance_mismatch``: the balance a savings account shows (its sub-account's running balance,
  found) against the sum of its transactions (expected);
- ``savings_closed_with_balance``: a closed account whose transactions do not sum to zero;
- ``savings_wrong_control``: an account whose sub-account hangs under another control account than its
  product's (its money would be reported in the wrong line of the neraca);
- ``cash_count_mismatch``: the last cash count of a day whose counted amount (found) is not Kas in the journal on the
  evening of that day (expected: the books plus the booked difference must equal what was counted);
- ``cash_count_difference_mismatch``: a count whose difference is not counted less expected, or not what
  its entry booked on Kas.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from coop.db import db
from coop.ledger import chart
from coop.ledger.models import Account, JournalEntry, Posting
from coop.savings.models import CashCount, SavingsAccount, SavingsProduct
from coop.text import N_


def _item(code: str, text: str, obj: str, expected: int, found: int, **params) -> dict:
    return {"code": code, "text": text, "params": {"object": obj, "expected": expected, "found": found, **params},
            "object": obj, "expected": expected, "found": found}


def problems(cooperative_id: int, posted: Mapping[int, int]) -> list[dict]:
    """Disagreements between savings accounts, cash counts and the journal (see the module docstring).
    ``posted``: {account id: debits - credits} recomputed from every posting by verify."""
    return _savings(cooperative_id, posted) + _cash_counts(cooperative_id)


def _savings(cooperative_id: int, posted: Mapping[int, int]) -> list[dict]:
    out: list[dict] = []
    parent = aliased(Account)
    rows = db.session.execute(
        sa.select(SavingsAccount.account_number, SavingsAccount.status, Account.normal_side, Account.balance,
                  Account.id, parent.code, SavingsProduct.control_code)
        .join(Account, Account.id == SavingsAccount.ledger_account_id)
        .join(SavingsProduct, SavingsProduct.id == SavingsAccount.product_id)
        .outerjoin(parent, parent.id == Account.parent_id)
        .where(SavingsAccount.cooperative_id == cooperative_id).order_by(SavingsAccount.id))
    for number, status, side, stored, account_id, parent_code, control_code in rows:
        obj = f"savings_account:{number}"
        debit_minus_credit = posted.get(account_id, 0)
        # credit-normal (savings are liabilities or equity); a debit-normal one would read the other way
        transactions = -debit_minus_credit if side == "C" else debit_minus_credit
        shown = -int(stored) if side == "C" else int(stored)
        if shown != transactions:
            out.append(_item("savings_balance_mismatch",
                             N_("simpanan %(object)s: jumlah transaksinya %(expected)s, saldo tercatat %(found)s"),
                             obj, transactions, shown))
        if status == "closed" and transactions != 0:
            out.append(_item("savings_closed_with_balance",
                             N_("simpanan %(object)s sudah ditutup tetapi transaksinya berjumlah %(found)s"),
                             obj, 0, transactions))
        if parent_code != control_code:
            out.append(_item("savings_wrong_control",
                             N_("simpanan %(object)s tercatat di bawah akun %(parent)s, produknya di %(control)s"),
                             obj, 0, 0, parent=parent_code, control=control_code))
    return out


def _cash_counts(cooperative_id: int) -> list[dict]:
    counts = db.session.execute(
        sa.select(CashCount.counted_on, CashCount.expected, CashCount.counted, CashCount.difference, CashCount.entry_id)
        .where(CashCount.cooperative_id == cooperative_id).order_by(CashCount.counted_on, CashCount.id)).all()
    if not counts:
        return []
    kas_id = db.session.scalar(sa.select(Account.id).where(Account.cooperative_id == cooperative_id,
                                                           Account.code == chart.KAS))
    by_day = db.session.execute(
        sa.select(JournalEntry.value_date, sa.func.sum(Posting.debit - Posting.credit))
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .where(JournalEntry.cooperative_id == cooperative_id, Posting.account_id == kas_id,
               JournalEntry.value_date <= counts[-1].counted_on)
        .group_by(JournalEntry.value_date).order_by(JournalEntry.value_date)).all()
    booked: dict[int, int] = defaultdict(int)
    entry_ids = [c.entry_id for c in counts if c.entry_id is not None]
    for start in range(0, len(entry_ids), 5000):
        for entry_id, amount in db.session.execute(
                sa.select(Posting.entry_id, sa.func.sum(Posting.debit - Posting.credit))
                .where(Posting.entry_id.in_(entry_ids[start:start + 5000]), Posting.account_id == kas_id)
                .group_by(Posting.entry_id)):
            booked[entry_id] = int(amount)
    out: list[dict] = []
    i, kas = 0, 0
    for n, count in enumerate(counts):
        while i < len(by_day) and by_day[i][0] <= count.counted_on:
            kas += int(by_day[i][1])
            i += 1
        obj = f"cash_count:{count.counted_on.isoformat()}"
        last_of_day = n + 1 == len(counts) or counts[n + 1].counted_on != count.counted_on
        if last_of_day and kas != count.counted:  # an earlier count of the day was followed by more cash moves
            out.append(_item("cash_count_mismatch",
                             N_("opname kas %(object)s: Kas di buku besar sore itu %(expected)s, uang dihitung %(found)s"),
                             obj, kas, count.counted))
        on_kas = booked.get(count.entry_id, 0) if count.entry_id is not None else 0
        if count.difference != count.counted - count.expected or on_kas != count.difference:
            out.append(_item("cash_count_difference_mismatch",
                             N_("opname kas %(object)s: selisih yang dibukukan di Kas %(expected)s, "
                                "selisih tercatat %(found)s"), obj, on_kas, count.difference))
    return out
