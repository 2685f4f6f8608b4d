"""Resignation netting (membership ``resign`` -> ``plan_member_payoff`` / ``PayoffPlan.apply``) settles
each loan as an early payoff on the resignation day: a resignation entered after the daily job already
ran past that day owes only the penalties charged up to it (the same rule and code as ``pay_off``)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.errors import ValidationError
from coop.jobs import run_due
from coop.ledger import chart
from coop.ledger.services import account_by_code
from coop.loans import services as loans
from coop.loans.models import LoanPenalty
from coop.membership import services as membership
from coop.savings import services as savings

DUE = date(2026, 2, 5)


def _quiet(_s):
    return None


@pytest.fixture
def arrears_loan(coop, make_member, fund, make_loan, make_loan_product):
    """9.000.000 flat 1 % x 12 (840.000 a month: 750.000 principal + 90.000 jasa), first due 5 Feb, never
    paid; penalty 0,1 % of the overdue 840.000 = 840 a day after 3 days' grace. Savings: pokok 100.000 +
    sukarela 10.000.000. The daily job has run through 15 Feb: it charged 840 on each of 9-15 Feb
    (7 x 840 = 5.880)."""
    member = make_member(coop, joined_on=date(2025, 6, 2))
    # jasa simpanan is not this fixture's subject (a closing pays it, and the preview shows it:
    # tests/savings/test_closing_preview.py), so the sukarela here earns none and the figures stay round
    savings.default_product(coop.id, "sukarela").interest_method = "none"
    fund(member, "sukarela", 10_000_000)
    product = make_loan_product(coop, penalty_kind="percent_per_day", penalty_percent=Decimal("0.1"),
                                penalty_grace_days=3)
    loan = make_loan(coop, member, product=product, first_due_date=DUE)
    atomic(run_due, coop.id, DUE, only="loans.daily", echo=_quiet)
    run_due(coop.id, date(2026, 2, 15), only="loans.daily", echo=_quiet)
    assert loans.instalments(loan)[0].penalty_due == 5_880
    return member, loan


def test_backdated_resignation_nets_only_the_penalties_up_to_its_day(coop, arrears_loan, loan_staff):
    """The member resigned on 12 Feb (entered on the 16th). He owes the penalties of 9-12 Feb only:
    4 x 840 = 3.360, so the loan nets 9.000.000 principal + 90.000 jasa of instalment 1 (later jasa
    waived) + 3.360 = 9.093.360 (charging the 13-15 Feb penalties too would be 9.095.880). Refund:
    10.100.000 - 9.093.360 = 1.006.640 in cash. The preview says the same; the penalties of 13-15 Feb
    are deleted, penalty income is 3.360 and the loan is closed by netting."""
    member, loan = arrears_loan
    kas_before = account_by_code(coop.id, chart.KAS).natural_balance()
    preview = membership.settlement_preview(coop.id, member.id, date(2026, 2, 12))
    assert (preview.savings_total, preview.loans_total, preview.refund) == (10_100_000, 9_093_360, 1_006_640)
    s = atomic(membership.resign, coop.id, member.id, date(2026, 2, 12), actor=loan_staff(coop)["treasurer"])
    assert (s.savings_total, s.loans_total, s.refund) == (10_100_000, 9_093_360, 1_006_640)
    assert account_by_code(coop.id, chart.KAS).natural_balance() == kas_before - 1_006_640
    assert account_by_code(coop.id, chart.PENDAPATAN_DENDA).natural_balance() == 3_360
    assert (loan.status, loan.close_reason, loans.outstanding_principal(loan)) == ("closed", "netting", 0)
    charged = db.session.scalars(sa.select(LoanPenalty.charged_on).where(LoanPenalty.loan_id == loan.id)
                                 .order_by(LoanPenalty.charged_on)).all()
    assert charged == [date(2026, 2, d) for d in (9, 10, 11, 12)]
    inst = loans.instalments(loan)[0]
    assert (inst.penalty_due, inst.penalty_paid, inst.remaining) == (3_360, 3_360, 0)
    assert membership.settlement_of(coop.id, member.id).loans_total == 9_093_360


def test_resignation_on_the_last_job_day_nets_every_penalty(coop, arrears_loan, loan_staff):
    """Resigning on 15 Feb, the job's last day: all 7 penalties (5.880) are owed: 9.095.880."""
    member, loan = arrears_loan
    s = atomic(membership.resign, coop.id, member.id, date(2026, 2, 15), actor=loan_staff(coop)["treasurer"])
    assert (s.loans_total, s.refund) == (9_095_880, 10_100_000 - 9_095_880)
    assert account_by_code(coop.id, chart.PENDAPATAN_DENDA).natural_balance() == 5_880


def test_resignation_dated_before_a_booked_repayment_is_refused(coop, arrears_loan, loan_staff):
    """The member paid 840.000 on 14 Feb: a resignation dated 12 Feb would net today's balance on a day
    before that payment (and drop penalties it may have paid), so it is 422 on effective_on, as a payoff
    dated so is; nothing is written."""
    member, loan = arrears_loan
    staff = loan_staff(coop)
    atomic(loans.repay, coop.id, loan.id, 840_000, actor=staff["treasurer"], paid_on=date(2026, 2, 14))
    with pytest.raises(ValidationError) as exc:
        atomic(membership.resign, coop.id, member.id, date(2026, 2, 12), actor=staff["treasurer"])
    assert exc.value.fields == {"effective_on": ["sebelum pembayaran terakhir"]}
    assert membership.get_member(coop.id, member.id).status == "active" and loan.status == "active"
    assert loans.outstanding_principal(loan) == 9_000_000 - 744_960


def test_resignation_on_the_day_of_the_last_repayment(coop, arrears_loan, loan_staff):
    """840.000 paid on 14 Feb (entered after the job's 15 Feb run, so replayed): penalties of 9-14 Feb
    (6 x 840 = 5.040) first, then the 90.000 jasa, then 744.960 principal; the 5.040 principal of
    instalment 1 stays overdue. Resigning the same day nets 9.000.000 - 744.960 = 8.255.040 principal and
    nothing else: the penalty the job charged on 15 Feb on the remaining 5.040 is not owed and is dropped."""
    member, loan = arrears_loan
    staff = loan_staff(coop)
    rep = atomic(loans.repay, coop.id, loan.id, 840_000, actor=staff["treasurer"], paid_on=date(2026, 2, 14))
    assert (rep.penalty, rep.interest, rep.principal) == (5_040, 90_000, 744_960)
    assert loans.instalments(loan)[0].penalty_due == 5_040 + 5  # 15 Feb: 0,1 % x 5.040 = 5,04 -> 5
    s = atomic(membership.resign, coop.id, member.id, date(2026, 2, 14), actor=staff["treasurer"])
    assert (s.loans_total, s.refund) == (8_255_040, 10_100_000 - 8_255_040)
    assert loan.status == "closed"
    assert db.session.scalar(sa.select(sa.func.max(LoanPenalty.charged_on)).where(
        LoanPenalty.loan_id == loan.id)) == date(2026, 2, 14)
    assert account_by_code(coop.id, chart.PENDAPATAN_DENDA).natural_balance() == 5_040


def test_a_repayment_to_a_loan_settled_at_resignation_is_refused_saying_so(coop, arrears_loan, loan_staff):
    """The member resigned on 12 Feb and her loan was netted (9.093.360). A cashier then records 840.000 on
    the loan, dated 10 Feb: 409 loan_settled_at_resignation, naming the netting day and telling the cashier
    to give the cash back (a replay would refund into a sukarela account she no longer has). Nothing moves:
    Kas, the loan and its repayments are as the resignation left them."""
    from coop.errors import Conflict
    from coop.loans.models import LoanRepayment

    member, loan = arrears_loan
    treasurer = loan_staff(coop)["treasurer"]
    atomic(membership.resign, coop.id, member.id, date(2026, 2, 12), actor=treasurer)
    kas = account_by_code(coop.id, chart.KAS).natural_balance()
    with pytest.raises(Conflict) as refused:
        atomic(loans.repay, coop.id, loan.id, 840_000, actor=treasurer, paid_on=date(2026, 2, 10))
    assert refused.value.code == "loan_settled_at_resignation"
    assert "saat ia keluar pada 12-02-2026" in refused.value.message
    assert "Kembalikan uangnya" in refused.value.message
    assert account_by_code(coop.id, chart.KAS).natural_balance() == kas
    assert (loan.status, loan.close_reason) == ("closed", "netting")
    assert db.session.scalars(sa.select(LoanRepayment.kind).where(LoanRepayment.loan_id == loan.id)).all() == ["netting"]


def test_a_repayment_replayed_by_its_key_after_the_netting_returns_the_first(coop, arrears_loan, loan_staff):
    """A repayment of 840.000 on 10 Feb with its Idempotency-Key, then the resignation on 12 Feb (the netting
    settles the rest). The same request again (a retry of the cashier's phone) returns the repayment of
    10 Feb, not the 409 of a new repayment to a netted loan; Kas does not move."""
    member, loan = arrears_loan
    treasurer = loan_staff(coop)["treasurer"]
    first = atomic(loans.repay, coop.id, loan.id, 840_000, actor=treasurer, paid_on=date(2026, 2, 10),
                   idempotency_key="kasir-hp-0210")
    atomic(membership.resign, coop.id, member.id, date(2026, 2, 12), actor=treasurer)
    assert (loan.status, loan.close_reason) == ("closed", "netting")
    kas = account_by_code(coop.id, chart.KAS).natural_balance()
    again = atomic(loans.repay, coop.id, loan.id, 840_000, actor=treasurer, paid_on=date(2026, 2, 10),
                   idempotency_key="kasir-hp-0210")
    assert again.id == first.id and again.amount == 840_000
    assert account_by_code(coop.id, chart.KAS).natural_balance() == kas
