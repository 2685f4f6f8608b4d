"""Concurrency on real commits (SQLite BEGIN IMMEDIATE / PostgreSQL row locks)."""
from __future__ import annotations

import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.errors import InsufficientFunds
from coop.ledger.models import JournalEntry
from coop.ledger.rules import Line
from coop.ledger.services import account_by_code, balance_of, open_subaccount, post_entry

D = date(2026, 11, 27)


def _setup(app, min_balance):
    from coop.auth.services import create_cooperative
    from coop.ledger.services import create_chart

    with app.app_context():
        def _do():
            c = create_cooperative(name="Koperasi Serentak", village_code="3504042001")
            create_chart(c.id)
            acc = open_subaccount(c.id, "2101", "2101.C1", "Sukarela", min_balance=min_balance)
            kas = account_by_code(c.id, "1101")
            # the cash box holds capital besides the member's savings, so Kas's own floor is never what stops
            # these withdrawals (the tests are about the savings account's floor)
            post_entry(c.id, [Line.dr(kas.id, 1_000_000), Line.cr(account_by_code(c.id, "3901").id, 1_000_000)],
                       actor=None, memo="modal awal", value_date=D)
            post_entry(c.id, [Line.dr(kas.id, 10_000), Line.cr(acc.id, 10_000)], actor=None, memo="setor",
                       value_date=D)
            return c.id, acc.id, kas.id
        ids = atomic(_do)
        db.session.remove()
        return ids


def _run_threads(app, n_threads, fn):
    barrier = threading.Barrier(n_threads)
    errors = []

    def worker(i):
        with app.app_context():
            try:
                barrier.wait()
                fn(i)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]


def _withdraw_correct(coop_id, acc_id, kas_id):
    try:
        atomic(post_entry, coop_id, [Line.dr(acc_id, 300), Line.cr(kas_id, 300)], actor=None, memo="tarik",
               value_date=D)
        return True
    except InsufficientFunds:
        return False


def _withdraw_naive(coop_id, acc_id, kas_id):
    """Check-then-act: read the balance in one transaction, post in another (no floor on the account)."""
    if balance_of(acc_id) < 300:
        db.session.rollback()
        return False
    db.session.rollback()
    time.sleep(0.0005)
    atomic(post_entry, coop_id, [Line.dr(acc_id, 300), Line.cr(kas_id, 300)], actor=None, memo="tarik",
           value_date=D)
    return True


def _hammer(app, withdraw, min_balance):
    coop_id, acc_id, kas_id = _setup(app, min_balance)
    successes = []
    lock = threading.Lock()

    def fn(_i):
        for _ in range(50):
            ok = withdraw(coop_id, acc_id, kas_id)
            if ok:
                with lock:
                    successes.append(1)

    _run_threads(app, 20, fn)
    with app.app_context():
        final = balance_of(acc_id)
        db.session.remove()
    return len(successes), final


@pytest.mark.slow
def test_20_threads_x_50_withdrawals(committed_app):
    """20 threads x 50 withdrawals of 300 from 10,000: exactly 33 succeed, 100 remains."""
    assert _hammer(committed_app, _withdraw_correct, 0) == (33, 100)


@pytest.mark.slow
def test_naive_check_then_act_would_overdraw(committed_app):
    """The same load through a naive check-then-act withdrawal overdraws: the test above can fail."""
    successes, final = _hammer(committed_app, _withdraw_naive, None)
    assert successes > 33 and final < 0, (successes, final)


@pytest.mark.slow
def test_10_concurrent_identical_requests_one_entry(committed_app):
    """10 concurrent post_entry calls with one idempotency key create ONE entry and all get it back."""
    coop_id, acc_id, kas_id = _setup(committed_app, 0)
    got = []

    def fn(_i):
        e = atomic(post_entry, coop_id, [Line.dr(kas_id, 500), Line.cr(acc_id, 500)], actor=None, memo="setor",
                   value_date=D, idempotency_key="same-key")
        got.append(e.id)

    _run_threads(committed_app, 10, fn)
    with committed_app.app_context():
        n = db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(
            JournalEntry.idempotency_key == "same-key"))
        assert n == 1
        assert len(set(got)) == 1 and len(got) == 10
        assert balance_of(acc_id) == 10_500
        db.session.remove()


@pytest.mark.slow
def test_10_concurrent_identical_http_requests_one_entry(committed_app):
    """10 concurrent POST /api/v1/ledger/entries with one Idempotency-Key: one entry, every response 201
    with the same body (no 500)."""
    from coop.auth.services import create_user, issue_token
    from coop.db import utcnow

    coop_id, acc_id, kas_id = _setup(committed_app, 0)
    with committed_app.app_context():
        user = atomic(create_user, cooperative_id=coop_id, username="bendahara_c", full_name="Bendahara",
                      role="treasurer", password="rahasia-123")
        raw, _ = atomic(issue_token, user, now=utcnow())
        db.session.remove()
    body = {"value_date": "2026-11-27", "memo": "Bayar listrik",
            "lines": [{"account_code": "5201", "debit": 75_000}, {"account_code": "1101", "credit": 75_000}]}
    responses = []

    def fn(_i):
        client = committed_app.test_client()
        r = client.post("/api/v1/ledger/entries", json=body,
                        headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "listrik-nov"})
        responses.append((r.status_code, r.get_json()))

    _run_threads(committed_app, 10, fn)
    assert {s for s, _ in responses} == {201}, responses
    assert len({b["id"] for _, b in responses}) == 1
    with committed_app.app_context():
        n = db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(
            JournalEntry.cooperative_id == coop_id, JournalEntry.memo == "Bayar listrik"))
        assert n == 1
        db.session.remove()
