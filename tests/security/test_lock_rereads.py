"""Finding 10: a row locked FOR UPDATE is re-read under the lock (populate_existing), so a status check
never runs on values loaded before another transaction changed them."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.errors import Conflict
from coop.ledger import periods
from coop.ledger.models import LedgerApproval
from coop.loans.lookups import get_loan
from coop.loans.models import Loan


def _changed_behind_the_session(table, row_id, **values):
    """What another transaction does: a Core UPDATE the ORM identity map does not see."""
    db.session.execute(sa.update(table).where(table.c.id == row_id).values(**values))


def test_get_loan_for_update_rereads_the_status(coop, make_member, make_loan):
    """A loan loaded as 'active', then closed by someone else: does get_loan(for_update=True) see 'closed'?"""
    loan = make_loan(coop, make_member(coop))
    assert get_loan(coop.id, loan.id).status == "active"  # loaded (as an API view does before atomic)
    _changed_behind_the_session(Loan.__table__, loan.id, status="closed")
    assert get_loan(coop.id, loan.id, for_update=True).status == "closed"


def test_decide_rereads_the_approval_under_the_lock(coop, users, today):
    """A reopen request loaded as 'pending', then rejected elsewhere: does decide refuse (already decided)
    instead of executing it on the stale 'pending'?"""
    from datetime import timedelta

    from tests.fixtures_ledger import month_end_jobs_done

    month_end_jobs_done(coop.id, today)
    last_month = today.replace(day=1) - timedelta(days=1)
    p = atomic(periods.close_period, coop.id, actor=users["manager"], year=last_month.year, month=last_month.month)
    req = atomic(periods.request_reopen, coop.id, p.id, actor=users["manager"], reason="koreksi")
    assert db.session.get(LedgerApproval, req.id).status == "pending"
    _changed_behind_the_session(LedgerApproval.__table__, req.id, status="rejected")
    with pytest.raises(Conflict):
        atomic(periods.decide, coop.id, req.id, actor=users["admin"], approve=True)
    assert periods.get_period(coop.id, p.id).status == "closed"
