"""Two SHU payouts of one year at once (a double click, two treasurers; real commits, both engines): the
payout reads the unpaid member shares, then posts each and marks it paid. It takes the ledger's head before
it reads them, so the second waits and finds them paid: each share is paid once."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.ledger import chart
from tests.concurrent import committed, cooperative_with_member, run_while


def _allocated_2025(app, allocate: bool = True) -> int:
    """Committed: income Rp 1.000.000 in 2025, one member with pokok Rp 100.000, the year closed (PPh 22 %:
    SHU 780.000) and (``allocate``) its SHU allocated on 20 March 2026. :returns: the cooperative id."""
    from coop.ledger.rules import Line
    from coop.ledger.services import account_by_code, post_entry
    from coop.savings import services as savings
    from coop.yearend import closing, shu

    def _setup():
        c, m = cooperative_with_member("Koperasi SHU Serentak", "3504044903880031", "3504040107150041", "Siti Modal")
        pokok = savings.account_for(c.id, m.id, "pokok")
        savings.deposit(c.id, pokok.id, 100_000, actor=None, value_date=date(2025, 1, 2))
        post_entry(c.id, [Line.dr(account_by_code(c.id, chart.KAS).id, 1_000_000),
                          Line.cr(account_by_code(c.id, chart.PENDAPATAN_LAIN).id, 1_000_000)],
                   actor=None, memo="pendapatan", value_date=date(2025, 6, 1))
        closing.close_year(c.id, 2025, actor=None)
        if allocate:
            shu.allocate(c.id, 2025, actor=None, decided_on=date(2026, 3, 20))
        return c.id
    cid = committed(app, _setup)
    return cid


@pytest.mark.slow
def test_two_cash_payouts_at_once_pay_each_share_once(committed_app, monkeypatch):
    """SHU 780.000: jasa anggota 40 % = 312.000, all to the only member (nobody borrowed: the jasa usaha pool
    moves to jasa modal, and she holds all the capital). Two cash payouts at once: the first pays 312.000 out
    of Kas, the second waits and pays no share. Kas ends 1.100.000 - 312.000 = 788.000, 2301 at 0, one
    payout entry. (Read before the head, both read the share unpaid and both paid it: Kas 476.000, 2301
    -312.000.)"""
    from coop.ledger.models import JournalEntry
    from coop.ledger.services import account_by_code
    from coop.yearend import shu

    cid = _allocated_2025(committed_app)
    said: list[int] = []

    def _again():
        said.append(atomic(shu.pay, cid, 2025, actor=None, value_date=date(2026, 4, 1), via="cash"))
    paid, errors = run_while(committed_app, monkeypatch, shu, "account_by_code",
                             lambda: shu.pay(cid, 2025, actor=None, value_date=date(2026, 4, 1), via="cash"),
                             _again, when=lambda _cid, code: code == chart.SHU_ANGGOTA)
    assert (paid, said, errors) == (1, [0], [])
    with committed_app.app_context():
        assert account_by_code(cid, chart.KAS).natural_balance() == 788_000
        assert account_by_code(cid, chart.SHU_ANGGOTA).natural_balance() == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(
            JournalEntry.cooperative_id == cid, JournalEntry.source == "shu.payout")) == 1
        db.session.remove()


@pytest.mark.slow
def test_two_allocations_at_once_record_one_and_refuse_the_second(committed_app, monkeypatch):
    """The RAT's allocation of 2025 (SHU 780.000) submitted twice at once (a double click): the first posts it
    and records the shares; the second waits for it and is refused as already allocated (409 shu_allocated),
    not with a database error (a 500). One allocation entry. (Checked before the head, both found no
    allocation and the second's insert hit the distribution's unique key on PostgreSQL.)"""
    from coop.ledger.models import JournalEntry
    from coop.yearend import shu

    cid = _allocated_2025(committed_app, allocate=False)

    def _again():
        atomic(shu.allocate, cid, 2025, actor=None, decided_on=date(2026, 3, 20))
    surplus, errors = run_while(committed_app, monkeypatch, shu, "compute_plan",
                                lambda: shu.allocate(cid, 2025, actor=None, decided_on=date(2026, 3, 20)).surplus,
                                _again)
    assert (surplus, [getattr(e, "code", type(e).__name__) for e in errors]) == (780_000, ["shu_allocated"])
    with committed_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(
            JournalEntry.cooperative_id == cid, JournalEntry.source == "shu.allocation")) == 1
        db.session.remove()
