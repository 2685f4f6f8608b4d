"""Service rules behind the payoff / write-off / recovery / reschedule endpoints and the loan page's
buttons: the quote is a pure read with the interest it waives, the payoff amount must match it, and none
of these may be dated before the money already booked on the loan."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.errors import Conflict, ValidationError
from coop.ledger import chart
from coop.ledger.services import account_by_code
from coop.loans import services as loans

pytestmark = pytest.mark.usefixtures("any_class_may_be_written_off")

DUE = date(2026, 2, 5)


def test_quote_is_a_read_that_names_the_waived_interest(coop, member, make_loan):
    """Nothing paid, 9.000.000 flat 1 % x 12: on 10 Mar instalments 1-2 are due (2 x 90.000 interest),
    10 x 90.000 = 900.000 would be waived; asking changes nothing (asking twice gives the same)."""
    loan = make_loan(coop, member, first_due_date=DUE)
    quote = loans.payoff_quote(coop.id, loan.id, date(2026, 3, 10))
    assert quote == {"principal": 9_000_000, "interest": 180_000, "fee": 0, "penalty": 0, "total": 9_180_000,
                     "interest_waived": 900_000}
    assert loans.payoff_quote(coop.id, loan.id, date(2026, 3, 10)) == quote
    assert all(i.interest_waived == 0 for i in loans.instalments(loan))


def test_quote_refuses_loans_not_running_and_days_before_disbursement(coop, member, make_loan):
    """Is a payoff quote refused for an applied loan (loan_not_active) and for a date before the disbursement
    (as_of: "sebelum tanggal pencairan")?"""
    applied = make_loan(coop, member, status="applied")
    with pytest.raises(Conflict) as exc:
        loans.payoff_quote(coop.id, applied.id, date(2026, 3, 10))
    assert exc.value.code == "loan_not_active"
    loan = make_loan(coop, member, first_due_date=DUE, disbursed_on=date(2026, 1, 10))
    with pytest.raises(ValidationError) as exc:
        loans.payoff_quote(coop.id, loan.id, date(2026, 1, 9))
    assert exc.value.fields == {"as_of": ["sebelum tanggal pencairan"]}


def test_pay_off_checks_the_amount_only_when_given(coop, member, make_loan, staff):
    """The API sends what was handed over: 9.179.999 for a 9.180.000 quote is refused with nothing
    booked; the page sends no amount and collects the quote."""
    loan = make_loan(coop, member, first_due_date=DUE)
    with pytest.raises(ValidationError) as exc:
        atomic(loans.pay_off, coop.id, loan.id, actor=staff["treasurer"], paid_on=date(2026, 3, 10),
               amount=9_179_999)
    assert exc.value.code == "payoff_amount_mismatch" and exc.value.fields == {"amount": ["harus 9180000"]}
    assert loan.status == "active" and loans.outstanding_principal(loan) == 9_000_000
    rep = atomic(loans.pay_off, coop.id, loan.id, actor=staff["treasurer"], paid_on=date(2026, 3, 10))
    assert (rep.amount, rep.interest, rep.principal, loan.status) == (9_180_000, 180_000, 9_000_000, "closed")


def test_payoff_and_write_off_dated_before_a_booked_repayment_are_refused(coop, member, make_loan, staff):
    """A repayment is booked on 5 Mar. A payoff or write-off dated 1 Mar would settle today's balance on
    1 Mar and leave the loan account negative until 5 Mar: 422 naming the date; 5 Mar itself is fine."""
    loan = make_loan(coop, member, first_due_date=DUE)
    atomic(loans.repay, coop.id, loan.id, 840_000, actor=staff["treasurer"], paid_on=date(2026, 3, 5))
    with pytest.raises(ValidationError) as exc:
        atomic(loans.pay_off, coop.id, loan.id, actor=staff["treasurer"], paid_on=date(2026, 3, 1))
    assert exc.value.code == "before_last_payment" and exc.value.fields == {"paid_on": ["sebelum pembayaran terakhir"]}
    atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Macet")
    with pytest.raises(ValidationError) as exc:
        atomic(loans.approve_write_off, coop.id, loan.id, actor=staff["manager2"], on=date(2026, 3, 1))
    assert exc.value.fields == {"written_off_on": ["sebelum pembayaran terakhir"]}
    atomic(loans.approve_write_off, coop.id, loan.id, actor=staff["manager2"], on=date(2026, 3, 5))
    assert loan.status == "written_off" and loan.written_off_amount == 8_250_000


def test_second_write_off_request_is_a_conflict(coop, member, make_loan, staff):
    """A pending request keeps its maker: manager 2 asking again must not become the maker, or manager 1
    (the first maker) could then approve his own request."""
    loan = make_loan(coop, member, first_due_date=DUE)
    atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Macet")
    with pytest.raises(Conflict) as exc:
        atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager2"], note="Macet juga")
    assert exc.value.code == "write_off_already_requested"
    assert loan.write_off_requested_by_id == staff["manager"].id


def test_recovery_before_the_write_off_day_is_refused(coop, member, make_loan, staff):
    """Is a recovery received on 31 August refused for a loan written off on 1 September (message naming both
    dates), while one received on 1 September is recorded (recovered total 500.000)?"""
    loan = make_loan(coop, member, first_due_date=DUE)
    atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Macet")
    atomic(loans.approve_write_off, coop.id, loan.id, actor=staff["manager2"], on=date(2026, 9, 1))
    with pytest.raises(ValidationError) as exc:
        atomic(loans.record_recovery, coop.id, loan.id, 500_000, actor=staff["treasurer"], received_on=date(2026, 8, 31))
    assert exc.value.fields == {"received_on": ["Tanggal terima 2026-08-31 sebelum tanggal hapus buku 2026-09-01."]}
    rec = atomic(loans.record_recovery, coop.id, loan.id, 500_000, actor=staff["treasurer"], received_on=date(2026, 9, 1))
    assert rec.amount == 500_000 and loans.recovered_total(loan) == 500_000


def test_reschedule_with_no_principal_left_is_a_conflict(coop, member, make_loan, make_loan_product, staff):
    """A product that allocates principal first across all instalments: 9.000.000 paid on 5 Mar settles the whole principal while
    interest stays owed (the loan is still running). There is nothing to spread over a new term: 409."""
    product = make_loan_product(coop, allocation_order="principal,interest,penalty,fee",
                                allocation_strategy="component")
    loan = make_loan(coop, member, product=product, first_due_date=DUE)
    atomic(loans.repay, coop.id, loan.id, 9_000_000, actor=staff["treasurer"], paid_on=date(2026, 3, 5))
    assert loan.status == "active" and loans.outstanding_principal(loan) == 0
    with pytest.raises(Conflict) as exc:
        atomic(loans.reschedule, coop.id, loan.id, actor=staff["manager"], on=date(2026, 3, 10), term_months=6,
               first_due_date=date(2026, 4, 5))
    assert exc.value.code == "nothing_to_reschedule"


def test_backdated_payoff_owes_only_the_penalties_charged_by_its_day(coop, member, make_loan, make_loan_product,
                                                                     staff):
    """0,1 % of the overdue 840.000 a day after 3 days' grace: the job run through 15 Feb (10 days late)
    charged 840 on each of 9-15 Feb (5.880). The member paid off on 12 Feb, entered on the 15th: he owes the
    4 days to 12 Feb (3.360), so 9.000.000 + 90.000 + 3.360 = 9.093.360; the 13-15 Feb penalties are
    dropped, and penalty income is 3.360."""
    from coop.jobs import run_due
    from coop.loans.models import LoanPenalty

    product = make_loan_product(coop, penalty_kind="percent_per_day", penalty_percent=Decimal("0.1"),
                                penalty_grace_days=3)
    loan = make_loan(coop, member, product=product, first_due_date=DUE)
    atomic(run_due, coop.id, DUE, only="loans.daily", echo=lambda s: None)
    run_due(coop.id, date(2026, 2, 15), only="loans.daily", echo=lambda s: None)
    assert loans.instalments(loan)[0].penalty_due == 5_880
    assert loans.payoff_quote(coop.id, loan.id, date(2026, 2, 15))["total"] == 9_095_880
    quote = loans.payoff_quote(coop.id, loan.id, date(2026, 2, 12))
    assert (quote["penalty"], quote["total"]) == (3_360, 9_093_360)
    rep = atomic(loans.pay_off, coop.id, loan.id, actor=staff["treasurer"], paid_on=date(2026, 2, 12),
                 amount=9_093_360)
    assert (rep.penalty, rep.interest, rep.principal, loan.status) == (3_360, 90_000, 9_000_000, "closed")
    charged = db.session.scalars(sa.select(LoanPenalty.charged_on).where(LoanPenalty.loan_id == loan.id)
                                 .order_by(LoanPenalty.charged_on)).all()
    assert charged == [date(2026, 2, d) for d in (9, 10, 11, 12)]
    assert account_by_code(coop.id, chart.PENDAPATAN_DENDA).natural_balance() == 3_360


def test_nothing_is_dated_before_the_last_reschedule(coop, member, make_loan, staff):
    """Rescheduled on 20 May: a payoff quote for 19 May would settle the new schedule on a day it did not
    exist yet (422 on as_of)."""
    loan = make_loan(coop, member, first_due_date=DUE)
    atomic(loans.reschedule, coop.id, loan.id, actor=staff["manager"], on=date(2026, 5, 20), term_months=10,
           first_due_date=date(2026, 6, 5))
    with pytest.raises(ValidationError) as exc:
        loans.payoff_quote(coop.id, loan.id, date(2026, 5, 19))
    assert exc.value.fields == {"as_of": ["sebelum tanggal jadwal ulang"]}
    assert loans.payoff_quote(coop.id, loan.id, date(2026, 5, 20))["principal"] == 9_000_000
