"""Concurrent repayments of one loan serialise on the loan row: every rupiah is allocated exactly once
(real commits, several threads; SQLite and PostgreSQL)."""
from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest

from coop.db import atomic, db


@pytest.mark.slow
def test_concurrent_repayments_allocate_each_rupiah_once(committed_app):
    """Eight cashiers each take Rp 420.000 for the same 9.000.000 flat 1 % x 12 loan at once: the eight
    payments settle exactly four instalments of 840.000 (principal 3.000.000), nothing twice or lost."""
    from coop.auth.services import create_cooperative, create_user
    from coop.ledger.services import create_chart
    from coop.loans import services as loans
    from coop.membership.services import register_member
    from coop.registry.services import create_resident
    from coop.savings import services as savings
    from tests.fixtures_ledger import top_up_cash

    with committed_app.app_context():
        def _setup():
            c = create_cooperative(name="Koperasi Paralel Pinjaman", village_code="3504042001")
            create_chart(c.id)
            savings.seed_defaults(c.id)
            r = create_resident(c.id, {"nik": "3504044505900002", "kk_number": "3504040107150002",
                                       "full_name": "Sri Paralel", "sex": "F", "birth_place": "Tulungagung",
                                       "birth_date": date(1990, 5, 5), "village_code": "3504042001",
                                       "relationship": "kepala_keluarga", "status": "hidup"}, actor=None)
            m = register_member(c.id, r.id, date(2025, 1, 2), actor=None)
            acc = savings.account_for(c.id, m.id, "pokok")
            savings.deposit(c.id, acc.id, acc.product.amount, actor=None, value_date=date(2025, 1, 2))
            t = create_user(cooperative_id=c.id, username="kasir_p", full_name="Kasir", role="treasurer",
                            password="rahasia-123")
            mgr = create_user(cooperative_id=c.id, username="mgr_p", full_name="Manajer", role="manager",
                              password="rahasia-123")
            p = loans.create_product(c.id, actor=None, name="Flat", method="flat", rate_percent_per_month=Decimal(1))
            loan = loans.apply(c.id, actor=t, member_id=m.id, product_id=p.id, principal=9_000_000, term_months=12,
                               purpose="Warung", applied_on=date(2026, 1, 5))
            loans.decide(c.id, loan.id, actor=mgr, decision="approve", note=None, on=date(2026, 1, 5))
            top_up_cash(c.id, 9_000_000, date(2026, 1, 6))  # the box must hold the cash it pays out
            loans.disburse(c.id, loan.id, actor=t, disbursed_on=date(2026, 1, 6), first_due_date=date(2026, 2, 5))
            return c.id, loan.id
        coop_id, loan_id = atomic(_setup)
        db.session.remove()

    errors: list[Exception] = []
    barrier = threading.Barrier(8)

    def cashier():
        with committed_app.app_context():
            barrier.wait()
            try:
                atomic(loans.repay, coop_id, loan_id, 420_000, actor=None, paid_on=date(2026, 2, 5))
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=cashier) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with committed_app.app_context():
        loan = loans.get_loan(coop_id, loan_id)
        insts = loans.instalments(loan)
        assert [(i.principal_paid, i.interest_paid) for i in insts[:5]] == [(750_000, 90_000)] * 4 + [(0, 0)]
        assert loans.outstanding_principal(loan) == 6_000_000
        db.session.remove()
