"""The stored wajib arrears (revision 0025) under concurrent writers (real commits, PostgreSQL).

``refresh_arrears`` reads a stale account's inputs and writes its figures only if the account's mark is still
the value it read. The mark goes back to 0 at every refresh, so between the read and the write another
transaction can refresh the account (mark 0) and post to it again (mark 1, the value read): the old figures
must not be stored as fresh then."""
from __future__ import annotations

import threading
from datetime import date

import pytest

from coop.db import atomic, db
from coop.ledger import chart
from coop.ledger.services import Line, account_by_code, post_entry
from coop.savings import arrears
from tests.concurrent import committed, cooperative_with_member


def _postgres_only(app) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite serializes writers: the job's unit of work holds the write lock from its first read")


def _member_paid_to_march(app, name: str, nik: str, kk: str) -> tuple[int, int, int, int, int]:
    """Committed: a member who joined 2 January 2025 at 20.000 a month, 40.000 paid and 20.000 credited by a
    journal entry (the account's mark 1: the job will read it). :returns: cooperative, member, savings account,
    its ledger account and Kas ids."""
    from coop.savings import services as savings

    def _setup():
        c, m = cooperative_with_member(f"Koperasi {name}", nik, kk, f"Sri {name}")
        acc = savings.account_for(c.id, m.id, "wajib")
        acc.product.amount = 20_000
        savings.deposit(c.id, acc.id, 40_000, actor=None, value_date=date(2025, 1, 2))
        kas = account_by_code(c.id, chart.KAS).id
        post_entry(c.id, [Line.dr(kas, 20_000), Line.cr(acc.ledger_account_id, 20_000)], actor=None,
                   value_date=date(2025, 1, 3), source="ledger.journal", memo="koreksi")
        return c.id, m.id, acc.id, acc.ledger_account_id, kas
    ids = committed(app, _setup)
    return ids


def _refresh_while(app, monkeypatch, cid: int, meanwhile) -> None:
    """The job's refresh of ``cid``, with ``meanwhile`` (its own app context and commits) started on a thread
    when the job reads its first account, given 5 s to finish first (it waits for the job's locks, if it
    needs them), and finished before this returns."""
    def _other():
        with app.app_context():
            try:
                meanwhile()
            finally:
                db.session.remove()

    real_state, other = arrears.arrears_state, threading.Thread(target=_other)

    def state_then_others_commit(*args):
        if not other.is_alive() and other.ident is None:  # the job's first row: the others go now
            other.start()
            other.join(timeout=5)
        return real_state(*args)

    monkeypatch.setattr(arrears, "arrears_state", state_then_others_commit)
    with app.app_context():
        atomic(arrears.refresh_arrears, cid)
        db.session.remove()
    other.join(timeout=60)
    assert not other.is_alive()
    monkeypatch.setattr(arrears, "arrears_state", real_state)


@pytest.mark.slow
def test_a_refresh_never_stores_figures_read_before_a_refresh_and_a_posting_committed_meanwhile(
        committed_app, monkeypatch):
    """Joined 2 January 2025 at 20.000 a month; 40.000 paid, then 20.000 credited by a journal entry (mark 1).
    The job reads 60.000 (paid to March). Before it writes, a teller's wajib deposit of 20.000 (refreshed: mark
    0) and a journal entry debiting 60.000 (mark 1 again) commit: 20.000 is left, January only. On 10 April the
    list must show February-March (40.000), not "paid to March" (nobody in arrears)."""
    _postgres_only(committed_app)
    from coop.savings import services as savings

    cid, member_id, acc_id, ledger_id, kas = _member_paid_to_march(committed_app, "Tunggakan", "3504044505900002",
                                                                   "3504040107150002")

    def _meanwhile():
        atomic(savings.pay_wajib, cid, member_id, 20_000, actor=None, value_date=date(2025, 1, 4))
        atomic(post_entry, cid, [Line.dr(ledger_id, 60_000), Line.cr(kas, 60_000)], actor=None,
               value_date=date(2025, 1, 5), source="ledger.journal", memo="koreksi")
    _refresh_while(committed_app, monkeypatch, cid, _meanwhile)

    with committed_app.app_context():
        on = date(2025, 4, 10)
        live = arrears._arrears_rows(cid, on)
        assert [(r[0], r[1], r[2], r[5]) for r in live] == [(2, 40_000, date(2025, 2, 1), acc_id)]
        assert arrears.arrears_rows(cid, on) == live
        atomic(arrears.refresh_arrears, cid)
        assert arrears.arrears_rows(cid, on) == live
        db.session.remove()


@pytest.mark.slow
def test_a_resignation_committed_while_a_refresh_reads_leaves_the_member_off_the_list(committed_app, monkeypatch):
    """Revision 0027: the stored month is None for a member who is not current, and the page no longer reads
    ``members``. Joined 2 January 2025 at 20.000, 40.000 paid and 20.000 credited by a journal entry (mark 1):
    the job reads an active member paid to March. Before it writes, the member's resignation commits (its
    trigger marks the account through the row the job has locked, so it waits for the job). On 10 June the list
    is empty, before and after the next refresh, and the stored row says so."""
    _postgres_only(committed_app)
    import sqlalchemy as sa

    from coop.membership.models import Member
    from coop.savings.models import SavingsAccount

    cid, member_id, acc_id, _ledger, _kas = _member_paid_to_march(committed_app, "Keluar", "3504044505900003",
                                                                  "3504040107150003")

    def _resign():
        atomic(lambda: db.session.execute(sa.update(Member).where(Member.id == member_id).values(status="resigned")))
    _refresh_while(committed_app, monkeypatch, cid, _resign)

    with committed_app.app_context():
        on = date(2025, 6, 10)
        assert arrears._arrears_rows(cid, on) == arrears.arrears_rows(cid, on) == []
        assert arrears.arrears_summary(cid, on) == (0, 0)
        atomic(arrears.refresh_arrears, cid)
        assert arrears.arrears_rows(cid, on) == [] and arrears.arrears_summary(cid, on) == (0, 0)
        assert db.session.execute(sa.select(SavingsAccount.arrears_from, SavingsAccount.arrears_stale)
                                  .where(SavingsAccount.id == acc_id)).one() == (None, 0)
        db.session.remove()
