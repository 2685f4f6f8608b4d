"""Two wajib deposits of one member at the same moment (two cashiers; real commits, both engines): each API
receipt (`wajib_months`) names the months THAT deposit paid, counted from the balance its posting locked
(the printed kuitansi already counted from the balance after the posting)."""
from __future__ import annotations

from datetime import date

import pytest

from coop.db import atomic
from coop.savings import services as savings
from tests.concurrent import committed, cooperative_with_member, run_while


@pytest.mark.slow
def test_two_wajib_deposits_at_once_each_receipt_names_its_own_month(committed_app, monkeypatch):
    """Joined 2 January 2025, wajib Rp 20.000 a month, nothing paid. Two deposits of 20.000 at once: one
    receipt says January, the other February (SQLite: the first in takes January; PostgreSQL: the one that
    commits first). (Counted from the balance read before the posting's lock, the later one said January and
    February: it counted the other's 20.000 as its own.)"""

    def _setup():
        c, m = cooperative_with_member("Koperasi Wajib Serentak", "3504044903880061", "3504040107150071", "Siti Wajib")
        acc = savings.account_for(c.id, m.id, "wajib")
        acc.product.amount = 20_000
        return c.id, acc.id
    cid, acc_id = committed(committed_app, _setup)
    other: list[list[date]] = []

    def _other():
        other.append(atomic(savings.deposit, cid, acc_id, 20_000, actor=None, value_date=date(2025, 3, 3)).wajib_months)
    mine, errors = run_while(committed_app, monkeypatch, savings, "_memo",
                             lambda: savings.deposit(cid, acc_id, 20_000, actor=None,
                                                     value_date=date(2025, 3, 3)).wajib_months, _other)
    assert errors == [] and len(other) == 1
    assert sorted([(m.year, m.month) for m in mine + other[0]]) == [(2025, 1), (2025, 2)], (mine, other)
    assert len(mine) == len(other[0]) == 1
