"""PostgreSQL itself refuses an unbalanced journal entry at commit (revision 0013, a deferred constraint
trigger, django-hordak's approach): raw SQL that bypasses ``post_entries`` cannot leave the books unbalanced."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from coop.auth.services import create_cooperative
from coop.db import atomic, db
from coop.ledger import chart
from coop.ledger.services import Line, account_by_code, create_chart, post_entry

ENTRY_SQL = ("INSERT INTO journal_entries (cooperative_id, voucher_year, voucher_seq, voucher_number, chain_seq, "
             "value_date, posted_at, memo, source, payload_hash, prev_hash, hash) VALUES (:cid, 2026, :seq, :num, "
             ":seq, DATE '2026-11-27', CURRENT_TIMESTAMP, 'raw', 'raw', 'x', 'x', 'x') RETURNING id")
POSTING_SQL = ("INSERT INTO postings (cooperative_id, entry_id, line_no, account_id, debit, credit) "
               "VALUES (:cid, :eid, :no, :acc, :dr, :cr)")


@pytest.fixture
def pg_books(committed_app):
    if not committed_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("deferred constraint triggers are PostgreSQL only (SQLite: the application's check)")
    with committed_app.app_context():
        def _do():
            c = create_cooperative(name="Koperasi Pemicu", village_code="3504042001")
            create_chart(c.id)
            kas, bank = account_by_code(c.id, chart.KAS).id, account_by_code(c.id, chart.BANK).id
            post_entry(c.id, [Line.dr(kas, 150_000), Line.cr(bank, 150_000)], actor=None, memo="setor",
                       value_date=date(2026, 11, 27))
            return c.id, kas, bank
        yield atomic(_do)
        db.session.remove()


def _raw_entry(cid: int, seq: int, lines: list[tuple[int, int, int]]) -> None:
    """One entry and its postings by raw SQL in ONE transaction, committed at the end."""
    with db.engine.begin() as conn:
        eid = conn.execute(sa.text(ENTRY_SQL), {"cid": cid, "seq": seq, "num": f"RAW-{seq}"}).scalar_one()
        for no, (acc, dr, cr) in enumerate(lines, 1):
            conn.execute(sa.text(POSTING_SQL),
                         {"cid": cid, "eid": eid, "no": no, "acc": acc, "dr": dr, "cr": cr})


def _entries(cid: int) -> int:
    with db.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM journal_entries WHERE cooperative_id = :c"),
                            {"c": cid}).scalar_one()


def test_commit_of_an_unbalanced_entry_fails_and_writes_nothing(pg_books):
    """Does PostgreSQL refuse at COMMIT an entry inserted by raw SQL with debit 100,000 against credit
    90,000, leaving nothing of it, while a balanced raw entry (100,000 against 60,000 + 40,000) commits?"""
    cid, kas, bank = pg_books
    with pytest.raises(sa.exc.DBAPIError, match="unbalanced"):
        _raw_entry(cid, 2, [(kas, 100_000, 0), (bank, 0, 90_000)])
    assert _entries(cid) == 1
    _raw_entry(cid, 2, [(kas, 100_000, 0), (bank, 0, 60_000), (bank, 0, 40_000)])
    assert _entries(cid) == 2


def test_commit_of_an_entry_without_two_postings_fails(pg_books):
    """Is an entry row with no postings, or with a single posting, refused at commit (at least two lines)?"""
    cid, kas, _bank = pg_books
    with pytest.raises(sa.exc.DBAPIError, match="unbalanced"):
        _raw_entry(cid, 2, [])
    with pytest.raises(sa.exc.DBAPIError, match="unbalanced"):
        _raw_entry(cid, 2, [(kas, 5_000, 0)])
    assert _entries(cid) == 1


def test_posting_added_later_to_a_balanced_entry_is_refused(pg_books):
    """Is a posting appended by raw SQL to an entry committed earlier (a third line of Rp 1) refused at commit?"""
    cid, kas, _bank = pg_books
    with db.engine.connect() as conn:
        eid = conn.execute(sa.text("SELECT id FROM journal_entries WHERE cooperative_id = :c"), {"c": cid}).scalar_one()
    with pytest.raises(sa.exc.DBAPIError, match="unbalanced"), db.engine.begin() as conn:
        conn.execute(sa.text(POSTING_SQL), {"cid": cid, "eid": eid, "no": 3, "acc": kas, "dr": 1, "cr": 0})
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM postings WHERE entry_id = :e"), {"e": eid}).scalar_one() == 2
