"""The wajib arrears list from the stored first uncovered month (issue 17, revision 0025): the same rows, order,
count and total as the live computation from every balance, whatever happened since the last refresh."""
from __future__ import annotations

import random
from datetime import date

import sqlalchemy as sa

from coop import settings
from coop.db import atomic, db
from coop.errors import CoopError
from coop.ledger import chart
from coop.ledger.periods import reverse_entry
from coop.ledger.services import Line, account_by_code, post_entry
from coop.membership.models import Member
from coop.savings import arrears
from coop.savings import services as savings
from coop.savings.models import SavingsAccount, SavingsProduct

ON = date(2025, 6, 10)


def _stored(cid: int) -> tuple:
    row = db.session.execute(sa.select(SavingsAccount.arrears_from, SavingsAccount.arrears_due,
                                       SavingsAccount.arrears_stale).where(SavingsAccount.id == cid)).one()
    return tuple(row)


def _wajib(coop, member) -> SavingsAccount:
    return savings.account_for(coop.id, member.id, "wajib")


def test_arrears_state_worked_examples():
    """At 20.000 a month from January 2025: 50.000 covers Jan-Feb and 10.000 of March (10.000 unpaid); 60.000
    covers March exactly, so April with all 20.000 unpaid; nothing paid (or a debit balance) is January, all of
    it. A change to 30.000 from April 2025: 100.000 covers Jan-Mar (60.000) and 30.000 of April's 30.000 and
    10.000 of May: May, 20.000 unpaid. No amount at all: never in arrears. No amount until a change to 25.000
    from March 2025: the first month with a due is March, whatever the joining month before it."""
    flat = arrears.segments([], 20_000)
    jan = date(2025, 1, 15)
    assert arrears.arrears_state(jan, 50_000, flat) == (date(2025, 3, 1), 10_000)
    assert arrears.arrears_state(jan, 60_000, flat) == (date(2025, 4, 1), 20_000)
    assert arrears.arrears_state(jan, 0, flat) == (date(2025, 1, 1), 20_000)
    assert arrears.arrears_state(jan, -5_000, flat) == (date(2025, 1, 1), 20_000)
    raised = arrears.segments([(date(2025, 4, 1), 30_000)], 20_000)
    assert arrears.arrears_state(jan, 100_000, raised) == (date(2025, 5, 1), 20_000)
    assert arrears.arrears_state(jan, 0, arrears.segments([], 0)) == (None, None)
    late = arrears.segments([(date(2025, 3, 1), 25_000)], 0)
    assert arrears.arrears_state(date(2024, 7, 2), 30_000, late) == (date(2025, 4, 1), 20_000)
    # a setting back to 0: covered for ever once the months with a due are paid
    stop = arrears.segments([(date(2025, 3, 1), 0)], 20_000)
    assert arrears.arrears_state(jan, 40_000, stop) == (None, None)
    assert arrears.arrears_state(jan, 30_000, stop) == (date(2025, 2, 1), 10_000)


def test_a_balance_worth_more_months_than_a_date_can_name_covers_every_month(coop, make_member, fund):
    """Schemathesis found a 500: a wajib deposit of Rp 341.831.035 when the wajib amount had been set to a few
    rupiah covered months past the year 9999, and computing that month raised ValueError. At Rp 1 a month from
    January 2025, 11 + 12 x 7,974 rupiah cover up to November 9999 and leave December 9999 (a date) unpaid; one
    rupiah more covers every month a date can name: (None, None), never in arrears. Through the service with
    the setting at Rp 1 from January 2025: the deposit is stored (201-like receipt), the state is (None, None)
    and the member is not on the list."""
    one = arrears.segments([], 1)
    jan = date(2025, 1, 15)
    to_nov_9999 = 11 + 12 * (9999 - 2025)
    assert arrears.arrears_state(jan, to_nov_9999, one) == (date(9999, 12, 1), 1)
    assert arrears.arrears_state(jan, to_nov_9999 + 1, one) == (None, None)
    assert arrears.arrears_state(jan, 341_831_035, one) == (None, None)
    m = make_member(coop)
    atomic(settings.set_value, coop.id, "simpanan_wajib_amount", 1, effective_on=date(2025, 1, 1))
    with db.session.begin_nested():
        db.session.get_one(SavingsProduct, _wajib(coop, m).product_id).amount = 1
        db.session.flush()
    fund(m, "wajib", 341_831_035, date(2025, 2, 1))
    assert _stored(_wajib(coop, m).id) == (None, None, 0)
    assert savings.arrears_list(coop.id, ON) == []


def test_deposit_stores_the_month_and_a_reversal_marks_it_stale(coop, make_member, fund, make_user):
    """Joined 2 Jan 2025 at 20.000: a wajib deposit of 50.000 stores March with 10.000 unpaid and a clean mark;
    on 10 June the list says Mar-May, 50.000. A general-journal entry crediting the account 30.000 marks it
    stale (trigger on the balance) and the list reads it live: 80.000 covers Jan-Apr, so May only, 20.000; the
    job stores May, 20.000. Reversing that entry marks it stale again: back to Mar-May, 50.000, and the job
    stores March, 10.000."""
    m = make_member(coop)
    acc = _wajib(coop, m)
    fund(m, "wajib", 50_000, date(2025, 2, 1))
    assert _stored(acc.id) == (date(2025, 3, 1), 10_000, 0)
    rows = savings.arrears_list(coop.id, ON)
    assert [(r["months"], r["amount"], r["oldest"]) for r in rows] == [(3, 50_000, date(2025, 3, 1))]
    kas = account_by_code(coop.id, chart.KAS).id
    entry = atomic(post_entry, coop.id, [Line.dr(kas, 30_000), Line.cr(acc.ledger_account_id, 30_000)],
                   actor=None, value_date=date(2025, 2, 3), source="ledger.journal", memo="koreksi")
    assert _stored(acc.id)[2] > 0
    assert savings.arrears_summary(coop.id, ON) == (1, 20_000)
    assert atomic(savings.refresh_arrears, coop.id) == 1
    assert _stored(acc.id) == (date(2025, 5, 1), 20_000, 0)
    maker, checker = make_user(coop), make_user(coop)
    atomic(reverse_entry, coop.id, entry.id, actor=maker, approved_by=checker)
    assert _stored(acc.id)[2] > 0
    assert savings.arrears_summary(coop.id, ON) == (1, 50_000)
    atomic(savings.refresh_arrears, coop.id)
    assert _stored(acc.id) == (date(2025, 3, 1), 10_000, 0)
    assert savings.arrears_summary(coop.id, ON) == (1, 50_000)


def test_setting_product_and_joining_changes_mark_every_affected_account_stale(coop, make_member, fund):
    """Each input of the stored month raises the mark: a new simpanan_wajib_amount (all the cooperative's
    wajib accounts), the product's amount (its accounts), a member's joined_on (that member's); a sukarela
    deposit touches no wajib account."""
    a, b = make_member(coop), make_member(coop)
    fund(a, "wajib", 20_000, date(2025, 2, 1))
    fund(b, "wajib", 20_000, date(2025, 2, 1))
    wa, wb = _wajib(coop, a), _wajib(coop, b)
    atomic(savings.refresh_arrears, coop.id)
    assert _stored(wa.id)[2] == _stored(wb.id)[2] == 0
    fund(a, "sukarela", 10_000, date(2025, 2, 1))
    assert _stored(wa.id)[2] == 0
    atomic(settings.set_value, coop.id, "simpanan_wajib_amount", 25_000, effective_on=date(2025, 4, 1))
    assert _stored(wa.id)[2] > 0 and _stored(wb.id)[2] > 0
    atomic(savings.refresh_arrears, coop.id)
    with db.session.begin_nested():
        db.session.get_one(Member, a.id).joined_on = date(2025, 1, 20)
        db.session.flush()
    assert _stored(wa.id)[2] > 0 and _stored(wb.id)[2] == 0
    atomic(savings.refresh_arrears, coop.id)
    with db.session.begin_nested():
        db.session.get_one(SavingsProduct, wa.product_id).amount = 15_000
        db.session.flush()
    assert _stored(wa.id)[2] > 0 and _stored(wb.id)[2] > 0


def test_status_and_number_changes_mark_the_account_stale_and_an_unlisted_one_stores_no_month(coop, make_member,
                                                                                              fund):
    """Revision 0027: the page reads neither the member's status nor its number from ``members``. A resignation
    marks the member's wajib account stale (the list drops it at once, read live) and the refresh stores no
    month for it; back to active marks it again and the refresh stores March; dormant (still current) leaves
    it fresh. Closing the account and opening it again does the same; a new member number marks it stale and
    the refresh stores the number, which orders the list."""
    a, b = make_member(coop), make_member(coop)
    fund(a, "wajib", 50_000, date(2025, 2, 1))
    fund(b, "wajib", 50_000, date(2025, 2, 1))
    wa, wb = _wajib(coop, a), _wajib(coop, b)
    atomic(savings.refresh_arrears, coop.id)

    def listed() -> list[int]:
        return [r["account"].id for r in savings.arrears_list(coop.id, ON)]

    def seq(account_id: int) -> int | None:
        return db.session.scalar(sa.select(SavingsAccount.__table__.c.arrears_seq).where(SavingsAccount.id == account_id))

    assert listed() == [wa.id, wb.id] and (seq(wa.id), seq(wb.id)) == (a.member_seq, b.member_seq)

    def member_status(status: str) -> None:
        with db.session.begin_nested():
            db.session.execute(sa.update(Member).where(Member.id == a.id).values(status=status))

    member_status("resigned")
    assert _stored(wa.id)[2] > 0 and _stored(wb.id)[2] == 0 and listed() == [wb.id]
    atomic(savings.refresh_arrears, coop.id)
    assert _stored(wa.id) == (None, None, 0) and listed() == [wb.id]
    member_status("active")
    assert _stored(wa.id)[2] > 0 and listed() == [wa.id, wb.id]
    atomic(savings.refresh_arrears, coop.id)
    assert _stored(wa.id) == (date(2025, 3, 1), 10_000, 0)
    member_status("dormant")
    assert _stored(wa.id)[2] == 0 and listed() == [wa.id, wb.id]

    def account_status(status: str) -> None:
        with db.session.begin_nested():
            db.session.execute(sa.update(SavingsAccount).where(SavingsAccount.id == wb.id).values(status=status))

    account_status("closed")
    assert _stored(wb.id)[2] > 0 and listed() == [wa.id]
    atomic(savings.refresh_arrears, coop.id)
    assert _stored(wb.id) == (None, None, 0) and listed() == [wa.id]
    account_status("dormant")
    assert _stored(wb.id)[2] > 0 and listed() == [wa.id, wb.id]
    atomic(savings.refresh_arrears, coop.id)
    assert _stored(wb.id) == (date(2025, 3, 1), 10_000, 0)

    seq_a, seq_b = a.member_seq, b.member_seq
    _swap_seq(coop.id, a.id, b.id)
    assert _stored(wa.id)[2] > 0 and _stored(wb.id)[2] > 0 and listed() == [wb.id, wa.id]
    atomic(savings.refresh_arrears, coop.id)
    assert (seq(wa.id), seq(wb.id)) == (seq_b, seq_a) and listed() == [wb.id, wa.id]
    page, _total = savings.arrears_page(coop.id, ON, 1, per_page=1)
    assert [r["account"].id for r in page.items] == [wb.id]


def test_a_refresh_leaves_a_row_whose_mark_moved_since_it_was_read(coop, make_member, fund):
    """The refresh writes a row only if its mark is the value it read: a posting between the read and the
    write (another transaction on PostgreSQL) raises the mark, so the old figures are not stored as fresh."""
    m = make_member(coop)
    acc = _wajib(coop, m)
    seen = _stored(acc.id)[2]
    fund(m, "sukarela", 5_000, date(2025, 2, 1))
    with db.session.begin_nested():
        db.session.execute(sa.update(SavingsAccount).where(SavingsAccount.id == acc.id)
                           .values(arrears_stale=seen + 1))
        db.session.execute(arrears._WRITE, [{"b_id": acc.id, "b_seen": seen, "b_from": date(2030, 1, 1),
                                             "b_due": 1, "b_seq": 999}])
    assert _stored(acc.id) == (None, None, seen + 1)
    assert db.session.scalar(sa.select(SavingsAccount.__table__.c.arrears_seq).where(SavingsAccount.id == acc.id)) == 0


def _live(cid: int, on: date) -> list[tuple]:
    return arrears._arrears_rows(cid, on)


def _check(cid: int, rng: random.Random) -> None:
    """The stored list equals the live one on several dates: every row, every page of a few sizes, the count
    and the total."""
    for on in (date(2025, 3, 5), date(2025, 6, 10), date(2025, 12, 31), date(2026, 11, 27)):
        live = _live(cid, on)
        assert arrears.arrears_rows(cid, on) == live, on
        assert arrears.arrears_summary(cid, on) == (len(live), sum(r[1] for r in live))
        per = rng.choice((1, 2, 3, 5))
        pages = max(1, -(-len(live) // per))
        for page_no in range(1, pages + 2):  # one past the last: the last again
            page, total = arrears.arrears_page(cid, on, page_no, per_page=per)
            shown = min(page_no, pages)
            want = live[(shown - 1) * per:shown * per]
            assert [(r["months"], r["amount"], r["oldest"], r["account"].id) for r in page.items] == [
                (r[0], r[1], r[2], r[5]) for r in want], (on, per, page_no)
            assert (page.total, total) == (len(live), sum(r[1] for r in live))


def _swap_seq(cid: int, a: int, b: int) -> None:
    with db.session.begin_nested():
        seq_a, seq_b = (db.session.scalar(sa.select(Member.member_seq).where(Member.id == i)) for i in (a, b))
        free = db.session.scalar(sa.select(sa.func.max(Member.member_seq)).where(Member.cooperative_id == cid)) + 1
        for member_id, seq in ((a, free), (b, seq_a), (a, seq_b)):
            db.session.execute(sa.update(Member).where(Member.id == member_id).values(member_seq=seq))
    db.session.expire_all()


def test_stored_list_equals_the_live_computation_over_a_random_history(coop, make_member, make_user):
    """Seeded random histories of wajib deposits (some back-dated), reversals, debits straight on the ledger
    account (a payout or an SHU-like posting), changes of the wajib amount setting (0 included), of joined_on
    and of the product's amount, member status changes (resigned, deceased, back to active, applied, dormant),
    accounts closed and opened again, members swapping numbers (the list's second key, revision 0027), with
    refreshes at random moments (so some rows are stored and some stale): after every step the stored list is
    the live one."""
    rng = random.Random(17)
    maker, checker = make_user(coop), make_user(coop)
    joined = [date(2024, 11, 3), date(2025, 1, 2), date(2025, 1, 31), date(2025, 3, 15), date(2025, 6, 1)]
    people = [make_member(coop, joined_on=rng.choice(joined)) for _ in range(7)]
    kas = account_by_code(coop.id, chart.KAS).id
    wajib = {m.id: _wajib(coop, m).id for m in people}
    entries: list[int] = []
    mixed = 0
    for _step in range(60):
        m = db.session.get_one(Member, rng.choice(people).id)
        acc = db.session.get_one(SavingsAccount, wajib[m.id])
        op = rng.random()
        day = date(2025, rng.randint(1, 12), rng.randint(1, 28))
        day = max(day, m.joined_on, acc.opened_on)
        if op < 0.3 and acc.status != "closed" and m.status != "resigned":
            atomic(savings.deposit, coop.id, acc.id, rng.choice((5_000, 20_000, 25_000, 60_000)),
                   actor=None, value_date=day)
        elif op < 0.38:  # a general-journal credit (an opening balance, SHU to wajib), reversed later
            amount = rng.choice((10_000, 20_000, 45_000))
            entries.append(atomic(post_entry, coop.id, [Line.dr(kas, amount), Line.cr(acc.ledger_account_id, amount)],
                                  actor=None, value_date=day, source="ledger.journal", memo="koreksi").id)
        elif op < 0.46 and entries:
            entry_id = entries.pop(rng.randrange(len(entries)))
            try:
                atomic(reverse_entry, coop.id, entry_id, actor=maker, approved_by=checker)
            except CoopError:  # the money was paid out since: not reversible
                pass
        elif op < 0.55 and acc.balance > 0:
            amount = rng.randint(1, acc.balance)
            atomic(post_entry, coop.id, [Line.dr(acc.ledger_account_id, amount), Line.cr(kas, amount)],
                   actor=None, value_date=day, source="ledger.journal", memo="koreksi")
        elif op < 0.63:
            eff = date(2025, rng.randint(1, 12), rng.choice((1, 15)))
            atomic(settings.set_value, coop.id, "simpanan_wajib_amount", rng.choice((0, 10_000, 20_000, 30_000)),
                   effective_on=eff)
        elif op < 0.7:
            with db.session.begin_nested():
                db.session.get_one(Member, m.id).joined_on = rng.choice(joined)
                db.session.flush()
        elif op < 0.75:
            with db.session.begin_nested():
                db.session.get_one(SavingsProduct, acc.product_id).amount = rng.choice((None, 15_000, 20_000))
                db.session.flush()
        elif op < 0.8:
            with db.session.begin_nested():
                if rng.random() < 0.5:
                    db.session.get_one(SavingsAccount, acc.id).status = rng.choice(("closed", "closed", "active"))
                else:
                    member = db.session.get_one(Member, m.id)
                    member.status = rng.choice(("resigned", "active", "dormant", "applied", "deceased"))
                db.session.flush()
        elif op < 0.83:  # two members swap numbers (the list's second key), through a free one
            other = db.session.get_one(Member, rng.choice([p for p in people if p.id != m.id]).id)
            _swap_seq(coop.id, m.id, other.id)
        else:
            atomic(savings.refresh_arrears, coop.id)
        db.session.expire_all()
        _check(coop.id, rng)
        marks = db.session.scalars(sa.select(SavingsAccount.arrears_stale).where(
            SavingsAccount.cooperative_id == coop.id, SavingsAccount.kind == "wajib")).all()
        mixed += bool(0 in marks and any(marks))
    assert mixed >= 10  # the checks saw stored and stale rows together, not only one kind
