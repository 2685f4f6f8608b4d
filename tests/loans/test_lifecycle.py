"""Loan lifecycle through the services: application, maker-checker approval, disbursement with the
entry, repayments and their allocation, overpayment, payoff, backdating by replay."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.errors import Conflict, Forbidden, ValidationError
from coop.ledger import chart
from coop.ledger.models import JournalEntry
from coop.ledger.services import account_by_code, balance_of
from coop.loans import services as loans
from coop.loans.models import LoanAllocation, LoanRepayment


def _kas(coop):
    return account_by_code(coop.id, chart.KAS).natural_balance()


def test_disbursement_books_the_schedule_equal_to_the_preview_and_one_entry(coop, member, make_loan,
                                                                           make_loan_product, fund):
    """Disbursing 9.000.000 flat 1 % x 12 with a 1 % deducted fee: Dr loan 9.000.000 / Cr cash 8.910.000 /
    Cr provisi 90.000; the booked instalments equal the preview."""
    from decimal import Decimal

    fund(member, "sukarela", 10_000_000)
    product = make_loan_product(coop, fee_percent=Decimal("1"))
    preview = loans.preview(coop.id, product.id, 9_000_000, 12, date(2026, 2, 5))
    kas_before = _kas(coop)
    loan = make_loan(coop, member, product=product, first_due_date=date(2026, 2, 5))
    assert loan.status == "active" and loan.fee_amount == 90_000
    assert loans.outstanding_principal(loan) == 9_000_000
    assert _kas(coop) == kas_before - 8_910_000
    assert account_by_code(coop.id, chart.PENDAPATAN_PROVISI).natural_balance() == 90_000
    booked = [(i.number, i.due_on, i.principal_due, i.interest_due) for i in loans.instalments(loan)]
    assert booked == [(i.number, i.due_date, i.principal, i.interest) for i in preview]
    assert booked[0] == (1, date(2026, 2, 5), 750_000, 90_000)


def test_disbursement_to_savings_credits_the_sukarela_account(coop, member, make_loan):
    """Does disbursing a Rp 2.000.000 loan to savings raise the member's sukarela balance by 2.000.000?"""
    from coop.savings.services import account_for

    acc = account_for(coop.id, member.id, "sukarela")
    before = acc.balance
    make_loan(coop, member, principal=2_000_000, term_months=4, mode="savings")
    assert balance_of(acc.ledger_account_id) == before + 2_000_000


def test_maker_cannot_approve_and_large_loans_need_two_approvers(coop, member, make_loan, loan_staff):
    """The maker gets Forbidden; above loan_two_approvers_above (25 juta) the first approval keeps the
    loan applied and the same manager cannot approve twice; a second manager approves it."""
    staff = loan_staff(coop)
    loan = make_loan(coop, member, principal=30_000_000, status="applied")
    with pytest.raises(Forbidden):
        atomic(loans.decide, coop.id, loan.id, actor=staff["treasurer"], decision="approve", note=None,
               on=date(2026, 1, 6))
    atomic(loans.decide, coop.id, loan.id, actor=staff["manager"], decision="approve", note=None, on=date(2026, 1, 6))
    assert loan.status == "applied"
    with pytest.raises(Forbidden):
        atomic(loans.decide, coop.id, loan.id, actor=staff["manager"], decision="approve", note=None,
               on=date(2026, 1, 6))
    atomic(loans.decide, coop.id, loan.id, actor=staff["manager2"], decision="approve", note=None, on=date(2026, 1, 6))
    assert loan.status == "approved"


def test_manager_who_made_the_application_cannot_approve_it(coop, member, make_loan_product, loan_staff):
    """Is a manager who made a loan application forbidden to approve it?"""
    staff = loan_staff(coop)
    product = make_loan_product(coop)
    loan = atomic(loans.apply, coop.id, actor=staff["manager"], member_id=member.id, product_id=product.id,
                  principal=1_000_000, term_months=6, purpose="Warung", applied_on=date(2026, 1, 5))
    with pytest.raises(Forbidden):
        atomic(loans.decide, coop.id, loan.id, actor=staff["manager"], decision="approve", note=None,
               on=date(2026, 1, 6))


def test_rejection_needs_a_reason_and_is_final(coop, member, make_loan, loan_staff):
    """Is a rejection without a note refused, and after a rejection with a reason is the loan rejected and its
    disbursement refused with Conflict?"""
    staff = loan_staff(coop)
    loan = make_loan(coop, member, status="applied")
    with pytest.raises(ValidationError):
        atomic(loans.decide, coop.id, loan.id, actor=staff["manager"], decision="reject", note="", on=date(2026, 1, 6))
    atomic(loans.decide, coop.id, loan.id, actor=staff["manager"], decision="reject", note="Usaha belum jelas",
           on=date(2026, 1, 6))
    assert loan.status == "rejected"
    with pytest.raises(Conflict):
        atomic(loans.disburse, coop.id, loan.id, actor=staff["treasurer"], disbursed_on=date(2026, 1, 7),
               first_due_date=date(2026, 2, 7))


def test_terms_are_copied_so_a_rate_change_applies_only_to_new_loans(coop, member, make_loan, make_loan_product):
    """After the product's rate changes to 2 % a month, does the old loan keep its first interest of Rp 90.000
    while a new loan's is Rp 180.000?"""
    from decimal import Decimal

    product = make_loan_product(coop)
    old = make_loan(coop, member, product=product)
    atomic(loans.update_product, coop.id, product.id, actor=None, rate_percent_per_month=Decimal("2"))
    new = make_loan(coop, member, product=product)
    assert loans.instalments(old)[0].interest_due == 90_000
    assert loans.instalments(new)[0].interest_due == 180_000


def test_non_member_or_out_of_limits_application_is_refused(coop, make_member, make_loan_product, loan_staff):
    """Is an application refused for an applicant whose pokok is unpaid, and for an active member asking 24
    months on a product of at most 12 (naming term_months)?"""
    applicant = make_member(coop, pay_pokok=False)
    product = make_loan_product(coop, max_term_months=12)
    staff = loan_staff(coop)
    with pytest.raises(ValidationError):
        atomic(loans.apply, coop.id, actor=staff["treasurer"], member_id=applicant.id, product_id=product.id,
               principal=1_000_000, term_months=6, purpose="x", applied_on=date(2026, 1, 5))
    active = make_member(coop)
    with pytest.raises(ValidationError) as err:
        atomic(loans.apply, coop.id, actor=staff["treasurer"], member_id=active.id, product_id=product.id,
               principal=1_000_000, term_months=24, purpose="x", applied_on=date(2026, 1, 5))
    assert "term_months" in err.value.fields


def test_partial_then_advance_payment_allocate_oldest_first(coop, member, make_loan, loan_staff):
    """500.000 covers instalment 1's interest 90.000 and 410.000 principal; 1.500.000 then settles the rest of
    instalment 1 (340.000), all of instalment 2 (840.000) and 320.000 of instalment 3 (90.000 interest,
    230.000 principal). Outstanding 9.000.000 - 410.000 - 340.000 - 750.000 - 230.000 = 7.270.000."""
    staff = loan_staff(coop)
    loan = make_loan(coop, member, first_due_date=date(2026, 2, 5))
    r1 = atomic(loans.repay, coop.id, loan.id, 500_000, actor=staff["treasurer"], paid_on=date(2026, 2, 5))
    assert (r1.penalty, r1.interest, r1.principal) == (0, 90_000, 410_000)
    r2 = atomic(loans.repay, coop.id, loan.id, 1_500_000, actor=staff["treasurer"], paid_on=date(2026, 2, 10))
    assert (r2.interest, r2.principal) == (180_000, 1_320_000)
    insts = loans.instalments(loan)
    assert [(i.principal_paid, i.interest_paid) for i in insts[:3]] == [(750_000, 90_000), (750_000, 90_000),
                                                                        (230_000, 90_000)]
    assert insts[0].paid_on == date(2026, 2, 10) and insts[2].paid_on is None
    assert loans.outstanding_principal(loan) == 7_270_000 == r2.outstanding_after
    rows = db.session.scalars(sa.select(LoanAllocation).where(LoanAllocation.repayment_id == r2.id)).all()
    assert {a.entry_id for a in rows} == {r2.entry_id}
    assert sum(a.amount for a in rows) == 1_500_000


def test_overpayment_goes_to_sukarela_savings_and_closes_the_loan(coop, member, make_loan, loan_staff):
    """Does a payment of Rp 1.300.000 on a loan owing 1.224.000 (2 x (600.000 + 12.000)) close it, credit the
    76.000 overpayment to sukarela savings, and refuse any further repayment with Conflict?"""
    from coop.savings.services import account_for

    staff = loan_staff(coop)
    loan = make_loan(coop, member, principal=1_200_000, term_months=2, first_due_date=date(2026, 2, 5))
    # flat 1 %: 2 x (600.000 + 12.000) = 1.224.000 in total
    sukarela = account_for(coop.id, member.id, "sukarela")
    before = sukarela.balance
    rep = atomic(loans.repay, coop.id, loan.id, 1_300_000, actor=staff["treasurer"], paid_on=date(2026, 2, 1))
    assert rep.overpayment == 76_000
    assert balance_of(sukarela.ledger_account_id) == before + 76_000
    assert loan.status == "closed" and loans.outstanding_principal(loan) == 0
    with pytest.raises(Conflict):
        atomic(loans.repay, coop.id, loan.id, 1_000, actor=staff["treasurer"], paid_on=date(2026, 2, 2))


def test_early_payoff_waives_future_interest(coop, member, make_loan, loan_staff):
    """After instalment 1 is paid, paying off on 20 Feb costs the 8.250.000 principal only: instalment 2's
    interest is not yet due (due 5 Mar) and is waived."""
    staff = loan_staff(coop)
    loan = make_loan(coop, member, first_due_date=date(2026, 2, 5))
    atomic(loans.repay, coop.id, loan.id, 840_000, actor=staff["treasurer"], paid_on=date(2026, 2, 5))
    quote = loans.payoff_quote(coop.id, loan.id, date(2026, 2, 20))
    assert quote == {"principal": 8_250_000, "interest": 0, "fee": 0, "penalty": 0, "total": 8_250_000,
                     "interest_waived": 11 * 90_000}
    rep = atomic(loans.pay_off, coop.id, loan.id, actor=staff["treasurer"], paid_on=date(2026, 2, 20))
    assert rep.amount == 8_250_000 and loan.status == "closed" and loan.close_reason == "payoff"


def _state(coop, loan):
    insts = loans.instalments(loan)
    reps = db.session.scalars(sa.select(LoanRepayment).where(LoanRepayment.loan_id == loan.id,
                                                             LoanRepayment.reversal_entry_id.is_(None))
                              .order_by(LoanRepayment.paid_on, LoanRepayment.id)).all()
    return {
        "instalments": [(i.principal_paid, i.interest_paid, i.penalty_paid, i.paid_on) for i in insts],
        "repayments": [(r.paid_on, r.amount, r.principal, r.interest) for r in reps],
        "outstanding": loans.outstanding_principal(loan),
        "income": account_by_code(coop.id, chart.PENDAPATAN_JASA).natural_balance(),
    }


def test_backdated_repayment_equals_entering_in_date_order(coop, make_member, make_loan, loan_staff):
    """Loan A gets 840.000 on 5 Feb then 500.000 on 10 Mar, then (backdated) 300.000 on 1 Mar; loan B gets the
    same payments in date order. Allocations, paid dates, outstanding principal and interest income
    (per loan) end equal; the replay used reversal entries, never edits."""
    staff = loan_staff(coop)
    a = make_loan(coop, make_member(coop), first_due_date=date(2026, 2, 5))
    income0 = account_by_code(coop.id, chart.PENDAPATAN_JASA).natural_balance()
    t = staff["treasurer"]
    atomic(loans.repay, coop.id, a.id, 840_000, actor=t, paid_on=date(2026, 2, 5))
    atomic(loans.repay, coop.id, a.id, 500_000, actor=t, paid_on=date(2026, 3, 10))
    atomic(loans.repay, coop.id, a.id, 300_000, actor=t, paid_on=date(2026, 3, 1))
    sa_ = _state(coop, a)
    income_a = sa_.pop("income") - income0
    reversals = db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(
        JournalEntry.cooperative_id == coop.id, JournalEntry.reverses_id.is_not(None)))
    assert reversals == 1

    b = make_loan(coop, make_member(coop), first_due_date=date(2026, 2, 5))
    income1 = account_by_code(coop.id, chart.PENDAPATAN_JASA).natural_balance()
    for amount, on in ((840_000, date(2026, 2, 5)), (300_000, date(2026, 3, 1)), (500_000, date(2026, 3, 10))):
        atomic(loans.repay, coop.id, b.id, amount, actor=t, paid_on=on)
    sb = _state(coop, b)
    income_b = sb.pop("income") - income1
    assert sa_ == sb
    assert income_a == income_b == 90_000 + 90_000
    assert sa_["instalments"][1] == (710_000, 90_000, 0, None)  # 210.000 + 500.000 of its 750.000


def test_repayment_in_a_closed_period_is_refused(coop, member, make_loan, loan_staff):
    """Is a repayment dated 10 February refused with PeriodClosed once February 2026 is closed?"""
    from coop.errors import PeriodClosed
    from coop.ledger.models import AccountingPeriod

    staff = loan_staff(coop)
    loan = make_loan(coop, member, first_due_date=date(2026, 2, 5))
    atomic(loans.repay, coop.id, loan.id, 840_000, actor=staff["treasurer"], paid_on=date(2026, 3, 5))
    db.session.add(AccountingPeriod(cooperative_id=coop.id, start_on=date(2026, 2, 1), end_on=date(2026, 2, 28),
                                    status="closed"))
    db.session.flush()
    with pytest.raises(PeriodClosed):
        atomic(loans.repay, coop.id, loan.id, 100_000, actor=staff["treasurer"], paid_on=date(2026, 2, 10))


def test_member_payoff_plan_nets_loans_in_one_entry(coop, member, make_loan, fund):
    """plan_member_payoff gives credit lines for principal and due interest; posted against savings and
    applied, the loans close and the allocations point at that entry."""
    from coop.ledger.services import Line, post_entry
    from coop.savings.services import account_for

    fund(member, "sukarela", 20_000_000)
    loan = make_loan(coop, member, principal=3_000_000, term_months=3, first_due_date=date(2026, 2, 5))
    plan = loans.plan_member_payoff(coop.id, member.id, date(2026, 2, 10))
    assert plan.total == 3_000_000 + 30_000
    sukarela = account_for(coop.id, member.id, "sukarela").ledger_account_id

    def _do():
        entry = post_entry(coop.id, [Line.dr(sukarela, plan.total)] + plan.lines, actor=None, memo="Keluar",
                           value_date=date(2026, 2, 10), source="membership.resign")
        return plan.apply(entry), entry
    reps, entry = atomic(_do)
    assert loan.status == "closed" and loans.outstanding_principal(loan) == 0
    assert reps[0].entry_id == entry.id and reps[0].interest == 30_000
    assert loans.interest_paid_by_member(coop.id, date(2026, 1, 1), date(2026, 12, 31)) == {member.id: 30_000}


def test_resignation_nets_the_loan_against_the_savings_refund(coop, member, make_loan, fund, loan_staff):
    """A member with 3.000.000 flat 1 % x 3 (instalment 1 of 1.030.000 due 5 Feb, unpaid) and Rp 5.000.000
    sukarela resigns on 10 Feb: the refund is savings minus 3.000.000 principal minus 30.000 interest due
    (later interest waived), in one entry; the loan is closed by netting."""
    from coop.membership import services as membership

    fund(member, "sukarela", 5_000_000)
    loan = make_loan(coop, member, principal=3_000_000, term_months=3, first_due_date=date(2026, 2, 5))
    preview = membership.settlement_preview(coop.id, member.id, date(2026, 2, 10))
    assert preview.loans_total == 3_030_000
    s = atomic(membership.resign, coop.id, member.id, date(2026, 2, 10), actor=loan_staff(coop)["treasurer"])
    assert s.refund == s.savings_total - 3_030_000
    assert loan.status == "closed" and loan.close_reason == "netting"
    assert loans.outstanding_principal(loan) == 0
    rep = db.session.scalar(sa.select(LoanRepayment).where(LoanRepayment.loan_id == loan.id))
    assert rep.entry_id == s.entry.id and (rep.principal, rep.interest) == (3_000_000, 30_000)


def test_a_cash_repayment_names_kas_and_the_income_accounts_by_code_without_looking_them_up(
        coop, member, make_loan, loan_staff):
    """500.000 in cash on instalment 1 (interest 90.000, principal 410.000): the entry is Dr Kas 500.000, Cr the
    loan 410.000, Cr Pendapatan Jasa 90.000, and the repayment sends no statement of its own to find an
    account by its code (Kas and the income accounts are named by code; the ledger reads their ids in the
    statement that locks them: the lookups were up to four statements a repayment)."""
    from tests.fixtures_ledger import recorded_statements

    staff = loan_staff(coop)
    loan = make_loan(coop, member, first_due_date=date(2026, 2, 5))
    kas, jasa = (account_by_code(coop.id, code) for code in (chart.KAS, chart.PENDAPATAN_JASA))
    kas_before, jasa_before = kas.natural_balance(), jasa.natural_balance()
    with recorded_statements() as seen:
        rep = atomic(loans.repay, coop.id, loan.id, 500_000, actor=staff["treasurer"], paid_on=date(2026, 2, 5))
    entry = db.session.get(JournalEntry, rep.entry_id)
    assert sorted((p.account_id, p.debit, p.credit) for p in entry.postings) == sorted([
        (kas.id, 500_000, 0), (loan.ledger_account_id, 0, 410_000), (jasa.id, 0, 90_000)])
    assert _kas(coop) == kas_before + 500_000
    assert account_by_code(coop.id, chart.PENDAPATAN_JASA).natural_balance() == jasa_before + 90_000
    by_code = [sql for sql in seen if sql.startswith("SELECT accounts.") and "accounts.code =" in sql]
    assert seen and by_code == []
