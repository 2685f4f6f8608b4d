"""Two payments of one member's simpanan pokok at once (two cashiers; real commits, both engines).

Pokok is paid once, at most the amount in force. A deposit checks what is still due from the balance it
read, then posts; the balance its posting locks is checked again, so a pokok payment committing in between
makes it refused instead of paying the pokok twice."""
from __future__ import annotations

from datetime import date

import pytest

from coop.db import atomic, db
from coop.errors import RuleViolation
from tests.concurrent import committed, cooperative_with_member, run_while


@pytest.mark.slow
def test_two_pokok_payments_at_once_pay_it_once(committed_app, monkeypatch):
    """Pokok Rp 100.000, unpaid. Two cashiers take it at once: one payment stands, the other is refused
    (pokok_overpaid), the balance is 100.000. On SQLite the second cashier's unit of work waits for the writer
    lock and reads it paid; on PostgreSQL the second one committed while the first had read the pokok
    unpaid, and the first is refused by the balance its posting locked. (Checked only before the posting,
    both were posted: 200.000.)"""
    from coop.savings import services as savings

    def _setup():
        c, m = cooperative_with_member("Koperasi Pokok Serentak", "3504044903880041", "3504040107150051", "Siti Pokok")
        return c.id, savings.account_for(c.id, m.id, "pokok").id
    cid, pokok = committed(committed_app, _setup)

    def _pay():
        return savings.deposit(cid, pokok, 100_000, actor=None, value_date=date(2025, 1, 2)).amount
    first, errors = run_while(committed_app, monkeypatch, savings, "pokok_due", _pay, lambda: atomic(_pay),
                              refused=RuleViolation)
    with committed_app.app_context():
        engine = db.engine.dialect.name
        balance = savings.get_account(cid, pokok).balance
        db.session.remove()
    outcomes = [getattr(x, "code", x) for x in [first, *errors]]
    # PostgreSQL: the first read it unpaid, the second committed meanwhile, the first is refused; SQLite: the
    # second waited for the first's writer lock and read it paid
    assert outcomes == (["pokok_overpaid"] if engine == "postgresql" else [100_000, "pokok_overpaid"])
    assert balance == 100_000
