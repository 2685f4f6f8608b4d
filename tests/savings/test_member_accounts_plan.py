"""A member's accounts are read by the member's index (revision 0028), on SQLite without statistics too."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coop.db import db
from coop.savings import services as savings


def test_a_members_accounts_are_read_by_the_member_index_on_sqlite(app, coop, make_member):
    """The member page reads a member's accounts by ``cooperative_id`` and ``member_id``. On SQLite, which keeps no
    statistics, the plan must use ``ix_savings_accounts_member``, not an index on ``cooperative_id`` alone that
    walks every account of the cooperative (80,000 at 20,000 members: the page's ratio to demo size was 2.15)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan of SQLite without statistics; PostgreSQL plans from its statistics")
    m = make_member(coop)
    captured: list[tuple[str, tuple]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM savings_accounts" in statement and "member_id" in statement:
            captured.append((statement, tuple(parameters)))
    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert len(savings.accounts_of(coop.id, m.id, include_closed=False, fresh=True)) == 3
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    assert captured
    conn = db.session.connection()
    for statement, params in captured:
        plan = [str(row[3]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
        assert any("INDEX ix_savings_accounts_member " in step for step in plan), plan
