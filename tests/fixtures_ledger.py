"""Shared fixtures of the ledger area (usable by every test).

``books(coop)`` -> a small helper around one cooperative's ledger::

    b = books(coop)
    b.acc("1101")                       # chart account id by code
    s = b.sub("2101", min_balance=0)    # a fresh sub-account (e.g. a savings account) id
    b.post([("1101", 1000, 0), (s, 0, 1000)], value_date=...)   # codes or ids; committed via atomic
    b.balance(s)                        # natural-side balance

Kas may not go negative (``cash_never_negative``, on by default): a test that pays cash out must first
have it in the box. ``fill_cash_box(coop_id, amount, value_date)`` (a plain function: call it inside
``atomic``) brings ``amount`` in as capital, Dr 1101 Kas / Cr 3901 Saldo Awal; ``top_up_cash(coop_id,
needed, value_date)`` brings in only what is missing for ``needed`` (nothing when the box holds enough).
"""
from __future__ import annotations

import itertools
from contextlib import contextmanager
from datetime import date

import pytest

_seq = itertools.count(1)


class Books:
    def __init__(self, coop, actor=None):
        self.coop = coop
        self.actor = actor

    def acc(self, code: str) -> int:
        from coop.ledger.services import account_by_code

        return account_by_code(self.coop.id, code).id

    def _id(self, ref) -> int:
        return ref if isinstance(ref, int) else self.acc(ref)

    def sub(self, parent_code: str, min_balance: int | None = 0, name: str = "Sub-akun uji") -> int:
        from coop.db import atomic
        from coop.ledger.services import open_subaccount

        code = f"{parent_code}.T{next(_seq):05d}"
        return atomic(open_subaccount, self.coop.id, parent_code, code, name, min_balance=min_balance).id

    def post(self, lines, *, value_date: date = date(2026, 11, 27), memo: str = "uji", **kw):
        from coop.db import atomic
        from coop.ledger.rules import Line
        from coop.ledger.services import post_entry

        built = [Line(self._id(ref), debit=d, credit=c) for ref, d, c in lines]
        return atomic(post_entry, self.coop.id, built, actor=kw.pop("actor", self.actor), memo=memo,
                      value_date=value_date, **kw)

    def transfer(self, dr, cr, amount: int, **kw):
        return self.post([(dr, amount, 0), (cr, 0, amount)], **kw)

    def balance(self, ref) -> int:
        from coop.ledger.services import balance_of

        return balance_of(self._id(ref))


CASH_MEMO = "Modal disetor ke kas"


def fill_cash_box(cooperative_id: int, amount: int, value_date: date, actor=None):
    """Cash in as paid-in capital: Dr 1101 Kas / Cr 3901 Saldo Awal (not committed: use inside atomic)."""
    from coop.ledger import chart
    from coop.ledger.rules import Line
    from coop.ledger.services import account_by_code, post_entry

    return post_entry(cooperative_id, [Line.dr(account_by_code(cooperative_id, chart.KAS).id, amount),
                                       Line.cr(account_by_code(cooperative_id, chart.SALDO_AWAL).id, amount)],
                      actor=actor, memo=CASH_MEMO, value_date=value_date, source="test.capital")


def top_up_cash(cooperative_id: int, needed: int, value_date: date, actor=None):
    """Make Kas hold at least ``needed`` (posts the shortfall as capital, or nothing)."""
    from coop.ledger import chart
    from coop.ledger.services import account_by_code

    short = needed - account_by_code(cooperative_id, chart.KAS).natural_balance()
    return fill_cash_box(cooperative_id, short, value_date, actor) if short > 0 else None


@pytest.fixture
def books(app):
    """``books(coop, actor=None)`` -> :class:`Books` for that cooperative."""
    return Books


def month_end_jobs_done(cooperative_id: int, today: date) -> None:
    """Record every monthly job as run for the month that ended before ``today`` (as ``flask jobs run`` would
    have), so that month and the ones before it may be closed. Commits."""
    from datetime import timedelta

    from coop import jobs
    from coop.db import atomic, db, utcnow
    from coop.jobs.models import JobRun

    jobs._load_job_modules()
    month_end = today.replace(day=1) - timedelta(days=1)

    def _mark():
        for job in jobs.JOBS:
            if job.frequency == "monthly" and job.id not in {r.job_id for r in db.session.new}:
                db.session.add(JobRun(job_id=job.id, cooperative_id=cooperative_id, period_key=month_end.strftime("%Y-%m"),
                                      as_of=month_end, finished_at=utcnow(), summary="test"))
    atomic(_mark)


@contextmanager
def recorded_statements():
    """The statements the session's connection sends inside the block, whitespace collapsed (a list that
    fills while the block runs)."""
    import sqlalchemy as sa

    from coop.db import db

    seen: list[str] = []

    def note(_conn, _cursor, statement, *_a, **_k):
        seen.append(" ".join(statement.split()))

    conn = db.session.connection()
    sa.event.listen(conn, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(conn, "before_cursor_execute", note)
