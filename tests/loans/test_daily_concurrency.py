"""The daily loan run against a repayment committing while it runs (real commits, both engines).

The run reads the loans that are due and their unpaid instalments, then charges penalties and stores the
days past due and the class. A repayment locks its loan row first. The run now locks its loans (and reads
them again) before it reads their instalments: a repayment committing first is seen, one coming after waits
and re-assesses the days it covers (repay's replay)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from tests.concurrent import committed, cooperative_with_member, run_while


@pytest.mark.slow
def test_a_repayment_committing_while_the_daily_run_reads_is_not_charged_a_penalty(committed_app, monkeypatch):
    """Rp 9.000.000 flat 1 % x 12, first instalment 840.000 due 5 Feb 2026, penalty 1 % of the overdue
    instalment after 15 days. The run of 21 Feb (16 days late: 8.400) reads the instalment unpaid; meanwhile
    the instalment is paid, dated 20 Feb. It waits for the run and replays 21 Feb after its payment: no
    penalty stands, nothing is late. (Read before the lock, the run charged 8.400 on the paid instalment and
    stored it 16 days late.)"""
    from coop.auth.services import create_user
    from coop.loans import jobs
    from coop.loans import services as loans
    from coop.loans.models import LoanPenalty
    from coop.savings import services as savings
    from tests.fixtures_ledger import top_up_cash

    def _setup():
        c, m = cooperative_with_member("Koperasi Harian Serentak", "3504044505900051", "3504040107150061", "Sri Telat")
        acc = savings.account_for(c.id, m.id, "pokok")
        savings.deposit(c.id, acc.id, acc.product.amount, actor=None, value_date=date(2025, 1, 2))
        t = create_user(cooperative_id=c.id, username="kasir_d", full_name="Kasir", role="treasurer",
                        password="rahasia-123")
        mgr = create_user(cooperative_id=c.id, username="mgr_d", full_name="Manajer", role="manager",
                          password="rahasia-123")
        p = loans.create_product(c.id, actor=None, name="Flat", method="flat", rate_percent_per_month=Decimal(1))
        loan = loans.apply(c.id, actor=t, member_id=m.id, product_id=p.id, principal=9_000_000, term_months=12,
                           purpose="Warung", applied_on=date(2026, 1, 5))
        loans.decide(c.id, loan.id, actor=mgr, decision="approve", note=None, on=date(2026, 1, 5))
        top_up_cash(c.id, 9_000_000, date(2026, 1, 6))
        loans.disburse(c.id, loan.id, actor=t, disbursed_on=date(2026, 1, 6), first_due_date=date(2026, 2, 5))
        return c.id, loan.id
    cid, loan_id = committed(committed_app, _setup)

    def _pay():
        atomic(loans.repay, cid, loan_id, 840_000, actor=None, paid_on=date(2026, 2, 20))
    said, errors = run_while(committed_app, monkeypatch, jobs, "thresholds",
                             lambda: jobs.run_daily(cid, date(2026, 2, 21)), _pay)
    assert errors == []
    assert said == "1 pinjaman diproses, 1 denda, 0 perubahan kolektibilitas"
    with committed_app.app_context():
        loan = loans.get_loan(cid, loan_id)
        first = loans.instalments(loan)[0]
        assert (first.principal_paid, first.interest_paid, first.penalty_due) == (750_000, 90_000, 0)
        assert (loan.days_past_due, loan.collectibility) == (0, 1)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoanPenalty)
                                 .where(LoanPenalty.loan_id == loan_id)) == 0
        db.session.remove()
