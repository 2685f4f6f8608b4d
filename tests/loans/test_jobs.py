"""The daily loan job (incremental, idempotent, catch-up in order) and the monthly PPAP provision."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from coop import settings as coop_settings
from coop.db import atomic, db
from coop.errors import Conflict, Forbidden
from coop.jobs import run_due
from coop.ledger import chart
from coop.ledger.services import account_by_code
from coop.loans import jobs
from coop.loans import services as loans
from coop.loans.models import LoanClassChange, LoanPenalty

DUE = date(2026, 2, 5)


def _run(coop, day):
    return atomic(jobs.run_daily, coop.id, day)


def _history(loan):
    return [(c.changed_on, c.from_class, c.to_class, c.days_past_due) for c in db.session.scalars(
        sa.select(LoanClassChange).where(LoanClassChange.loan_id == loan.id).order_by(LoanClassChange.id))]


def test_class_changes_exactly_the_day_after_each_threshold_with_history_only_on_change(coop, member, make_loan):
    """A monthly loan with nothing paid, first due 5 Feb: Lancar through 90 days late (6 May), Kurang
    Lancar on day 91 (7 May), Diragukan on day 181 (5 Aug) because its collateral (Rp 6.750.000 = 75 % of
    the 9.000.000 outstanding) keeps it recoverable. Running every day in between writes exactly two
    history rows."""
    loan = make_loan(coop, member, first_due_date=DUE, collateral_description="Sertifikat tanah",
                     collateral_value=6_750_000)
    day = DUE
    while day <= DUE + timedelta(days=181):
        _run(coop, day)
        if day == DUE + timedelta(days=90):
            assert loan.collectibility == 1 and loan.days_past_due == 90
        if day == DUE + timedelta(days=91):
            assert loan.collectibility == 3  # Kurang Lancar (the 4-class scheme skips 2, DPK)
        day += timedelta(days=1)
    assert loan.collectibility == 4
    assert _history(loan) == [(DUE + timedelta(days=91), 1, 3, 91), (DUE + timedelta(days=181), 3, 4, 181)]


def test_job_touches_only_loans_whose_next_action_date_has_come(coop, member, make_loan):
    """Does the daily job process the loan only once its next action date has come (0 before the due date, 1
    the day after, 0 again five days after, penalty waiting for 15 grace days)?"""
    loan = make_loan(coop, member, first_due_date=DUE)
    assert "0 pinjaman" in _run(coop, DUE - timedelta(days=3))
    assert "1 pinjaman" in _run(coop, DUE + timedelta(days=1))
    assert loan.next_action_date > DUE + timedelta(days=1)
    # in between nothing is due for this loan (penalty comes after 15 grace days)
    assert "0 pinjaman" in _run(coop, DUE + timedelta(days=5))


def test_penalty_after_grace_and_rerunning_a_day_changes_nothing(coop, member, make_loan):
    """Default penalty 1 % of the overdue 840.000 after 15 days = 8.400, charged once on day 16; a
    second run of the same day adds nothing."""
    loan = make_loan(coop, member, first_due_date=DUE)
    _run(coop, DUE + timedelta(days=15))
    assert loans.instalments(loan)[0].penalty_due == 0
    _run(coop, DUE + timedelta(days=16))
    snapshot = (loans.instalments(loan)[0].penalty_due, loan.collectibility, loan.next_action_date)
    assert snapshot[0] == 8_400
    assert "0 pinjaman" in _run(coop, DUE + timedelta(days=16))
    assert (loans.instalments(loan)[0].penalty_due, loan.collectibility, loan.next_action_date) == snapshot
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoanPenalty)
                             .where(LoanPenalty.loan_id == loan.id)) == 1


def test_payment_allocates_penalty_first(coop, member, make_loan, loan_staff):
    """Does a payment of Rp 848.400 after a penalty has accrued go to penalty 8.400, interest 90.000 and
    principal 750.000, and book 8.400 as penalty income?"""
    loan = make_loan(coop, member, first_due_date=DUE)
    _run(coop, DUE + timedelta(days=16))
    rep = atomic(loans.repay, coop.id, loan.id, 848_400, actor=loan_staff(coop)["treasurer"],
                 paid_on=DUE + timedelta(days=17))
    assert (rep.penalty, rep.interest, rep.principal) == (8_400, 90_000, 750_000)
    assert account_by_code(coop.id, chart.PENDAPATAN_DENDA).natural_balance() == 8_400


def test_per_day_penalty_and_catch_up_through_the_job_runner(coop, member, make_loan, make_loan_product):
    """0.1 % per day of 840.000 = 840 a day after 3 grace days: catching up 10 missed days in one
    ``jobs run`` charges days 4-10 = 7 x 840 = 5.880, in date order; rerunning charges nothing more."""
    from decimal import Decimal

    product = make_loan_product(coop, penalty_kind="percent_per_day", penalty_percent=Decimal("0.1"),
                                penalty_grace_days=3)
    loan = make_loan(coop, member, product=product, first_due_date=DUE)
    atomic(run_due, coop.id, DUE, only="loans.daily", echo=lambda s: None)
    run_due(coop.id, DUE + timedelta(days=10), only="loans.daily", echo=lambda s: None)
    assert loans.instalments(loan)[0].penalty_due == 5_880
    charged = db.session.scalars(sa.select(LoanPenalty.charged_on).where(LoanPenalty.loan_id == loan.id)
                                 .order_by(LoanPenalty.id)).all()
    assert charged == [DUE + timedelta(days=d) for d in range(4, 11)]
    run_due(coop.id, DUE + timedelta(days=10), only="loans.daily", echo=lambda s: None)
    assert loans.instalments(loan)[0].penalty_due == 5_880


def test_repayment_brings_the_class_back_on_the_next_run(coop, member, make_loan, loan_staff):
    """Does a loan at class 3 after 91 days late come back to class 1 with 0 days past due on the next run
    once all overdue interest, penalty and 4 x 750.000 principal are paid, with the history (1 -> 3), (3 ->
    1)?"""
    loan = make_loan(coop, member, first_due_date=DUE)
    _run(coop, DUE + timedelta(days=91))
    assert loan.collectibility == 3
    # pay everything overdue (4 instalments of 840.000 + penalties)
    owed = loans.payoff_quote(coop.id, loan.id, DUE + timedelta(days=92))
    atomic(loans.repay, coop.id, loan.id, owed["interest"] + owed["penalty"] + 4 * 750_000,
           actor=loan_staff(coop)["treasurer"], paid_on=DUE + timedelta(days=92))
    _run(coop, DUE + timedelta(days=92))
    assert loan.collectibility == 1 and loan.days_past_due == 0
    assert [h[1:3] for h in _history(loan)] == [(1, 3), (3, 1)]


def test_monthly_provision_posts_the_difference_once(coop, make_member, make_loan):
    """Two loans of 9.000.000: one Lancar (0.5 % = 45.000), one Kurang Lancar (10 % = 900.000): the
    first adjustment posts 945.000 to 1209; the same month again posts nothing."""
    a = make_loan(coop, make_member(coop), first_due_date=DUE)
    b = make_loan(coop, make_member(coop), first_due_date=DUE)
    _run(coop, DUE + timedelta(days=91))
    a.collectibility = 1  # simulate a current loan
    db.session.flush()
    assert b.collectibility == 3
    row = atomic(jobs.post_provision, coop.id, date(2026, 5, 31))
    assert (row.required, row.previous, row.adjustment) == (945_000, 0, 945_000)
    assert account_by_code(coop.id, chart.PENYISIHAN).natural_balance() == 945_000
    assert account_by_code(coop.id, chart.BEBAN_PENYISIHAN).natural_balance() == 945_000
    again = atomic(jobs.post_provision, coop.id, date(2026, 5, 31))
    assert again.id == row.id
    assert account_by_code(coop.id, chart.PENYISIHAN).natural_balance() == 945_000


def test_write_off_needs_a_second_approver_and_uses_the_provision(coop, member, make_loan, loan_staff):
    """Is a write-off of a Diragukan loan refused under the default minimum (Macet), allowed once the setting
    says diragukan, refused when the requesting manager approves it, and on a second manager's approval does
    it write off 9.000.000, use up the provision (4.500.000 + 4.500.000 expensed, allowance 0), and book a
    later recovery of 1.000.000 as recovery income?"""
    staff = loan_staff(coop)
    loan = make_loan(coop, member, first_due_date=DUE, collateral_description="BPKB motor", collateral_value=9_000_000)
    _run(coop, DUE + timedelta(days=200))
    atomic(jobs.post_provision, coop.id, date(2026, 8, 31))  # Diragukan: 50 % of 9.000.000 = 4.500.000
    with pytest.raises(Conflict) as exc:  # default: Macet only
        atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Pindah ke luar negeri")
    assert exc.value.code == "write_off_class_too_low"
    atomic(coop_settings.set_value, coop.id, "write_off_min_class", "diragukan", effective_on=date(2026, 1, 1))
    atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Pindah ke luar negeri")
    with pytest.raises(Forbidden):
        atomic(loans.approve_write_off, coop.id, loan.id, actor=staff["manager"], on=date(2026, 9, 1))
    atomic(loans.approve_write_off, coop.id, loan.id, actor=staff["manager2"], on=date(2026, 9, 1))
    assert loan.status == "written_off" and loan.written_off_amount == 9_000_000
    assert loans.outstanding_principal(loan) == 0
    assert account_by_code(coop.id, chart.PENYISIHAN).natural_balance() == 0
    assert account_by_code(coop.id, chart.BEBAN_PENYISIHAN).natural_balance() == 4_500_000 + 4_500_000
    atomic(loans.record_recovery, coop.id, loan.id, 1_000_000, actor=staff["treasurer"], received_on=date(2026, 10, 1))
    assert account_by_code(coop.id, chart.PENDAPATAN_PEMULIHAN).natural_balance() == 1_000_000


def test_reschedule_builds_a_new_schedule_for_the_outstanding_principal(coop, member, make_loan, loan_staff):
    """After 2 of 12 instalments, 7.500.000 rescheduled over 10 months from 5 Jun: flat 1 % gives
    750.000 + 75.000; the unpaid interest already due (Apr and May, 2 x 90.000) is carried into the first."""
    staff = loan_staff(coop)
    loan = make_loan(coop, member, first_due_date=DUE)
    atomic(loans.repay, coop.id, loan.id, 1_680_000, actor=staff["treasurer"], paid_on=date(2026, 3, 5))
    atomic(loans.reschedule, coop.id, loan.id, actor=staff["manager"], on=date(2026, 5, 20), term_months=10,
           first_due_date=date(2026, 6, 5))
    insts = loans.instalments(loan)
    assert len(insts) == 10 and insts[0].due_on == date(2026, 6, 5)
    assert (insts[0].principal_due, insts[0].interest_due) == (750_000, 75_000 + 180_000)
    assert (insts[1].principal_due, insts[1].interest_due) == (750_000, 75_000)
    _run(coop, date(2026, 5, 21))
    assert loan.days_past_due == 0 and loan.collectibility == 1


def _full_state(coop, loan):
    from coop.loans.models import LoanRepayment

    insts = loans.instalments(loan)
    pens = db.session.execute(sa.select(LoanPenalty.charged_on, LoanPenalty.amount).where(
        LoanPenalty.loan_id == loan.id).order_by(LoanPenalty.charged_on)).all()
    reps = db.session.execute(sa.select(LoanRepayment.paid_on, LoanRepayment.amount, LoanRepayment.penalty,
                                        LoanRepayment.interest, LoanRepayment.principal).where(
        LoanRepayment.loan_id == loan.id, LoanRepayment.reversal_entry_id.is_(None))
        .order_by(LoanRepayment.paid_on, LoanRepayment.id)).all()
    return {"instalments": [(i.principal_paid, i.interest_paid, i.penalty_due, i.penalty_paid, i.paid_on)
                            for i in insts],
            "penalties": [tuple(p) for p in pens], "repayments": [tuple(r) for r in reps],
            "classes": [h[1:] for h in _history(loan)], "collectibility": loan.collectibility,
            "outstanding": loans.outstanding_principal(loan)}


def test_backdated_repayment_after_the_job_ran_equals_date_order_with_the_job(coop, make_member, make_loan,
                                                                             loan_staff):
    """The job runs every day. Loan A: 840.000 on 5 Feb and 500.000 on 25 Mar are entered on their days;
    the job charged 8.400 penalty on 21 Mar (instalment 2, due 5 Mar, 16 days late); on 31 Mar a payment
    of 840.000 dated 18 Mar is entered late. Loan B gets the three payments on their days. The replay
    drops the 21 Mar penalty (instalment 2 was paid on 18 Mar, inside the grace days), re-runs the job's
    days and re-applies 25 Mar: penalties, allocations, paid dates, classes and principal end equal."""
    t = loan_staff(coop)["treasurer"]
    a = make_loan(coop, make_member(coop), first_due_date=DUE)
    b = make_loan(coop, make_member(coop), first_due_date=DUE)
    pay_a = {date(2026, 2, 5): 840_000, date(2026, 3, 25): 500_000}
    pay_b = {date(2026, 2, 5): 840_000, date(2026, 3, 18): 840_000, date(2026, 3, 25): 500_000}
    day = date(2026, 2, 1)
    while day <= date(2026, 3, 31):
        _run(coop, day)
        if day == date(2026, 3, 21):
            assert loans.instalments(a)[1].penalty_due == 8_400
        for loan, pays in ((a, pay_a), (b, pay_b)):
            if day in pays:
                atomic(loans.repay, coop.id, loan.id, pays[day], actor=t, paid_on=day)
        day += timedelta(days=1)
    atomic(loans.repay, coop.id, a.id, 840_000, actor=t, paid_on=date(2026, 3, 18))
    state_a, state_b = _full_state(coop, a), _full_state(coop, b)
    assert state_a == state_b
    assert state_a["penalties"] == []
    assert state_a["instalments"][1] == (750_000, 90_000, 0, 0, date(2026, 3, 18))
    assert state_a["outstanding"] == 9_000_000 - 750_000 - 750_000 - 410_000
    assert a.last_processed_on == b.last_processed_on


@pytest.mark.parametrize("penalty", ["percent_overdue", "percent_per_day", "fixed"])
def test_incremental_run_equals_processing_every_loan_every_day(coop, make_member, make_loan, make_loan_product,
                                                                 loan_staff, penalty):
    """Two identical loans, irregular payments: loan A is processed only when its next_action_date comes
    (the real job), loan B every single day (a full scan). Penalties and class history end identical, so
    skipping loans by next_action_date loses nothing."""
    from decimal import Decimal

    product = make_loan_product(coop, penalty_kind=penalty, penalty_percent=Decimal("0.5"), penalty_fixed=7_500,
                                penalty_grace_days=5, kl_after_days=40, d_after_days=75, m_after_days=120)
    t = loan_staff(coop)["treasurer"]
    a = make_loan(coop, make_member(coop), product=product, first_due_date=DUE, principal=6_000_000, term_months=6)
    b = make_loan(coop, make_member(coop), product=product, first_due_date=DUE, principal=6_000_000, term_months=6)
    pays = {DUE + timedelta(days=3): 500_000, DUE + timedelta(days=50): 700_000, DUE + timedelta(days=90): 2_000_000}
    day = DUE - timedelta(days=2)
    while day <= DUE + timedelta(days=160):
        _run(coop, day)  # processes A (and B) only when due
        if b.last_processed_on != day:  # force B every day

            def _force(day=day):
                penalties, changes = [], []
                jobs.process_loan(b, [i for i in loans.instalments(b) if i.paid_on is None], day, penalties, changes)
                if penalties:
                    db.session.execute(sa.insert(LoanPenalty), penalties)
                if changes:
                    db.session.execute(sa.insert(LoanClassChange), changes)
                db.session.flush()
            atomic(_force)
        for loan in (a, b):
            if day in pays:
                atomic(loans.repay, coop.id, loan.id, pays[day], actor=t, paid_on=day)
        day += timedelta(days=1)

    def pen(loan):
        return db.session.execute(sa.select(LoanPenalty.charged_on, LoanPenalty.amount).where(
            LoanPenalty.loan_id == loan.id).order_by(LoanPenalty.charged_on, LoanPenalty.id)).all()
    assert [tuple(r) for r in pen(a)] == [tuple(r) for r in pen(b)]
    assert _history(a) == _history(b)
    assert len(_history(a)) >= 2 and len(pen(a)) >= 1
    assert [i.penalty_due for i in loans.instalments(a)] == [i.penalty_due for i in loans.instalments(b)]
