"""Write-offs of two loans approved at once (real commits, both engines): each takes what the provision
(1209) still holds and the rest from the expense (5102). Each approval locks its own loan, so two loans
do not serialise on the loan row: the provision must be read under the ledger's head, or both read the
same provision and both take it."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coop.db import atomic, db
from coop.ledger import chart
from tests.concurrent import committed, cooperative_with_member, run_while


def _two_loans_and_a_provision(app) -> tuple[int, int, int, int]:
    """Committed: two loans of Rp 1.200.000 each (flat 1 % x 12, disbursed 6 Jan 2026) with a write-off
    requested for both, and a provision (1209) of Rp 1.500.000. :returns: cooperative, loans, approver ids."""
    from coop import settings as coop_settings
    from coop.auth.services import create_user
    from coop.ledger.rules import Line
    from coop.ledger.services import account_by_code, post_entry
    from coop.loans import services as loans
    from coop.savings import services as savings
    from tests.fixtures_ledger import top_up_cash

    def _setup():
        c, m = cooperative_with_member("Koperasi Hapus Buku", "3504044505900011", "3504040107150021", "Sri Macet")
        coop_settings.set_value(c.id, "write_off_min_class", "lancar", effective_on=date(2026, 1, 1))
        acc = savings.account_for(c.id, m.id, "pokok")
        savings.deposit(c.id, acc.id, acc.product.amount, actor=None, value_date=date(2025, 1, 2))
        t = create_user(cooperative_id=c.id, username="kasir_h", full_name="Kasir", role="treasurer",
                        password="rahasia-123")
        mgr = create_user(cooperative_id=c.id, username="mgr_h", full_name="Manajer", role="manager",
                          password="rahasia-123")
        mgr2 = create_user(cooperative_id=c.id, username="mgr_h2", full_name="Manajer Dua", role="manager",
                           password="rahasia-123")
        p = loans.create_product(c.id, actor=None, name="Flat", method="flat", rate_percent_per_month=Decimal(1))
        top_up_cash(c.id, 2_400_000, date(2026, 1, 6))
        ids = []
        for _ in range(2):
            loan = loans.apply(c.id, actor=t, member_id=m.id, product_id=p.id, principal=1_200_000,
                               term_months=12, purpose="Warung", applied_on=date(2026, 1, 5))
            loans.decide(c.id, loan.id, actor=mgr, decision="approve", note=None, on=date(2026, 1, 5))
            loans.disburse(c.id, loan.id, actor=t, disbursed_on=date(2026, 1, 6), first_due_date=date(2026, 2, 5))
            loans.request_write_off(c.id, loan.id, actor=mgr, note="Macet")
            ids.append(loan.id)
        post_entry(c.id, [Line.dr(account_by_code(c.id, chart.BEBAN_PENYISIHAN).id, 1_500_000),
                          Line.cr(account_by_code(c.id, chart.PENYISIHAN).id, 1_500_000)],
                   actor=None, memo="PPAP", value_date=date(2026, 1, 31), source="loans.provision")
        return c.id, ids[0], ids[1], mgr2.id
    out = committed(app, _setup)
    return out


@pytest.mark.slow
def test_two_write_offs_approved_at_once_take_the_provision_once(committed_app, monkeypatch):
    """Provision Rp 1.500.000, two loans of Rp 1.200.000 written off at once: the first takes 1.200.000 from
    the provision, the second the 300.000 left and 900.000 from the expense 5102; the provision ends at 0
    and 5102 at 1.500.000 + 900.000 = 2.400.000 (all that was written off). (Read before the head, both
    read 1.500.000 and took 1.200.000 each: the provision ended at -900.000, 5102 at 1.500.000.)"""
    from coop.auth.models import User
    from coop.ledger.services import account_by_code
    from coop.loans import services as loans

    cid, first, second, approver_id = _two_loans_and_a_provision(committed_app)

    def approve(loan_id):  # inside the caller's unit of work
        return loans.approve_write_off(cid, loan_id, actor=db.session.get(User, approver_id), on=date(2026, 3, 5))

    _, errors = run_while(committed_app, monkeypatch, loans, "account_by_code", lambda: approve(first),
                          lambda: atomic(approve, second), when=lambda _cid, code: code == chart.PENYISIHAN)
    assert errors == []
    with committed_app.app_context():
        assert account_by_code(cid, chart.PENYISIHAN).natural_balance() == 0
        assert account_by_code(cid, chart.BEBAN_PENYISIHAN).natural_balance() == 2_400_000
        assert [loans.get_loan(cid, i).written_off_amount for i in (first, second)] == [1_200_000, 1_200_000]
        db.session.remove()


@pytest.mark.slow
def test_the_months_provision_and_a_write_off_at_once_leave_the_provision_as_required(committed_app, monkeypatch):
    """Provision Rp 1.500.000; two Lancar loans of Rp 1.200.000 need 0,5 % each: 2 x 6.000 = 12.000, so the
    month's PPAP releases 1.488.000. A write-off of the second loan comes in while it runs: it waits, then
    takes the 12.000 left and 1.188.000 from 5102. The provision ends at 0, 5102 at 1.500.000 - 1.488.000 +
    1.188.000 = 1.200.000. (Read before the head, the write-off took 1.200.000 of the 1.500.000 meanwhile and
    the release of 1.488.000 from the stale figure left the provision at -1.188.000.)"""
    from coop.auth.models import User
    from coop.ledger.services import account_by_code
    from coop.loans import jobs
    from coop.loans import services as loans

    cid, _, second, approver_id = _two_loans_and_a_provision(committed_app)

    def _figures(provision):
        return provision.required, provision.previous, provision.adjustment

    def _write_off():
        atomic(lambda: loans.approve_write_off(cid, second, actor=db.session.get(User, approver_id),
                                               on=date(2026, 3, 5)))
    row, errors = run_while(committed_app, monkeypatch, jobs, "account_by_code",
                            lambda: _figures(jobs.post_provision(cid, date(2026, 2, 28))), _write_off,
                            when=lambda _cid, code: code == chart.PENYISIHAN)
    assert errors == []
    assert row == (12_000, 1_500_000, -1_488_000)
    with committed_app.app_context():
        assert account_by_code(cid, chart.PENYISIHAN).natural_balance() == 0
        assert account_by_code(cid, chart.BEBAN_PENYISIHAN).natural_balance() == 1_200_000
        db.session.remove()
