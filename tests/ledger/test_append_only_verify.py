"""Append-only in the database, and `ledger verify` catching what a bypass of the triggers would do."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from coop.db import db, is_sqlite
from coop.ledger.verify import verify


def _some_books(books, coop):
    b = books(coop)
    s = b.sub("2101")
    entries = [b.transfer("1101", s, 1_000 * (i + 1), value_date=date(2026, 3, i + 1)) for i in range(5)]
    return b, s, entries


def _exec_in_savepoint(sql, **params):
    nested = db.session.begin_nested()
    try:
        db.session.execute(sa.text(sql), params)
    finally:
        nested.rollback()


@pytest.mark.parametrize("sql", [
    "UPDATE postings SET debit = debit + 1 WHERE id = :pid",
    "DELETE FROM postings WHERE id = :pid",
    "UPDATE journal_entries SET memo = 'diubah' WHERE id = :eid",
    "DELETE FROM journal_entries WHERE id = :eid",
])
def test_raw_update_delete_rejected(coop, books, sql):
    """The database itself refuses UPDATE/DELETE on postings and entries (triggers)."""
    _, _, entries = _some_books(books, coop)
    with pytest.raises(DBAPIError, match="append-only"):
        _exec_in_savepoint(sql, pid=entries[0].postings[0].id, eid=entries[0].id)


def test_verify_clean_books(coop, books):
    """Untouched books verify: 5 entries, 10 postings, head = last hash."""
    _, _, entries = _some_books(books, coop)
    result = verify(coop.id)
    assert result["ok"], result["problems"]
    assert (result["entries"], result["postings"]) == (5, 10)
    assert result["head_hash"] == entries[-1].hash


def _drop_posting_trigger():
    if is_sqlite():
        db.session.execute(sa.text("DROP TRIGGER trg_postings_no_update"))
    else:
        db.session.execute(sa.text("DROP TRIGGER trg_postings_append_only ON postings"))


def test_tampered_amount_named_by_verify(coop, books):
    """With the trigger dropped (inside this test's rolled-back transaction), raising one stored amount
    is reported: hash mismatch and unbalanced on exactly that voucher, and the balance mismatch."""
    _, _, entries = _some_books(books, coop)
    victim = entries[2]
    _drop_posting_trigger()
    db.session.execute(sa.text("UPDATE postings SET debit = debit + 1 WHERE id = :pid"),
                       {"pid": victim.postings[0].id})
    result = verify(coop.id)
    assert not result["ok"]
    assert result["first_bad_entry"] == {"entry_id": victim.id, "voucher_number": victim.voucher_number}
    codes = {p["code"] for p in result["problems"]}
    assert {"hash_mismatch", "unbalanced", "balance_mismatch"} <= codes
    assert all(p["entry_id"] in (victim.id, None) for p in result["problems"])


def test_tampered_but_balanced_change_still_caught(coop, books):
    """Raising both lines of an entry (still balanced) and the cached balances (so they agree) is
    still caught by the hash chain, naming the entry."""
    b, s, entries = _some_books(books, coop)
    victim = entries[1]
    _drop_posting_trigger()
    db.session.execute(sa.text("UPDATE postings SET debit = debit + 5 WHERE entry_id = :e AND debit > 0"), {"e": victim.id})
    db.session.execute(sa.text("UPDATE postings SET credit = credit + 5 WHERE entry_id = :e AND credit > 0"), {"e": victim.id})
    db.session.execute(sa.text("UPDATE accounts SET balance = balance + 5 WHERE id = :a"), {"a": b.acc("1101")})
    db.session.execute(sa.text("UPDATE accounts SET balance = balance - 5 WHERE id = :a"), {"a": s})
    result = verify(coop.id)
    assert [p["code"] for p in result["problems"]] == ["hash_mismatch"]
    assert result["first_bad_entry"]["entry_id"] == victim.id


def test_cached_balance_drift_caught(coop, books):
    """A running balance changed behind the ledger's back is reported by account code."""
    b, _, _ = _some_books(books, coop)
    db.session.execute(sa.text("UPDATE accounts SET balance = balance + 7 WHERE id = :a"), {"a": b.acc("1101")})
    result = verify(coop.id)
    assert [p["code"] for p in result["problems"]] == ["balance_mismatch"]
    assert "1101" in result["problems"][0]["message"]


def test_cli_verify_exit_codes(coop, books, runner):
    """`flask ledger verify` exits 0 on good books and 1 naming the bad entry otherwise."""
    _, _, entries = _some_books(books, coop)
    ok = runner.invoke(args=["ledger", "verify", "--cooperative-id", str(coop.id)])
    assert ok.exit_code == 0, ok.output
    assert "OK, 5 jurnal, 10 posting" in ok.output
    _drop_posting_trigger()
    db.session.execute(sa.text("UPDATE postings SET credit = credit + 1 WHERE id = :pid"),
                       {"pid": entries[3].postings[1].id})
    bad = runner.invoke(args=["ledger", "verify", "--cooperative-id", str(coop.id)])
    assert bad.exit_code == 1
    assert entries[3].voucher_number in bad.output
