"""post_entry: the only writer of the journal, and every check ARCHITECTURE.md 4 asks of it."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.errors import Conflict, IdempotencyConflict, InsufficientFunds, ValidationError
from coop.ledger import rules
from coop.ledger.models import JournalEntry, Posting
from coop.ledger.rules import Line
from coop.ledger.services import post_entry
from tests.fixtures_ledger import recorded_statements


def test_worked_example_deposit_and_withdrawal(coop, books):
    """A deposit of 150,000 then a withdrawal of 40,000: cash 110,000 debit, savings 110,000 credit,
    two vouchers JU-2026-000001/2 in order, chain linked from genesis."""
    b = books(coop)
    s = b.sub("2101")
    e1 = b.transfer("1101", s, 150_000)
    e2 = b.transfer(s, "1101", 40_000)
    assert b.balance("1101") == 110_000
    assert b.balance(s) == 110_000
    assert [e1.voucher_number, e2.voucher_number] == ["JU-2026-000001", "JU-2026-000002"]
    assert e1.prev_hash == rules.GENESIS_HASH and e2.prev_hash == e1.hash
    canon = rules.canonical("JU-2026-000001", date(2026, 11, 27), "uji",
                            [("1101", 150_000, 0), (db.session.get(Posting, e1.postings[1].id).account.code, 0, 150_000)])
    assert e1.hash == rules.chain_hash(rules.GENESIS_HASH, canon)
    assert [(p.debit, p.credit) for p in e2.postings] == [(40_000, 0), (0, 40_000)]


@pytest.mark.parametrize("lines, fragment", [
    ([(1, 100, 0)], "minimal dua baris"),
    ([(1, 100, 0), (2, 0, 90)], "selisih Rp 10"),
    ([(1, 0, 0), (2, 0, 0)], "salah satu"),
    ([(1, -5, 0), (2, 0, -5)], "negatif"),
    ([(1, 100, 100), (2, 0, 0)], "salah satu"),
    ([(1, 10**16, 0), (2, 0, 10**16)], "terlalu besar"),
])
def test_malformed_lines_are_explained(lines, fragment):
    """line_problems says in words what is wrong with an entry."""
    problems = rules.line_problems([Line(a, debit=d, credit=c) for a, d, c in lines])
    assert any(fragment in p for p in problems), problems


def test_float_amount_refused():
    """A float is never money."""
    assert rules.line_problems([Line(1, debit=1.0), Line(2, credit=1)])


def test_unbalanced_entry_refused_and_nothing_written(coop, books):
    """An unbalanced entry raises ValidationError; no entry, no balance change."""
    b = books(coop)
    with pytest.raises(ValidationError) as exc:
        b.post([("1101", 100, 0), ("4201", 0, 99)])
    assert exc.value.code == "unbalanced_entry"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)
                             .where(JournalEntry.cooperative_id == coop.id)) == 0
    assert b.balance("1101") == 0


def test_account_of_other_cooperative_refused(coop, make_coop, books):
    """Lines must all belong to the posting cooperative."""
    other = make_coop(name="Lain")
    foreign = books(other).acc("1101")
    with pytest.raises(ValidationError) as exc:
        books(coop).post([(foreign, 100, 0), ("4201", 0, 100)])
    assert exc.value.code == "unknown_account"


def test_min_balance_floor(coop, books):
    """A savings sub-account with floor 0 cannot go negative; exactly to zero is fine; a deposit into an
    account below its floor (floor raised later) is still allowed because it improves it."""
    b = books(coop)
    s = b.sub("2101", min_balance=0)
    b.transfer("1101", s, 1_000)
    with pytest.raises(InsufficientFunds):
        b.transfer(s, "1101", 1_001)
    assert b.balance(s) == 1_000
    b.transfer(s, "1101", 1_000)
    assert b.balance(s) == 0
    s2 = b.sub("2101", min_balance=50_000)
    b.transfer("1101", s2, 10_000)  # below floor, but a deposit
    with pytest.raises(InsufficientFunds):
        b.transfer(s2, "1101", 1)
    assert b.balance(s2) == 10_000


def test_min_balance_on_debit_side_account(coop, books):
    """For a debit-normal account the floor applies to the debit balance (cash cannot go negative)."""
    b = books(coop)
    cash_box = b.sub("1101", min_balance=0)
    b.transfer(cash_box, "3901", 500)
    with pytest.raises(InsufficientFunds):
        b.transfer("5201", cash_box, 501)
    b.transfer("5201", cash_box, 500)
    assert b.balance(cash_box) == 0


def test_idempotent_replay_and_conflict(coop, books):
    """Same key + same payload returns the original entry; same key + another payload is a 409."""
    b = books(coop)
    e1 = b.transfer("1101", "4201", 700, idempotency_key="k-1")
    e2 = b.transfer("1101", "4201", 700, idempotency_key="k-1")
    assert e1.id == e2.id
    assert b.balance("1101") == 700
    with pytest.raises(IdempotencyConflict):
        b.transfer("1101", "4201", 701, idempotency_key="k-1")


def test_closed_account_refuses_postings(coop, books, users):
    """A closed account accepts no postings; it can only be closed at zero balance."""
    from coop.ledger.services import add_account, close_account

    b = books(coop)
    acc = atomic(add_account, coop.id, actor=users["admin"], code="5299", name="Beban Rapat", type="expense")
    assert acc.normal_side == "D"
    b.transfer("1101", "3901", 300)  # cash in the box before paying from it
    b.transfer(acc.id, "1101", 300)
    with pytest.raises(Conflict) as exc:
        atomic(close_account, coop.id, acc.id, actor=users["admin"])
    assert exc.value.code == "balance_not_zero"
    b.transfer("1101", acc.id, 300)
    atomic(close_account, coop.id, acc.id, actor=users["admin"])
    with pytest.raises(Conflict) as exc:
        b.transfer(acc.id, "1101", 1)
    assert exc.value.code == "account_closed"


def test_add_account_validation(coop, users):
    """Duplicate codes and unknown types are field errors."""
    from coop.ledger.services import add_account

    with pytest.raises(ValidationError) as exc:
        atomic(add_account, coop.id, actor=users["admin"], code="1101", name="Kas lagi", type="asset")
    assert "code" in exc.value.fields
    with pytest.raises(ValidationError) as exc:
        atomic(add_account, coop.id, actor=users["admin"], code="9999", name="X", type="magic")
    assert "type" in exc.value.fields


def test_vouchers_gapless_per_year_and_rollback_leaves_no_gap(coop, books):
    """Voucher numbers restart per year; a refused entry consumes no number."""
    b = books(coop)
    s = b.sub("2101")
    b.transfer("1101", s, 100, value_date=date(2025, 12, 31))
    with pytest.raises(InsufficientFunds):
        b.transfer(s, "1101", 1_000, value_date=date(2026, 1, 1))
    e = b.transfer("1101", s, 100, value_date=date(2026, 1, 2))
    e2 = b.transfer("1101", s, 100, value_date=date(2025, 12, 30))
    assert e.voucher_number == "JU-2026-000001"
    assert e2.voucher_number == "JU-2025-000002"
    assert e2.chain_seq == 3


def test_a_refusal_the_caller_goes_on_after_gives_its_voucher_number_back(coop, books):
    """In ONE unit of work: Rp 100 into a sub-account (JU-2026-000001), a withdrawal of 1.000 from it refused
    for want of funds, a line naming an account code the chart lacks ("9999", NotFound), a replay of the first
    deposit by its key, then Rp 50 more. On PostgreSQL the reads under the head reserve a posting's number
    before its checks; the refusals give theirs back and the replay reserves none, so the last deposit is
    JU-2026-000002: no gap, on either database."""
    from coop.errors import NotFound

    b = books(coop)
    s = b.sub("2101")
    day = date(2026, 11, 27)

    def work():
        first = post_entry(coop.id, [Line.dr("1101", 100), Line.cr(s, 100)], actor=None, memo="setor",
                           value_date=day, idempotency_key="k-gap")
        with pytest.raises(InsufficientFunds):
            post_entry(coop.id, [Line.dr(s, 1_000), Line.cr("1101", 1_000)], actor=None, memo="tarik", value_date=day)
        with pytest.raises(NotFound):
            post_entry(coop.id, [Line.dr("9999", 5), Line.cr(s, 5)], actor=None, memo="salah", value_date=day)
        again = post_entry(coop.id, [Line.dr("1101", 100), Line.cr(s, 100)], actor=None, memo="setor",
                           value_date=day, idempotency_key="k-gap")
        last = post_entry(coop.id, [Line.dr("1101", 50), Line.cr(s, 50)], actor=None, memo="setor", value_date=day)
        return first, again, last
    first, again, last = atomic(work)
    assert again.id == first.id
    assert [first.voucher_number, last.voucher_number] == ["JU-2026-000001", "JU-2026-000002"]
    assert b.balance(s) == 150 and b.balance("1101") == 150


def test_the_first_entry_of_a_year_opens_its_counter_and_the_next_continues_it(coop, books):
    """No voucher of 2025 yet (no counter row to move): the first entry dated 2025 gets JU-2025-000001, the
    second (its number reserved with the reads under the head, on PostgreSQL) JU-2025-000002, a batch of two
    more JU-2025-000003 and 000004."""
    from coop.ledger.services import EntrySpec, post_entries

    b = books(coop)
    s = b.sub("2101")
    day = date(2025, 6, 2)
    e1 = b.transfer("1101", s, 10, value_date=day)
    e2 = b.transfer("1101", s, 20, value_date=day)
    batch = atomic(post_entries, coop.id, [EntrySpec([Line.dr("1101", 30), Line.cr(s, 30)], day, "a"),
                                           EntrySpec([Line.dr("1101", 40), Line.cr(s, 40)], day, "b")],
                   actor=None, as_entries=True)
    assert [e.voucher_number for e in (e1, e2, *batch)] == [f"JU-2025-00000{i}" for i in range(1, 5)]


def test_post_entry_statement_count(coop, books):
    """post_entry stays cheap: a two-line entry without key takes a bounded number of statements."""
    b = books(coop)
    s = b.sub("2101")
    b.transfer("1101", s, 100)
    ids = (b.acc("1101"), s)
    with recorded_statements() as seen:
        atomic(post_entry, coop.id, [Line.dr(ids[0], 5), Line.cr(ids[1], 5)], actor=None, memo="x",
               value_date=date(2026, 11, 27))
    assert len(seen) <= 10, " | ".join(seen)


def test_a_small_batch_writes_its_entries_head_balances_and_postings_in_one_statement_on_postgresql(coop, books):
    """A batch of three entries (six postings over three accounts): on PostgreSQL the entries, the head, the
    balances, the postings AND the entries' audit rows go in with ONE statement (three from the head's lock:
    head, the reads under it with the voucher numbers' reservation, the write); on SQLite the counter, four
    statements and the audit INSERT do it (eight). Either way the postings' ids ascend in entry and line order, each entry has its audit row, the
    balances and the head are the figures worked by hand, and the books verify."""
    from coop.ledger.services import EntrySpec, post_entries
    from coop.ledger.verify import verify

    b = books(coop)
    cash, s1, s2 = b.acc("1101"), b.sub("2101"), b.sub("2101")
    b.transfer(cash, s1, 1_000)
    day = date(2026, 11, 27)
    specs = [EntrySpec([Line.dr(cash, 300), Line.cr(s1, 300)], day, "satu"),
             EntrySpec([Line.dr(s1, 200), Line.cr(s2, 200)], day, "dua"),
             EntrySpec([Line.dr(s2, 50), Line.cr(cash, 50)], day, "tiga")]
    with recorded_statements() as seen:
        entries = atomic(post_entries, coop.id, specs, actor=None, as_entries=True)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    first = next(i for i, s in enumerate(seen) if s.startswith("SELECT ledger_heads"))
    last = next(i for i, s in enumerate(seen) if ("WITH h AS" if postgres else "audit_log") in s)
    posting = seen[first:last + 1]
    assert len(posting) == (3 if postgres else 8), "\n".join(seen)
    assert sum(s.startswith("WITH h AS") for s in posting) == (1 if postgres else 0), "\n".join(seen)
    assert not any("audit_log" in s for s in seen[last + 1:]), "\n".join(seen)
    assert _audit_rows(entries) == [(str(e.id), {"amount": amount, "voucher": e.voucher_number})
                                    for e, amount in zip(entries, (300, 200, 50), strict=True)]
    rows = db.session.execute(sa.select(Posting.entry_id, Posting.line_no, Posting.id, Posting.debit, Posting.credit)
                              .where(Posting.entry_id.in_([e.id for e in entries]))
                              .order_by(Posting.entry_id, Posting.line_no)).all()
    assert [(r.debit, r.credit) for r in rows] == [(300, 0), (0, 300), (200, 0), (0, 200), (50, 0), (0, 50)]
    assert [r.id for r in rows] == sorted(r.id for r in rows)
    assert [r.entry_id for r in rows] == [entries[0].id] * 2 + [entries[1].id] * 2 + [entries[2].id] * 2
    assert [e.posting_ids[cash] for e in (entries[0], entries[2])] == [rows[0].id, rows[5].id]
    # natural balances: 1101 1,000 + 300 - 50; the sub-accounts 1,000 + 300 - 200 and 200 - 50
    assert (b.balance(cash), b.balance(s1), b.balance(s2)) == (1_250, 1_100, 150)
    head = db.session.execute(sa.text("SELECT chain_seq, head_hash FROM ledger_heads WHERE cooperative_id = :c"),
                              {"c": coop.id}).one()
    assert (head.chain_seq, head.head_hash) == (entries[2].chain_seq, entries[2].hash)
    assert verify(coop.id)["ok"] is True


@pytest.mark.parametrize("entries", [8, 9])
def test_the_one_statement_write_ends_at_sixteen_postings_and_both_writes_agree(coop, books, entries):
    """Eight deposits of 100 + k into eight sub-accounts (16 postings: the one-statement write on PostgreSQL)
    and nine (18 postings: the four statements), then a transfer from a sub-account to itself (no balance
    moves: the statement without its balances part). Either way: Kas holds the sum of 100 + k, every
    sub-account 100 + k, the self-transfer changes nothing, posting ids ascend in entry and line order, the
    books verify."""
    from coop.ledger.services import EntrySpec, post_entries
    from coop.ledger.verify import verify

    b = books(coop)
    cash = b.acc("1101")
    subs = [b.sub("2101") for _ in range(entries)]
    day = date(2026, 11, 27)
    specs = [EntrySpec([Line.dr(cash, 100 + k), Line.cr(sub, 100 + k)], day, f"setoran {k}")
             for k, sub in enumerate(subs)]
    with recorded_statements() as seen:
        posted = atomic(post_entries, coop.id, specs, actor=None, as_entries=True)
        same = atomic(post_entries, coop.id, [EntrySpec([Line.dr(subs[0], 7), Line.cr(subs[0], 7)], day, "sendiri")],
                      actor=None, as_entries=True)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    one_statement = sum(s.startswith("WITH h AS") for s in seen)
    assert one_statement == (int(entries == 8) + 1 if postgres else 0), "\n".join(seen)
    assert b.balance(cash) == sum(100 + k for k in range(entries))
    assert [b.balance(sub) for sub in subs] == [100 + k for k in range(entries)]
    ids = [e.id for e in [*posted, *same]]
    rows = db.session.execute(sa.select(Posting.entry_id, Posting.line_no, Posting.id)
                              .where(Posting.entry_id.in_(ids)).order_by(Posting.entry_id, Posting.line_no)).all()
    assert len(rows) == 2 * entries + 2
    assert [r.id for r in rows] == sorted(r.id for r in rows)
    assert [e.posting_ids[cash] for e in posted] == [r.id for r in rows if r.line_no == 1][:entries]
    assert _audit_rows(posted) == [(str(e.id), {"amount": 100 + k, "voucher": e.voucher_number})
                                   for k, e in enumerate(posted)]
    assert verify(coop.id)["ok"] is True


def _audit_rows(entries) -> list[tuple[str, dict]]:
    """The audit rows of ``entries`` in id order, as (object id, summary): one ``ledger.post.import`` row
    each, by the system (no actor), with the request's time; their ids ascend in the entries' order."""
    import json

    from coop.audit.models import AuditLog

    rows = db.session.execute(sa.select(AuditLog).where(AuditLog.object_type == "journal_entry",
                                                        AuditLog.object_id.in_([str(e.id) for e in entries]))
                              .order_by(AuditLog.id)).scalars().all()
    assert {(r.action, r.actor_id, r.cooperative_id) for r in rows} == {("ledger.post.import", None, entries[0].cooperative_id)}
    assert all(r.at is not None for r in rows)
    return [(r.object_id, json.loads(r.summary)) for r in rows]


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(voucher=st.text(max_size=20), memo=st.text(max_size=60),
       lines=st.lists(st.tuples(st.text(max_size=12), st.integers(0, 10**15), st.integers(0, 10**15)), max_size=4))
def test_canonical_is_compact_json(voucher, memo, lines):
    """The fast canonical form equals the documented compact JSON for any text (quotes, unicode,
    control characters), so an auditor can recompute hashes with any JSON library."""
    import json

    expected = json.dumps([voucher, "2026-01-02", memo, [[a, d, c] for a, d, c in lines]], ensure_ascii=False,
                          separators=(",", ":"))
    assert rules.canonical(voucher, date(2026, 1, 2), memo, lines) == expected


def test_an_entry_rolled_back_is_forgotten_and_the_next_post_succeeds(coop, books):
    """A unit of work that posts and then fails leaves nothing behind, in the database or in the session:
    the next entry (SQLite gives it the same row id) posts cleanly, also after a SAVEPOINT rolled back
    (the demo loader's refusable parts)."""
    from coop.ledger.models import JournalEntry

    b = books(coop)
    s = b.sub("2101")
    kas = b.acc("1101")

    held = []  # a caller still holding the rolled-back entry (as a traceback does)

    def post_then_fail():
        held.append(post_entry(coop.id, [Line.dr(kas, 5), Line.cr(s, 5)], actor=None, memo="x",
                               value_date=date(2026, 11, 27)))
        raise RuntimeError("refused after posting")

    with pytest.raises(RuntimeError):
        atomic(post_then_fail)
    e = b.transfer("1101", s, 7)
    assert e.voucher_number == "JU-2026-000001"

    def post_in_savepoint_then_fail():
        with db.session.begin_nested():
            held.append(post_entry(coop.id, [Line.dr(kas, 9), Line.cr(s, 9)], actor=None, memo="y",
                                   value_date=date(2026, 11, 27)))
            raise RuntimeError("refused part")

    def outer():
        with pytest.raises(RuntimeError):
            post_in_savepoint_then_fail()
        return post_entry(coop.id, [Line.dr(kas, 11), Line.cr(s, 11)], actor=None, memo="z",
                          value_date=date(2026, 11, 27))

    e2 = atomic(outer)
    assert e2.voucher_number == "JU-2026-000002"
    amounts = db.session.scalars(sa.select(JournalEntry.memo).where(JournalEntry.cooperative_id == coop.id)
                                 .order_by(JournalEntry.chain_seq)).all()
    assert amounts == ["uji", "z"]
    assert b.balance(s) == 18
    assert all(obj not in db.session for obj in held)


def test_a_rolled_back_savepoint_forgets_only_its_own_entries_and_reading_an_entry_takes_no_sql(coop, books):
    """An entry posted before a SAVEPOINT that rolls back stays in the session with every column
    readable without SQL (it went in with Core and was adopted, not loaded); the one posted inside the
    SAVEPOINT is forgotten; after the commit both outcomes are what the database holds."""
    b = books(coop)
    s = b.sub("2101")
    kas = b.acc("1101")
    seen = {}

    def work():
        kept = post_entry(coop.id, [Line.dr(kas, 4), Line.cr(s, 4)], actor=None, memo="kept",
                          value_date=date(2026, 11, 27))
        statements = []

        def note(_conn, _cursor, statement, *_a, **_k):
            statements.append(statement)
        conn = db.session.connection()
        sa.event.listen(conn, "before_cursor_execute", note)
        seen["columns"] = (kept.voucher_number, kept.chain_seq, kept.memo, kept.hash, kept.prev_hash,
                           kept.posted_at.tzinfo is not None, kept.value_date, kept.source)
        sa.event.remove(conn, "before_cursor_execute", note)
        seen["sql"] = statements
        try:
            with db.session.begin_nested():
                seen["dropped"] = post_entry(coop.id, [Line.dr(kas, 6), Line.cr(s, 6)], actor=None, memo="dropped",
                                             value_date=date(2026, 11, 27))
                raise RuntimeError("refused part")
        except RuntimeError:
            pass
        return kept

    kept = atomic(work)
    assert seen["sql"] == []
    assert seen["columns"][:3] == ("JU-2026-000001", 1, "kept")
    assert kept in db.session and seen["dropped"] not in db.session
    assert db.session.scalars(sa.select(JournalEntry.memo).where(JournalEntry.cooperative_id == coop.id)).all() == ["kept"]
    assert b.balance(s) == 4


def test_dated_since_reads_the_value_dates_of_a_source_with_the_posting(coop, books):
    """post_entry(dated_since=(source, day)) returns on the entry the distinct value dates (ascending) of the
    cooperative's entries of that source dated on or after day, read in the posting's statement under the head
    lock; an idempotent replay gets them too; other sources and earlier dates are left out."""
    b = books(coop)
    s = b.sub("2101")
    b.transfer("1101", "3901", 500_000, value_date=date(2026, 9, 1), memo="modal")
    b.transfer("5101", s, 100, value_date=date(2026, 10, 31), source="savings.interest", memo="jasa 10")
    b.transfer("5101", s, 100, value_date=date(2026, 9, 30), source="savings.interest", memo="jasa 9")
    b.transfer("5101", s, 100, value_date=date(2026, 10, 31), source="savings.interest", memo="jasa 10 lagi")
    b.transfer("1101", s, 100, value_date=date(2026, 11, 2), source="savings.deposit", memo="setor")
    e = b.transfer("1101", s, 700, dated_since=("savings.interest", date(2026, 9, 30)), idempotency_key="d-1")
    assert e.dated_since == [date(2026, 9, 30), date(2026, 10, 31)]
    later = b.transfer("1101", s, 800, dated_since=("savings.interest", date(2026, 10, 1)))
    assert later.dated_since == [date(2026, 10, 31)]
    assert b.transfer("1101", s, 900, dated_since=("savings.interest", date(2026, 11, 1))).dated_since == []
    replay = b.transfer("1101", s, 700, dated_since=("savings.interest", date(2026, 10, 1)), idempotency_key="d-1")
    assert replay.id == e.id and replay.dated_since == [date(2026, 10, 31)]
    assert b.transfer("1101", s, 50).dated_since is None


def test_dated_since_only_on_entries():
    """post_entries returns ids unless as_entries: dated_since has nowhere to go and is refused."""
    from coop.ledger.services import EntrySpec, post_entries

    with pytest.raises(TypeError):
        post_entries(1, [EntrySpec(lines=[], value_date=date(2026, 11, 27), memo="x")], actor=None,
                     dated_since=("savings.interest", date(2026, 11, 1)))
