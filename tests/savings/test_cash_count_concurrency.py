"""Two cash counts of one day at once (two officers, a double click; real commits, both engines).

A count reads the books' Kas for the day and the day's number of counts, then posts the difference against
5204 Selisih Kas. It takes the ledger's head before it reads, so a second count waits for the first and
counts against the books after the first one's difference."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.ledger import chart
from coop.savings import cash
from tests.concurrent import committed, run_while

DAY = date(2025, 6, 30)


@pytest.mark.slow
def test_two_counts_of_one_day_at_once_post_the_shortfall_once(committed_app, monkeypatch):
    """Kas in the books Rp 100.000; two officers count Rp 95.000 at the same moment. The first records a
    shortfall of 5.000 (Dr 5204 / Cr Kas); the second waits, finds the books at 95.000 and records no
    difference. Kas ends 95.000. (Read before the head, both read 100.000 and day count 1, both recorded a
    shortfall of 5.000 under the same entry key: the second row pointed at the first's entry, a shortfall
    shown twice and posted once.)"""
    from coop.auth.services import create_cooperative
    from coop.ledger.services import account_by_code, create_chart
    from coop.savings.models import CashCount
    from tests.fixtures_ledger import fill_cash_box

    def _setup():
        c = create_cooperative(name="Koperasi Opname", village_code="3504042001")
        create_chart(c.id)
        fill_cash_box(c.id, 100_000, date(2025, 6, 2))
        return c.id
    cid = committed(committed_app, _setup)

    def _again():
        atomic(cash.record_cash_count, cid, DAY, 95_000, actor=None)
    first, errors = run_while(committed_app, monkeypatch, cash, "cash_balance_as_of",
                              lambda: cash.record_cash_count(cid, DAY, 95_000, actor=None).difference, _again)
    assert (first, errors) == (-5_000, [])
    with committed_app.app_context():
        rows = db.session.execute(sa.select(CashCount.expected, CashCount.difference, CashCount.entry_id)
                                  .where(CashCount.cooperative_id == cid).order_by(CashCount.id)).all()
        assert [(r.expected, r.difference, r.entry_id is not None) for r in rows] == [
            (100_000, -5_000, True), (95_000, 0, False)]
        assert account_by_code(cid, chart.KAS).natural_balance() == 95_000
        db.session.remove()
