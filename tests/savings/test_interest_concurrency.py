"""The month's interest run against postings committing while it runs (real commits, both engines).

The run reads the month's balances and what was already paid, then posts the difference. A backdated deposit
into that month decides under the ledger's head lock whether the month has run (and then posts its own
adjustment). If the run read BEFORE taking the head, a deposit committing between its read and its posting saw
no run and was not in the run's balances: its interest was lost. The run now takes the head before it reads.
On SQLite the run's unit of work holds the write lock from its first statement, so the deposit waits there;
on PostgreSQL it waits for the head (both behaviours are what these tests pin)."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.ledger.models import JournalEntry
from coop.savings import accrual, interest
from coop.savings.models import SavingsInterest
from tests.concurrent import committed, cooperative_with_member, run_while

JUNE = date(2025, 6, 30)


def _sukarela_of_ten_million(app, name: str, nik: str, kk: str) -> tuple[int, int]:
    """Committed: a member who joined 2 January 2025 with Rp 10.000.000 in sukarela from 31 May (3 %/yr, the
    seeded product). :returns: the cooperative and the sukarela account ids."""
    from coop.savings import services as savings

    def _setup():
        c, m = cooperative_with_member(f"Koperasi {name}", nik, kk, f"Siti {name}")
        acc = savings.account_for(c.id, m.id, "sukarela")
        savings.deposit(c.id, acc.id, 10_000_000, actor=None, value_date=date(2025, 5, 31))
        return c.id, acc.id
    ids = committed(app, _setup)
    return ids


def _june_paid(app, cid: int, acc_id: int) -> tuple[int, list[str]]:
    """June's gross interest recorded for the account, and the sources of the cooperative's interest entries."""
    with app.app_context():
        gross = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(SavingsInterest.gross), 0))
                                  .where(SavingsInterest.account_id == acc_id, SavingsInterest.month_end == JUNE))
        sources = list(db.session.scalars(sa.select(JournalEntry.source).where(
            JournalEntry.cooperative_id == cid, JournalEntry.source.in_(accrual.INTEREST_SOURCES))
            .order_by(JournalEntry.id)))
        db.session.remove()
    return int(gross), sources


@pytest.mark.slow
def test_a_backdated_deposit_committing_while_june_runs_still_earns_june_interest(committed_app, monkeypatch):
    """Rp 10.000.000 all June at 3 %/yr: 300.000.000 x 0,03 / 365 = 24.657,53 -> Rp 24.658. While the run
    posts, a forgotten slip of Rp 5.000.000 dated 16 June is recorded: June's balances become 10 jt for 15 days
    and 15 jt for 15 days, (150.000.000 + 225.000.000) x 0,03 / 365 = 30.821,92 -> Rp 30.822. The slip waits
    for the run, sees June as run and posts the 6.164 difference. (Read before the head lock, the run paid
    24.658 and the slip, seeing no run, posted nothing: 6.164 lost.)"""
    from coop.savings import services as savings

    cid, acc_id = _sukarela_of_ten_million(committed_app, "Slip", "3504044903880001", "3504040107150011")

    def _slip():
        atomic(savings.deposit, cid, acc_id, 5_000_000, actor=None, value_date=date(2025, 6, 16))
    _, errors = run_while(committed_app, monkeypatch, accrual, "gross_by_account",
                          lambda: interest.post_monthly_interest(cid, JUNE), _slip)
    assert errors == []

    assert _june_paid(committed_app, cid, acc_id) == (30_822, [accrual.MONTHLY_SOURCE, accrual.ADJUSTMENT_SOURCE])
    with committed_app.app_context():
        assert atomic(accrual.reconcile, cid, date(2025, 6, 1)) == "jasa simpanan: 1 bulan diperiksa, 0 rekening dikoreksi"
        db.session.remove()


@pytest.mark.slow
def test_a_second_june_run_started_while_the_first_posts_records_nothing_twice(committed_app, monkeypatch):
    """Two runs of June at once (a retried job): the second waits for the first and finds its entry. June's
    interest is recorded once, Rp 24.658, with one monthly entry. (Checked before the head lock, both runs
    found no June entry and the second recorded every account's interest again: 49.316.)"""
    cid, acc_id = _sukarela_of_ten_million(committed_app, "Ulang", "3504044903880002", "3504040107150012")
    said: list[str] = []

    def _again():
        said.append(atomic(interest.post_monthly_interest, cid, JUNE))
    _, errors = run_while(committed_app, monkeypatch, accrual, "gross_by_account",
                          lambda: interest.post_monthly_interest(cid, JUNE), _again)
    assert errors == []

    assert said == ["jasa simpanan 2025-06 sudah diposting"]
    assert _june_paid(committed_app, cid, acc_id) == (24_658, [accrual.MONTHLY_SOURCE])
