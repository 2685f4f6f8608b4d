"""The loan sub-ledger against the journal, for ``ledger verify`` (coop.ledger.verify.SUBLEDGER_CHECKS).

Set-based: four queries per cooperative whatever the number of loans. Checked per disbursed loan:

- ``loan_outstanding_mismatch``: the loan sub-account's balance recomputed from its postings (expected)
  against what the schedule still owes, principal due less principal paid on the current schedule
  version less the amount written off (found);
- ``loan_disbursement_mismatch``: the principal on the loan row (found) against the debit of the
  disbursement entry to the loan sub-account (expected);
- ``loan_repayment_mismatch``: each repayment row that stands (not reversed) against the principal its
  own entry credited to the loan sub-account;
- ``loan_repayment_reversed_in_journal``: a repayment row that stands although its entry was reversed in
  the journal (the sub-ledger never heard of it).
"""
from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from coop.db import db
from coop.ledger.models import JournalEntry, Posting
from coop.loans.models import Loan, LoanInstalment, LoanRepayment
from coop.text import N_


def _item(code: str, text: str, number: str, expected: int, found: int, **params) -> dict:
    return {"code": code, "text": text, "params": {"loan": number, "expected": expected, "found": found, **params},
            "object": f"loan:{number}", "expected": expected, "found": found}


def problems(cooperative_id: int, posted: Mapping[int, int]) -> list[dict]:
    """Disagreements between the loans and the journal (see the module docstring). ``posted``: {account id:
    debits - credits} recomputed from every posting by verify."""
    out: list[dict] = []
    owed = (sa.select(LoanInstalment.loan_id,
                      sa.func.sum(LoanInstalment.principal_due - LoanInstalment.principal_paid).label("owed"))
            .join(Loan, sa.and_(Loan.id == LoanInstalment.loan_id, Loan.schedule_version == LoanInstalment.version))
            .where(Loan.cooperative_id == cooperative_id).group_by(LoanInstalment.loan_id).subquery())
    rows = db.session.execute(
        sa.select(Loan.number, Loan.ledger_account_id, sa.func.coalesce(owed.c.owed, 0), Loan.written_off_amount)
        .outerjoin(owed, owed.c.loan_id == Loan.id)
        .where(Loan.cooperative_id == cooperative_id, Loan.ledger_account_id.is_not(None))
        .order_by(Loan.id))
    for number, account_id, schedule, written_off in rows:
        ledger = posted.get(account_id, 0)
        found = int(schedule) - int(written_off or 0)
        if int(ledger) != found:
            out.append(_item("loan_outstanding_mismatch",
                             N_("pinjaman %(loan)s: sisa pokok di buku besar %(expected)s, menurut jadwal %(found)s"),
                             number, int(ledger), found))

    disbursed = db.session.execute(
        sa.select(Loan.number, Loan.principal, sa.func.coalesce(sa.func.sum(Posting.debit), 0))
        .outerjoin(Posting, sa.and_(Posting.entry_id == Loan.disbursement_entry_id,
                                    Posting.account_id == Loan.ledger_account_id))
        .where(Loan.cooperative_id == cooperative_id, Loan.disbursement_entry_id.is_not(None))
        .group_by(Loan.id, Loan.number, Loan.principal).order_by(Loan.id))
    for number, principal, debit in disbursed:
        if int(debit) != int(principal):
            out.append(_item("loan_disbursement_mismatch",
                             N_("pinjaman %(loan)s: pencairan di buku besar %(expected)s, pokok pinjaman %(found)s"),
                             number, int(debit), int(principal)))

    credited = db.session.execute(
        sa.select(Loan.number, LoanRepayment.id, LoanRepayment.principal,
                  sa.func.coalesce(sa.func.sum(Posting.credit - Posting.debit), 0))
        .join(Loan, Loan.id == LoanRepayment.loan_id)
        .outerjoin(Posting, sa.and_(Posting.entry_id == LoanRepayment.entry_id,
                                    Posting.account_id == Loan.ledger_account_id))
        .where(LoanRepayment.cooperative_id == cooperative_id, LoanRepayment.reversal_entry_id.is_(None))
        .group_by(Loan.number, LoanRepayment.id, LoanRepayment.principal)
        .having(sa.func.coalesce(sa.func.sum(Posting.credit - Posting.debit), 0) != LoanRepayment.principal)
        .order_by(LoanRepayment.id))
    for number, rep_id, principal, credit in credited:
        out.append(_item("loan_repayment_mismatch",
                         N_("pinjaman %(loan)s, pembayaran %(repayment)s: pokok di jurnal %(expected)s, "
                            "di catatan pembayaran %(found)s"), number, int(credit), int(principal), repayment=rep_id))

    reversal = aliased(JournalEntry)
    orphaned = db.session.execute(
        sa.select(Loan.number, LoanRepayment.id, LoanRepayment.principal, reversal.voucher_number)
        .join(Loan, Loan.id == LoanRepayment.loan_id)
        .join(reversal, reversal.reverses_id == LoanRepayment.entry_id)
        .where(LoanRepayment.cooperative_id == cooperative_id, LoanRepayment.reversal_entry_id.is_(None))
        .order_by(LoanRepayment.id))
    for number, rep_id, principal, voucher in orphaned:
        out.append(_item("loan_repayment_reversed_in_journal",
                         N_("pinjaman %(loan)s, pembayaran %(repayment)s: jurnalnya dibalik oleh %(voucher)s "
                            "tetapi catatan pembayaran masih berlaku"), number, 0, int(principal),
                         repayment=rep_id, voucher=voucher))
    return out
