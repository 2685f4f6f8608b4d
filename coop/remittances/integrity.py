"""Remittances against the journal, for ``ledger verify`` (coop.ledger.verify.SUBLEDGER_CHECKS).

Each remittance records the rupiah credited to the recipient's account; its journal entry is what really
moved. Set-based (one grouped query per cooperative). Checked:

- ``remittance_amount_mismatch``: a remittance whose entry did not credit its account with its amount
  (expected: what the entry credited, net of debits on that account; found: the remittance's amount);
- ``remittance_total_mismatch``: the sum over all remittances (the figure the summary reports) against
  the sum their entries credited.
"""
from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from coop.db import db
from coop.ledger.models import Posting
from coop.remittances.models import Remittance
from coop.savings.models import SavingsAccount
from coop.text import N_


def _item(code: str, text: str, obj: str, expected: int, found: int) -> dict:
    return {"code": code, "text": text, "params": {"object": obj, "expected": expected, "found": found},
            "object": obj, "expected": expected, "found": found}


def problems(cooperative_id: int, posted: Mapping[int, int]) -> list[dict]:
    credited = (sa.select(sa.func.coalesce(sa.func.sum(Posting.credit - Posting.debit), 0))
                .where(Posting.entry_id == Remittance.entry_id,
                       Posting.account_id == SavingsAccount.ledger_account_id)
                .correlate(Remittance, SavingsAccount).scalar_subquery())
    rows = db.session.execute(
        sa.select(Remittance.id, Remittance.amount, credited)
        .join(SavingsAccount, SavingsAccount.id == Remittance.savings_account_id)
        .where(Remittance.cooperative_id == cooperative_id).order_by(Remittance.id)).all()
    out: list[dict] = []
    total_recorded = total_credited = 0
    for rid, amount, in_journal in rows:
        in_journal = int(in_journal or 0)
        total_recorded += int(amount)
        total_credited += in_journal
        if in_journal != amount:
            out.append(_item("remittance_amount_mismatch",
                             N_("kiriman uang %(object)s: jurnalnya mengkredit %(expected)s, tercatat %(found)s"),
                             f"remittance:{rid}", in_journal, int(amount)))
    if total_recorded != total_credited:
        out.append(_item("remittance_total_mismatch",
                         N_("jumlah semua kiriman uang %(found)s, jurnalnya mengkredit %(expected)s"),
                         "remittances", total_credited, total_recorded))
    return out
