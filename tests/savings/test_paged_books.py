"""The day book, the savings statement and the API's transactions read one page in SQL (issue 17): the same
figures as the whole book read and paged in Python, and member search by number and NIK from the indexes."""
from __future__ import annotations

from datetime import date

from coop.db import atomic
from coop.membership import services as members
from coop.savings import cash
from coop.savings import services as savings

D = date(2025, 1, 3)


def _day(coop, make_member, fund):
    """Pokok Rp 100.000 on 2 Jan (the opening of 3 Jan); on 3 Jan 30.000 in, 5.000 out, 10.000 in; 7.000 in on
    6 Jan (after the day: not in its closing)."""
    m = make_member(coop)
    fund(m, "sukarela", 30_000, D)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    atomic(savings.withdraw, coop.id, acc.id, 5_000, actor=None, value_date=D)
    fund(m, "sukarela", 10_000, D)
    fund(m, "sukarela", 7_000, date(2025, 1, 6))
    return m, acc


def test_day_book_page_two_a_page_newest_first_with_the_whole_days_totals(coop, make_member, fund):
    """Two entries a page: page 1 is 10.000 in (Kas 135.000 after it) and 5.000 out (125.000); page 2 is
    30.000 in (130.000) over the opening 100.000; every page carries the day's 40.000 in, 5.000 out and the
    closing 135.000 (the 7.000 of 6 Jan is not in it)."""
    _day(coop, make_member, fund)
    book, page = cash.day_book_page(coop.id, D, 1, per_page=2)
    assert [(d, c, bal) for _, d, c, bal in page.items] == [(10_000, 0, 135_000), (0, 5_000, 125_000)]
    assert (book.opening, book.total_in, book.total_out, book.closing) == (100_000, 40_000, 5_000, 135_000)
    assert (page.total, page.pages, page.has_next) == (3, 2, True)
    book2, page2 = cash.day_book_page(coop.id, D, 2, per_page=2)
    assert [(d, c, bal) for _, d, c, bal in page2.items] == [(30_000, 0, 130_000)]
    assert (book2.opening, book2.closing, page2.has_next) == (100_000, 135_000, False)
    whole = cash.day_book(coop.id, D)
    assert [(e.id, d, c, bal) for e, d, c, bal in whole.rows[::-1]] == [
        (e.id, d, c, bal) for e, d, c, bal in page.items + page2.items]
    # a page past the end shows the last one; a day without cash shows the balance carried
    assert cash.day_book_page(coop.id, D, 99, per_page=2)[1].page == 2
    quiet, none = cash.day_book_page(coop.id, date(2025, 1, 4))
    assert (quiet.opening, quiet.closing, none.items, none.total) == (135_000, 135_000, [], 0)
    assert cash.cash_balance_as_of(coop.id, date(2025, 1, 6)) == 142_000


def test_statement_page_matches_the_whole_statement(coop, make_member, fund):
    """Sukarela: 30.000, -5.000, 10.000 on 3 Jan and 7.000 on 6 Jan; two a page, newest first: 7.000 (42.000),
    10.000 (35.000) | -5.000 (25.000), 30.000 (30.000), opening 0; from 4 Jan: one row, opening 35.000; up to
    3 Jan: the closing 35.000 on top."""
    _, acc = _day(coop, make_member, fund)
    whole_acc, opening, rows = savings.statement(coop.id, acc.id)
    pages = [savings.statement_page(coop.id, acc.id, page=n, per_page=2) for n in (1, 2)]
    assert [(r.deposit, r.withdrawal, r.balance) for _, _, p in pages for r in p.items] == [
        (7_000, 0, 42_000), (10_000, 0, 35_000), (0, 5_000, 25_000), (30_000, 0, 30_000)]
    assert [r for _, _, p in pages for r in p.items] == rows[::-1]
    assert pages[0][1] == opening == 0 and pages[0][0] is whole_acc
    _, opening_from, later = savings.statement_page(coop.id, acc.id, date(2025, 1, 4))
    assert (opening_from, [r.balance for r in later.items]) == (35_000, [42_000])
    _, _, upto = savings.statement_page(coop.id, acc.id, None, D)
    assert [r.balance for r in upto.items] == [35_000, 25_000, 30_000]
    assert savings.statement(coop.id, acc.id, None, D)[2][::-1] == upto.items


def test_transactions_cursor_pages_oldest_first_with_running_balances(coop, make_member, fund):
    """The API's pages of two: 30.000 (30.000), -5.000 (25.000) | 10.000 (35.000), 7.000 (42.000) | nothing;
    an unknown cursor gives an empty page."""
    _, acc = _day(coop, make_member, fund)
    _, opening, first, more = savings.statement_after(coop.id, acc.id, None, None, None, 2)
    assert (opening, more, [(r.deposit - r.withdrawal, r.balance) for r in first]) == (
        0, True, [(30_000, 30_000), (-5_000, 25_000)])
    _, _, second, more2 = savings.statement_after(coop.id, acc.id, None, None, first[-1].transaction_id, 2)
    assert (more2, [(r.deposit - r.withdrawal, r.balance) for r in second]) == (
        False, [(10_000, 35_000), (7_000, 42_000)])
    assert first + second == savings.statement(coop.id, acc.id)[2]
    assert savings.statement_after(coop.id, acc.id, None, None, 10**12, 2)[2:] == ([], False)
    _, opening_from, rows, _ = savings.statement_after(coop.id, acc.id, date(2025, 1, 4), None, None, 10)
    assert (opening_from, [r.balance for r in rows]) == (35_000, [42_000])


def test_search_by_member_number_prefix_sequence_and_nik_prefix(coop, make_member, make_resident):
    """Member numbers end in the sequence (…-000001, …-000002): the whole number finds one member, its start
    without the last digit finds both; the digits "2" find member 2 by its sequence; a whole NIK
    finds its member (a NIK's first six digits, the kecamatan, both); a number of another shape finds nobody."""
    one = make_member(coop, resident=make_resident(coop, full_name="Sri Wahyuni"))
    two = make_member(coop, resident=make_resident(coop, full_name="Agus Salim"))
    assert members.search(coop.id, one.member_number) == [one]
    assert members.search(coop.id, one.member_number.lower()) == [one]
    assert members.search(coop.id, one.member_number[:-1]) == [two, one]  # by name: Agus, Sri
    assert members.search(coop.id, "2") == [two]
    assert members.search(coop.id, two.resident.nik) == [two]
    assert members.search(coop.id, two.resident.nik[:6]) == [two, one]
    assert members.search(coop.id, "ZZ-000001") == []


def test_arrears_skip_members_whose_wajib_covers_the_past_months_and_page_the_rest(coop, make_member, fund):
    """Joined 2 Jan 2025 at Rp 20.000 a month; on 10 June the months before June owe Rp 100.000. Paid 100.000:
    not listed; paid 50.000: Mar-May, 50.000; paid 0: Jan-May, 100.000 (listed first: most months). One a
    page: page 2 is the 50.000 member; the count and the total (150.000) are the whole list's."""
    on = date(2025, 6, 10)
    paid_up, half, nothing = make_member(coop), make_member(coop), make_member(coop)
    fund(paid_up, "wajib", 100_000, date(2025, 2, 1))
    fund(half, "wajib", 50_000, date(2025, 2, 1))
    rows = savings.arrears_list(coop.id, on)
    assert [(r["member"], r["months"], r["amount"], r["oldest"]) for r in rows] == [
        (nothing, 5, 100_000, date(2025, 1, 1)), (half, 3, 50_000, date(2025, 3, 1))]
    assert rows[0]["account"] == savings.account_for(coop.id, nothing.id, "wajib")
    assert savings.arrears_summary(coop.id, on) == (2, 150_000)
    page, total = savings.arrears_page(coop.id, on, 2, per_page=1)
    assert ([tuple(r["member"]) for r in page.items], page.total, page.pages, total) == (
        [(half.id, half.member_number, half.full_name)], 2, 2, 150_000)
