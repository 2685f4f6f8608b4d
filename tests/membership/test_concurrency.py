"""Concurrent withdrawals never overdraw (real commits, several threads; SQLite and PostgreSQL)."""
from __future__ import annotations

import threading
from datetime import date

import pytest

from coop.db import atomic, db
from coop.errors import InsufficientFunds


@pytest.mark.slow
def test_concurrent_withdrawals_never_overdraw(committed_app):
    """Ten tellers each withdraw Rp 30.000 at once from Rp 100.000: exactly three succeed, balance 10.000."""
    from coop.auth.services import create_cooperative
    from coop.ledger.services import create_chart
    from coop.membership.services import register_member
    from coop.registry.services import create_resident
    from coop.savings import services as savings

    with committed_app.app_context():
        def _setup():
            c = create_cooperative(name="Koperasi Paralel", village_code="3504042001")
            create_chart(c.id)
            savings.seed_defaults(c.id)
            r = create_resident(c.id, {"nik": "3504044505900001", "kk_number": "3504040107150001",
                                       "full_name": "Sri Paralel", "sex": "F", "birth_place": "Tulungagung",
                                       "birth_date": date(1990, 5, 5), "village_code": "3504042001",
                                       "relationship": "kepala_keluarga", "status": "hidup"}, actor=None)
            m = register_member(c.id, r.id, date(2025, 1, 2), actor=None)
            acc = savings.account_for(c.id, m.id, "sukarela")
            savings.deposit(c.id, acc.id, 100_000, actor=None, value_date=date(2025, 1, 2))
            return c.id, acc.id
        coop_id, acc_id = atomic(_setup)
        db.session.remove()

    results: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(10)

    def teller():
        with committed_app.app_context():
            barrier.wait()
            try:
                atomic(savings.withdraw, coop_id, acc_id, 30_000, actor=None, value_date=date(2025, 1, 3))
                out = "ok"
            except InsufficientFunds:
                out = "refused"
            finally:
                db.session.remove()
            with lock:
                results.append(out)

    threads = [threading.Thread(target=teller) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok"] * 3 + ["refused"] * 7
    with committed_app.app_context():
        assert savings.get_account(coop_id, acc_id).balance == 10_000
        db.session.remove()
