"""Closing the year against a backdated posting committing while it runs (real commits, both engines).

The closing reads the year's figures (the PHU for the income tax, the balances for the closing entry), then
posts and closes the year's period. A posting into the year that commits between those reads and the
closing of the period is in neither the tax nor the closing (or in one and not the other). The closing takes
the ledger's head before it reads: the posting waits, and then finds the year closed."""
from __future__ import annotations

from datetime import date

import pytest

from coop.db import atomic, db
from coop.errors import PeriodClosed
from coop.ledger import chart
from tests.concurrent import committed, run_while


@pytest.mark.slow
def test_an_expense_backdated_into_the_year_while_it_closes_is_refused_not_left_out(committed_app, monkeypatch):
    """2025: income Rp 1.000.000. While the year closes, an expense of Rp 200.000 dated 30 December is
    posted: it waits for the closing and is refused (the year is closed). The closing stands on what it
    read: PPh badan 22 % x 1.000.000 = 220.000, SHU 780.000, 5201 untouched. (Read before the head lock, the
    expense committed meanwhile: the tax was 220.000 on a surplus that was 800.000 (22 % of it is
    176.000) and the year was closed with the expense in it.)"""
    from coop.auth.services import create_cooperative
    from coop.ledger.rules import Line
    from coop.ledger.services import account_by_code, create_chart, post_entry
    from coop.yearend import closing

    def _setup():
        c = create_cooperative(name="Koperasi Tutup Buku", village_code="3504042001")
        create_chart(c.id)
        post_entry(c.id, [Line.dr(account_by_code(c.id, chart.KAS).id, 1_000_000),
                          Line.cr(account_by_code(c.id, chart.PENDAPATAN_LAIN).id, 1_000_000)],
                   actor=None, memo="pendapatan", value_date=date(2025, 6, 1))
        return c.id
    cid = committed(committed_app, _setup)

    def _expense():
        atomic(post_entry, cid, [Line.dr(account_by_code(cid, chart.BEBAN_OPERASIONAL).id, 200_000),
                                 Line.cr(account_by_code(cid, chart.KAS).id, 200_000)],
               actor=None, memo="beban lupa dicatat", value_date=date(2025, 12, 30))

    def _close():
        row = closing.close_year(cid, 2025, actor=None)
        return row.income_tax, row.surplus

    (tax, surplus), errors = run_while(committed_app, monkeypatch, closing, "phu", _close, _expense)
    assert [type(e) for e in errors] == [PeriodClosed]
    assert (tax, surplus) == (220_000, 780_000)
    with committed_app.app_context():
        assert account_by_code(cid, chart.BEBAN_OPERASIONAL).natural_balance() == 0
        assert account_by_code(cid, chart.SHU_BELUM_DIBAGI).natural_balance() == 780_000
        db.session.remove()
