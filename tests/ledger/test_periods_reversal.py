"""Periods close and re-open, reversals: with maker-checker and an audit trail."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from coop.audit.models import AuditLog
from coop.db import atomic, db
from coop.errors import Conflict, Forbidden, InsufficientFunds, PeriodClosed
from coop.ledger import periods
from tests.fixtures_ledger import month_end_jobs_done

#: The business date these closes are judged against (October 2026 has ended, its month-end jobs ran).
TODAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _month_end_jobs_ran(coop):
    month_end_jobs_done(coop.id, TODAY)


def _actions(coop_id):
    return list(db.session.scalars(sa.select(AuditLog.action).where(AuditLog.cooperative_id == coop_id)
                                   .order_by(AuditLog.id)))


def test_closed_month_refuses_postings_inside_only(coop, books, users):
    """Closing October 2026 refuses a posting dated 2026-10-31 but accepts 2026-11-01 and 2026-09-30."""
    b = books(coop)
    atomic(periods.close_period, coop.id, today=TODAY, actor=users["manager"], year=2026, month=10)
    with pytest.raises(PeriodClosed):
        b.transfer("1101", "4201", 10, value_date=date(2026, 10, 31))
    b.transfer("1101", "4201", 10, value_date=date(2026, 11, 1))
    b.transfer("1101", "4201", 10, value_date=date(2026, 9, 30))
    with pytest.raises(Conflict):
        atomic(periods.close_period, coop.id, today=TODAY, actor=users["manager"], year=2026, month=10)


def test_closed_year(coop, books, users):
    """A closed year covers every day in it."""
    atomic(periods.close_period, coop.id, today=TODAY, actor=users["manager"], year=2025)
    with pytest.raises(PeriodClosed):
        books(coop).transfer("1101", "4201", 10, value_date=date(2025, 6, 15))


def test_reopen_needs_a_second_user_and_is_audited(coop, books, users, make_user):
    """The maker cannot approve their own re-opening; another manager can; postings then pass."""
    p = atomic(periods.close_period, coop.id, today=TODAY, actor=users["manager"], year=2026, month=10)
    req = atomic(periods.request_reopen, coop.id, p.id, actor=users["manager"], reason="koreksi biaya listrik")
    with pytest.raises(Forbidden):
        atomic(periods.decide, coop.id, req.id, actor=users["manager"], approve=True)
    with pytest.raises(Forbidden):  # a treasurer is no checker
        atomic(periods.decide, coop.id, req.id, actor=users["treasurer"], approve=True)
    atomic(periods.decide, coop.id, req.id, actor=users["admin"], approve=True)
    assert periods.get_period(coop.id, p.id).status == "open"
    books(coop).transfer("1101", "4201", 10, value_date=date(2026, 10, 31))
    acts = _actions(coop.id)
    assert "ledger.period_close" in acts and "ledger.reopen_request" in acts
    assert "ledger.period_reopen" in acts and "ledger.reopen_approved" in acts
    with pytest.raises(Conflict):
        atomic(periods.decide, coop.id, req.id, actor=users["admin"], approve=True)


def test_rejected_reopen_changes_nothing(coop, users):
    """Does a rejected request to reopen a closed period leave the period closed?"""
    p = atomic(periods.close_period, coop.id, today=TODAY, actor=users["manager"], year=2026, month=9)
    req = atomic(periods.request_reopen, coop.id, p.id, actor=users["treasurer"], reason="x")
    atomic(periods.decide, coop.id, req.id, actor=users["manager"], approve=False)
    assert periods.get_period(coop.id, p.id).status == "closed"


def test_reversal_maker_checker_and_at_most_once(coop, books, users):
    """A reversal mirrors the original, references it, restores balances; a second reversal of the
    same entry is refused, and a reversal cannot be reversed."""
    b = books(coop)
    s = b.sub("2101")
    e = b.transfer("1101", s, 25_000)
    with pytest.raises(Forbidden):
        atomic(periods.reverse_entry, coop.id, e.id, actor=users["treasurer"], approved_by=users["treasurer"])
    req = atomic(periods.request_reversal, coop.id, e.id, actor=users["treasurer"], reason="salah input")
    with pytest.raises(Conflict):  # one pending request per entry
        atomic(periods.request_reversal, coop.id, e.id, actor=users["treasurer"], reason="lagi")
    done = atomic(periods.decide, coop.id, req.id, actor=users["manager"], approve=True)
    rev = db.session.get(type(e), done.result_entry_id)
    assert rev.reverses_id == e.id and rev.source == "ledger.reversal"
    assert [(p.debit, p.credit) for p in rev.postings] == [(0, 25_000), (25_000, 0)]
    assert b.balance(s) == 0 and b.balance("1101") == 0
    with pytest.raises(Conflict) as exc:
        atomic(periods.reverse_entry, coop.id, e.id, actor=users["treasurer"], approved_by=users["manager"])
    assert exc.value.code == "already_reversed"
    with pytest.raises(Conflict) as exc:
        atomic(periods.reverse_entry, coop.id, rev.id, actor=users["treasurer"], approved_by=users["manager"])
    assert exc.value.code == "reversal_of_reversal"
    assert "ledger.reversal_approve" in _actions(coop.id)


def test_reversal_respects_floors_and_periods(coop, books, users):
    """Reversing a deposit that was since withdrawn would overdraw: refused. A reversal into a closed
    period is refused unless dated in an open one."""
    b = books(coop)
    s = b.sub("2101")
    e = b.transfer("1101", s, 1_000, value_date=date(2026, 10, 5))
    b.transfer(s, "1101", 600)
    with pytest.raises(InsufficientFunds):
        atomic(periods.reverse_entry, coop.id, e.id, actor=users["treasurer"], approved_by=users["manager"])
    e2 = b.transfer("1101", "4201", 50, value_date=date(2026, 10, 6))
    atomic(periods.close_period, coop.id, today=TODAY, actor=users["manager"], year=2026, month=10)
    with pytest.raises(PeriodClosed):
        atomic(periods.reverse_entry, coop.id, e2.id, actor=users["treasurer"], approved_by=users["manager"])
    rev = atomic(periods.reverse_entry, coop.id, e2.id, actor=users["treasurer"], approved_by=users["manager"],
                 value_date=date(2026, 11, 2))
    assert rev.value_date == date(2026, 11, 2)


def test_reversal_unique_in_database(coop, books):
    """Even bypassing the service check, the database allows one reversal per entry (unique key)."""
    from coop.ledger.rules import Line
    from coop.ledger.services import post_entry

    b = books(coop)
    e = b.transfer("1101", "4201", 10)
    atomic(post_entry, coop.id, [Line.dr(b.acc("4201"), 10), Line.cr(b.acc("1101"), 10)], actor=None, memo="r",
           value_date=e.value_date, reverses_id=e.id)
    with pytest.raises(Conflict):
        atomic(post_entry, coop.id, [Line.dr(b.acc("4201"), 10), Line.cr(b.acc("1101"), 10)], actor=None,
               memo="r", value_date=e.value_date, reverses_id=e.id)
