"""A posting line may name its account by code (``Line.dr(chart.KAS, ...)``): the ledger reads the account's id
in the statement that locks the accounts under the head (issue 17: the cash desk's separate ``SELECT accounts.id``
of Kas before every deposit and withdrawal is gone). The entry is the one a line by id would post: the same
account, balance, hash and payload fingerprint, so a replay matches whichever way it names the account."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.errors import NotFound
from coop.ledger import services as ledger
from coop.ledger.integrity import check_manual_lines
from coop.ledger.models import JournalEntry
from coop.ledger.rules import Line
from coop.ledger.services import EntrySpec, post_entries, post_entry
from tests.fixtures_ledger import recorded_statements

DAY = date(2026, 11, 27)


def test_a_line_by_code_posts_to_that_account_without_a_lookup_of_its_own(coop, books):
    """Rp 125.000 into a savings sub-account, Dr Kas named by its code "1101": Kas holds 125.000, the posting
    line is Kas's id, the entry's fingerprint is the one of the same lines by id, and no statement reads an
    account's id by its code (the locking statement does, with the other accounts)."""
    b = books(coop)
    s = b.sub("2101")
    kas = b.acc("1101")
    with recorded_statements() as seen:
        entry = atomic(post_entry, coop.id, [Line.dr("1101", 125_000), Line.cr(s, 125_000)], actor=None,
                       memo="setoran", value_date=DAY, idempotency_key="by-code-1")
    assert b.balance("1101") == 125_000 and b.balance(s) == 125_000
    assert [(p.account_id, p.debit, p.credit) for p in db.session.get(JournalEntry, entry.id).postings] == [
        (kas, 125_000, 0), (s, 0, 125_000)]
    assert entry.posting_ids[kas] and entry.posting_ids[s]
    by_id = ledger.rules.payload_hash(DAY, "setoran", [Line.dr(kas, 125_000), Line.cr(s, 125_000)], "manual")
    assert entry.payload_hash == by_id
    lookups = [sql for sql in seen if sql.startswith("SELECT accounts.id FROM accounts")]
    assert lookups == [], lookups
    assert any("accounts.code IN" in sql for sql in seen), seen


def test_a_replay_matches_whether_it_names_the_account_by_id_or_by_code(coop, books):
    """The same deposit retried with its key, once by id and once by code, returns the first entry both times
    (no 409, no second posting): Kas holds the 40.000 once."""
    b = books(coop)
    s = b.sub("2101")
    kas = b.acc("1101")
    first = b.post([(kas, 40_000, 0), (s, 0, 40_000)], idempotency_key="k-both")
    again = atomic(post_entry, coop.id, [Line.dr("1101", 40_000), Line.cr(s, 40_000)], actor=None,
                   memo="uji", value_date=DAY, idempotency_key="k-both")
    assert again.id == first.id
    third = atomic(post_entry, coop.id, [Line.dr("1101", 5_000), Line.cr(s, 5_000)], actor=None,
                   memo="uji", value_date=DAY, idempotency_key="k-code")
    assert b.post([(kas, 5_000, 0), (s, 0, 5_000)], idempotency_key="k-code").id == third.id
    assert b.balance("1101") == 45_000


def test_a_code_resolves_in_the_posting_cooperative_only(coop, make_coop, books):
    """Two cooperatives each have a Kas "1101": a line by code posted for the second moves the second's Kas,
    never the first's."""
    other = make_coop()
    mine, theirs = books(coop), books(other)
    s = theirs.sub("2101")
    atomic(post_entry, other.id, [Line.dr("1101", 9_000), Line.cr(s, 9_000)], actor=None, memo="uji",
           value_date=DAY)
    assert theirs.balance("1101") == 9_000 and mine.balance("1101") == 0


def test_an_unknown_code_is_not_found_and_nothing_is_written(coop, books):
    """A code the cooperative's chart lacks ("9999") is a NotFound naming it; no entry is written and the
    chain does not move."""
    b = books(coop)
    s = b.sub("2101")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))
    with pytest.raises(NotFound, match="9999"):
        atomic(post_entry, coop.id, [Line.dr("9999", 1_000), Line.cr(s, 1_000)], actor=None, memo="uji",
               value_date=DAY)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == before
    assert b.balance(s) == 0


def test_a_batch_too_large_for_one_locking_statement_resolves_codes_too(coop, books, monkeypatch):
    """A batch read statement by statement (more accounts than the one locking statement takes: here the
    limit set to 1) posts lines by code to the same accounts: three deposits of 1.000, 2.000 and 3.000 by
    code leave Kas 6.000."""
    b = books(coop)
    subs = [b.sub("2101") for _ in range(3)]
    monkeypatch.setattr(ledger, "_FAST", 1)
    specs = [EntrySpec(lines=[Line.dr("1101", amount), Line.cr(s, amount)], value_date=DAY, memo="impor")
             for amount, s in zip((1_000, 2_000, 3_000), subs, strict=True)]
    ids = atomic(post_entries, coop.id, specs, actor=None)
    assert len(ids) == 3
    assert b.balance("1101") == 6_000 and [b.balance(s) for s in subs] == [1_000, 2_000, 3_000]


def test_a_manual_entry_refuses_a_line_by_code_before_its_control_account_check(coop, books):
    """The manual entry's check (control accounts and member sub-accounts refused) reads accounts by id: a line
    naming "2101" (the savings control account) by code would slip past it, so check_manual_lines refuses a
    line by code outright and nothing is posted."""
    b = books(coop)
    with pytest.raises(TypeError, match="by id"):
        check_manual_lines(coop.id, [Line.dr("2101", 1_000), Line.cr(b.acc("1101"), 1_000)])
    assert b.balance("2101") == 0


def test_resolving_codes_keeps_every_other_field_of_the_entry():
    """``_by_id`` rebuilds the entry with its constructor (not ``dataclasses.replace``): every field other than
    the lines comes through unchanged (a field added to EntrySpec and not carried over fails here), and the line
    by code gets the id read under the head."""
    import dataclasses

    spec = EntrySpec(lines=[Line.dr("1101", 5_000, "kas"), Line.cr(42, 5_000)], value_date=DAY, memo="m",
                     source_ref="savings_account:7", idempotency_key="k-1", extra={"x": 1}, reverses_id=9)
    done = ledger._by_id(spec, {"1101": 17})
    assert [(ln.account_id, ln.debit, ln.credit, ln.memo, ln.account_code) for ln in done.lines] == [
        (17, 5_000, 0, "kas", None), (42, 0, 5_000, None, None)]
    others = [f.name for f in dataclasses.fields(EntrySpec) if f.name != "lines"]
    assert {name: getattr(done, name) for name in others} == {name: getattr(spec, name) for name in others}
    assert set(others) == {"value_date", "memo", "source_ref", "idempotency_key", "extra", "reverses_id"}
