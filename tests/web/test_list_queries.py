"""List pages run a fixed number of SQL statements whatever the number of rows (no query per row):
the statement count with two rows equals the count with eight."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coop.db import db

LIST_PAGES = ["/members/", "/loans/", "/registry/", "/ledger/entries", "/training/", "/admin/audit", "/loans/reports"]


def _statements(client, path: str) -> int | None:
    n = [0]

    def count(*_args, **_kw):
        n[0] += 1
    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        status = client.get(path).status_code
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert status in (200, 403), path
    return n[0] if status == 200 else None


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_list_pages_do_not_query_per_row(coop, users, login, make_member, make_loan, make_pmi, role):
    """For an admin and a manager, does each list page run the same number of SQL statements with 2 and with 8
    loans and PMIs, with at least 5 pages running queries?"""
    web = login(users[role])
    counts = {}
    for total, add in ((2, 2), (8, 6)):
        for _ in range(add):
            make_loan(coop, make_member(coop))
            make_pmi(coop)
        counts[total] = {p: _statements(web, p) for p in LIST_PAGES}
    assert counts[2] == counts[8]
    assert sum(1 for n in counts[8].values() if n) >= 5
