"""Loan lookups shared by the loan services: the loan, its schedule, outstanding principal, arrears."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from coop.db import db
from coop.errors import NotFound, ValidationError
from coop.ledger.models import Account
from coop.loans import rules
from coop.loans.models import (
    Loan,
    LoanInstalment,
    LoanRecovery,
    LoanRepayment,
)
from coop.membership.models import Member


def get_loan(cooperative_id: int, loan_id: int, *, for_update: bool = False) -> Loan:
    q = sa.select(Loan).where(Loan.id == loan_id)
    if for_update:
        # re-read under the lock: a view may have loaded the loan before (the identity map would
        # otherwise hand back the values read before another transaction changed them)
        q = q.with_for_update().execution_options(populate_existing=True)
    loan = db.session.scalar(q)
    if loan is None or loan.cooperative_id != cooperative_id:
        raise NotFound("Pinjaman tidak ditemukan.")
    return loan


def _member(cooperative_id: int, member_id: int):
    m = db.session.get(Member, member_id)
    if m is None or m.cooperative_id != cooperative_id:
        raise NotFound("Anggota tidak ditemukan.")
    return m


def is_borrower(loan: Loan, user_id: int) -> bool:
    """Is ``user_id`` the login of the member who holds the loan (a member sees only their own loans)?"""
    member = db.session.get(Member, loan.member_id)
    return member is not None and member.user_id == user_id


def lock_member_loans(cooperative_id: int, member_id: int) -> list[Loan]:
    """The member's approved and running loans locked until COMMIT, in ascending id order, read again (every
    loan posting locks its loan first and the ledger head after: a writer that takes the head after these keeps
    that order, so it neither deadlocks with a repayment nor plans from a loan one is changing)."""
    return list(db.session.scalars(
        sa.select(Loan).where(Loan.cooperative_id == cooperative_id, Loan.member_id == member_id,
                              Loan.status.in_(("approved", "active")))
        .order_by(Loan.id).with_for_update().execution_options(populate_existing=True)))


def instalments(loan: Loan) -> list[LoanInstalment]:
    return list(db.session.scalars(sa.select(LoanInstalment).where(
        LoanInstalment.loan_id == loan.id, LoanInstalment.version == loan.schedule_version)
        .order_by(LoanInstalment.number)))


def outstanding_principal(loan: Loan) -> int:
    if loan.ledger_account_id is None:
        return 0
    return db.session.get_one(Account, loan.ledger_account_id).natural_balance()


def oldest_unpaid_due_on(insts: list[LoanInstalment]) -> date | None:
    for i in insts:
        if i.owed("principal") + i.owed("interest") + i.owed("fee") > 0:
            return i.due_on
    return None


def arrears(insts: list[LoanInstalment], as_of: date) -> int:
    """Everything owed on instalments due before ``as_of`` (penalties included)."""
    return sum(i.remaining for i in insts if i.due_on < as_of)


def days_past_due(loan: Loan, as_of: date, insts: list[LoanInstalment] | None = None) -> int:
    if loan.status != "active":
        return 0
    return rules.days_past_due(oldest_unpaid_due_on(insts if insts is not None else instalments(loan)), as_of)


def last_payment_on(loan: Loan) -> date | None:
    """The date of the loan's latest repayment still in force (reversed ones replayed are not)."""
    return db.session.scalar(sa.select(sa.func.max(LoanRepayment.paid_on)).where(
        LoanRepayment.loan_id == loan.id, LoanRepayment.reversal_entry_id.is_(None)))


def check_not_before_history(loan: Loan, day: date, field: str) -> None:
    """Refuse a payoff, write-off or reschedule dated before the disbursement, the last reschedule or a
    repayment already booked (422 naming ``field``): each works on TODAY's balance and schedule, so dating
    it earlier would leave the loan's sub-account negative between that day and the later payment (or
    settle a schedule that did not exist yet)."""
    if loan.disbursed_on is not None and day < loan.disbursed_on:
        raise ValidationError(f"Tanggal {day.isoformat()} sebelum tanggal pencairan "
                              f"{loan.disbursed_on.isoformat()}.", fields={field: ["sebelum tanggal pencairan"]})
    if loan.rescheduled_on is not None and day < loan.rescheduled_on:
        raise ValidationError(f"Tanggal {day.isoformat()} sebelum jadwal ulang ({loan.rescheduled_on.isoformat()}).",
                              fields={field: ["sebelum tanggal jadwal ulang"]})
    last = last_payment_on(loan)
    if last is not None and day < last:
        raise ValidationError(f"Tanggal {day.isoformat()} sebelum pembayaran terakhir ({last.isoformat()}).",
                              code="before_last_payment", fields={field: ["sebelum pembayaran terakhir"]})


def recovered_total(loan: Loan) -> int:
    """Everything recovered on a written-off loan so far."""
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LoanRecovery.amount), 0))
                                 .where(LoanRecovery.loan_id == loan.id)) or 0)


