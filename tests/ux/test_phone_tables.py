"""Issue 15 item 6: phone-first tables. The tables treasurers read on phones (member savings, statements,
day book, arrears, general ledger, member and loan lists) are ``table.cards`` with a ``data-label`` on each
value cell (a card per row under 576 px, coop.css); ledgers and statements are newest first and paged (the
general ledger with a keyset cursor); no page is over 200 KB of HTML.

The data: one member with 120 sukarela deposits of Rp 1.000 .. Rp 120.000 (deposit i = i x 1.000), all on
the business date, so the member statement, the day book and the Kas general ledger each hold 120 lines
(plus the pokok and wajib the member paid on joining). Balances checked by hand: the sukarela balance
after all 120 is 1.000 x 120 x 121 / 2 = Rp 7.260.000."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from coop.db import atomic, db, utcnow
from coop.desk import rules as desk_rules
from coop.desk import services as desk
from coop.ledger import chart, periods, reports
from coop.ledger.models import Account
from coop.ledger.services import Line, account_by_code, post_entry
from coop.savings import interest
from coop.savings import services as savings
from coop.yearend.models import ShuDistribution, ShuMemberShare

LIMIT = 200_000
N = 120


@pytest.fixture
def busy(coop, users, make_member, today):
    m = make_member(coop)
    acc = savings.account_for(coop.id, m.id, "sukarela")

    def _post():
        for i in range(1, N + 1):
            savings.deposit(coop.id, acc.id, i * 1_000, actor=users["treasurer"], value_date=today,
                            memo=f"Setoran ke-{i}")
    atomic(_post)
    kas = db.session.scalar(sa.select(Account).where(Account.cooperative_id == coop.id, Account.code == chart.KAS))
    return m, acc, kas


def _rows(html: str) -> int:
    body = re.search(r"(?s)<table class=\"[^\"]*cards[^\"]*\">.*?<tbody>(.*?)</tbody>", html).group(1)
    return body.count("<tr")


def _page(web, url):
    resp = web.get(url)
    assert resp.status_code == 200, url
    html = resp.get_data(as_text=True)
    assert len(html.encode()) < LIMIT, (url, len(html))
    return html


def test_member_statement_is_newest_first_and_paged(busy, users, login):
    """The sukarela statement: page 1 starts with deposit 120 (Rp 120.000, balance Rp 7.260.000), holds
    50 rows, links page 2; the last page (3) ends with the opening balance."""
    m, acc, _ = busy
    web = login(users["treasurer"])
    html = _page(web, f"/members/accounts/{acc.id}/statement")
    assert _rows(html) == 50
    first = re.search(r"(?s)<tbody>\s*<tr>(.*?)</tr>", html).group(1)
    assert "Setoran ke-120" in first and "Rp 120.000" in first and "Rp 7.260.000" in first
    assert f"p{acc.id}=2" in html
    assert 'data-label="Saldo"' in html and 'class="table table-sm statement cards"' in html
    last = _page(web, f"/members/accounts/{acc.id}/statement?p{acc.id}=3")
    assert "Setoran ke-1<" in last and "Saldo awal" in last and "Setoran ke-120" not in last
    assert _page(web, f"/members/{m.id}/statement").count("Saldo awal") <= 3  # one per account, on its last page


def test_day_book_is_newest_first_paged_with_whole_day_totals(busy, users, login, today):
    """The day book: 50 entries a page, newest (Setoran ke-120) first; the day's total in stays the whole
    day's (7.260.000 + what the member paid on joining, if that was today) on every page."""
    web = login(users["treasurer"])
    html = _page(web, f"/cashdesk/daybook?date={today.isoformat()}")
    assert _rows(html) == 50
    assert html.index("Setoran ke-120") < html.index("Setoran ke-119")
    assert "page=2" in html and 'data-label="Masuk"' in html
    closing = re.search(r'id="closing">([^<]+)<', html).group(1)
    page3 = _page(web, f"/cashdesk/daybook?date={today.isoformat()}&page=3")
    assert re.search(r'id="closing">([^<]+)<', page3).group(1) == closing
    assert "Setoran ke-1<" in page3


def test_general_ledger_pages_by_cursor_with_the_right_balances(busy, users, login, coop, today):
    """Kas: page 1 holds the newest 100 lines, closing balance on top; the "older" link carries a cursor;
    following it to the end visits every line exactly once, and each line's balance equals the balance of
    the line below it plus its own debit (Kas is a debit account, these are all deposits)."""
    _, _, kas = busy
    web = login(users["manager"])
    url = f"/ledger/accounts/{kas.id}"
    seen, balances = [], []
    for _ in range(10):
        html = _page(web, url)
        seen += re.findall(r"Setoran ke-(\d+)<", html)
        balances += [int(b.replace(".", "")) for b in
                     re.findall(r'<td class="text-end" data-label="Saldo">Rp ([\d.]+)</td></tr>', html)]
        nxt = re.search(r'<a class="page-link" rel="next" href="([^"]+)"', html)
        if not nxt:
            break
        url = nxt.group(1).replace("&amp;", "&")
    assert [int(s) for s in seen] == list(range(N, 0, -1))
    gl = reports.general_ledger(coop.id, kas.id, today.replace(month=1, day=1), today)
    assert gl["closing"] == balances[0]
    assert len(gl["lines"]) >= N


def test_general_ledger_page_matches_the_full_ledger(busy, coop, today):
    """The keyset pages (per page 7) put together equal the full ledger reversed, balances included."""
    _, _, kas = busy
    start = today.replace(month=1, day=1)
    full = reports.general_ledger(coop.id, kas.id, start, today)["lines"]
    got, cursor = [], None
    while True:
        page = reports.general_ledger_page(coop.id, kas.id, start, today, before=cursor, per_page=7)
        got += page["lines"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert got == full[::-1]


def test_a_bad_cursor_is_the_first_page(busy, users, login):
    """A typed or cut cursor (?before=xyz, a far date, a 40-digit number) shows the newest page, never a
    500."""
    _, _, kas = busy
    web = login(users["manager"])
    first = _page(web, f"/ledger/accounts/{kas.id}")
    for bad in ("xyz", "2026-13-01.1.1", "2026-01-01.1", "2026-01-01." + "9" * 40 + ".1"):
        assert _page(web, f"/ledger/accounts/{kas.id}?before={bad}").count("Setoran ke-120") == \
            first.count("Setoran ke-120")


@pytest.mark.parametrize("url", ["/members/", "/loans/", "/members/arrears"])
def test_lists_are_cards_under_the_size_limit(busy, users, login, url):
    """The member list, loan list and arrears list render as card tables with labelled cells."""
    web = login(users["manager"])
    html = _page(web, url)
    assert re.search(r'<table class="table table-sm[^"]* cards">', html)
    assert "data-label=" in html or "Belum ada" in html or "Tidak ada" in html


def test_member_page_accounts_table_is_cards(busy, users, login):
    """The member page's savings table: cards, the status in words ("Aktif", not "active")."""
    m, _, _ = busy
    html = _page(login(users["manager"]), f"/members/{m.id}")
    assert 'data-label="Saldo">Rp 7.260.000' in html
    assert 'data-label="Status">Aktif<' in html and ">active<" not in html


# ---------------------------------------------------------------------------------------------------
# Issue 15 item 6, the rest: the desk's consultations, the maker-checker queue, SHU per member and the
# PPh bukti potong are paged in SQL with the same pager (coop/paging.py, macros.html) and card tables.
# ---------------------------------------------------------------------------------------------------

def _first_row(html: str) -> str:
    return re.search(r"(?s)<tbody>\s*<tr>(.*?)</tr>", html).group(1)


def test_consultations_are_cards_newest_first_fifty_a_page(coop, users, login, today):
    """60 visitors logged today (Tamu 1 .. Tamu 60, in that order): the heading counts all 60; page 1 holds
    50 cards starting with the last one logged (Tamu 60); page 2 the other 10, Tamu 10 down to Tamu 1."""
    def _log():
        for i in range(1, 61):
            desk.log_consultation(coop.id, held_on=today, topic=desk_rules.CONSULTATION_TOPICS[0], as_of=today,
                                  actor=users["officer"], visitor_name=f"Tamu {i}")
    atomic(_log)
    web = login(users["officer"])
    html = _page(web, "/desk/consultations")
    assert _rows(html) == 50 and ': 60 konsultasi' in html
    assert 'data-label="Nama">Tamu 60<' in _first_row(html) and "Tamu 10<" not in html
    assert re.search(r'href="/desk/consultations\?[^"]*page=2"', html)
    page2 = _page(web, "/desk/consultations?page=2")
    assert _rows(page2) == 10
    assert re.findall(r'data-label="Nama">Tamu (\d+)<', page2) == [str(i) for i in range(10, 0, -1)]


def test_approvals_queue_pages_twenty_five_with_the_total(coop, users, login, today):
    """30 reversal requests (one per manual entry of bank interest, filed in order): the queue says "30 permintaan", page 1
    holds the newest 25 (the 30th request first), page 2 the first 5; nothing is cut off."""
    bank = account_by_code(coop.id, chart.BANK).id
    lain = account_by_code(coop.id, chart.PENDAPATAN_LAIN).id

    def _file():
        ids = []
        for i in range(1, 31):
            entry = post_entry(coop.id, [Line.dr(bank, 1_000), Line.cr(lain, 1_000)], actor=users["treasurer"],
                               memo=f"Bunga bank {i}", value_date=today)
            ids.append(periods.request_reversal(coop.id, entry.id, actor=users["treasurer"],
                                                reason=f"Salah catat {i}").id)
        return ids
    ids = atomic(_file)
    web = login(users["manager"])
    html = _page(web, "/ledger/approvals")
    assert _rows(html) == 25 and 'id="approvals-total">30 permintaan<' in html
    assert re.findall(r'data-label="#">(\d+)<', html) == [str(i) for i in ids[::-1][:25]]
    assert "Salah catat 30<" in html and "Salah catat 5<" not in html
    page2 = _page(web, "/ledger/approvals?page=2")
    assert re.findall(r'data-label="#">(\d+)<', page2) == [str(i) for i in ids[4::-1]]


@pytest.fixture
def crowd(coop, make_member):
    """55 members, numbered in the order they joined."""
    return [make_member(coop) for _ in range(55)]


def test_shu_per_member_is_cards_fifty_a_page_with_whole_year_totals(coop, users, login, crowd):
    """A 2025 distribution as the RAT booked it: member i (in member-number order) gets jasa usaha
    i x 1.000, the first 5 already paid. Page 1: 50 cards, member 1 first; page 2: members 51..55 (the
    first Rp 51.000). The footer is the whole year's 1.000 x 55 x 56 / 2 = Rp 1.540.000 on both pages and
    50 members are still unpaid."""
    members = sorted(crowd, key=lambda m: m.member_number)

    def _book():
        dist = ShuDistribution(cooperative_id=coop.id, year=2025, decided_on=date(2026, 3, 20), surplus=3_080_000,
                               cadangan=1_540_000, jasa_anggota=1_540_000, pengurus=0, karyawan=0, pendidikan=0,
                               sosial=0, jasa_usaha=1_540_000, jasa_modal=0, percentages="cadangan=50;jasa_anggota=50", created_at=utcnow())
        db.session.add(dist)
        db.session.flush()
        for i, m in enumerate(members, start=1):
            db.session.add(ShuMemberShare(
                cooperative_id=coop.id, distribution_id=dist.id, member_id=m.id, base_usaha=i * 10_000,
                jasa_usaha=i * 1_000, total=i * 1_000, paid_via="cash" if i <= 5 else None,
                paid_on=date(2026, 3, 25) if i <= 5 else None))
    atomic(_book)
    web = login(users["manager"])
    html = _page(web, "/reports/shu?year=2025")
    assert 'id="shu-members"' in html and _rows(html) == 50
    assert f'data-label="No. anggota">{members[0].member_number}<' in _first_row(html)
    assert 'id="shu-members-total">1.540.000<' in html and "Belum dibayar: 50" in html
    page2 = _page(web, "/reports/shu?year=2025&page=2")
    assert _rows(page2) == 5
    assert f'data-label="No. anggota">{members[50].member_number}<' in _first_row(page2)
    assert 'data-label="SHU">51.000<' in _first_row(page2)
    assert 'id="shu-members-total">1.540.000<' in page2


def test_pph_slips_fifty_a_page_by_member_number(coop, users, login, crowd, fund):
    """Sukarela at 12 %/yr on the lowest monthly balance; member i saves i x 100.000 on 20 January 2025, so
    February's interest is i x 1.000 (under Rp 240.000: PPh 0). 55 slips: page 1 the first 50 by member
    number, page 2 slips 51..55, the first BP/2025/02/<member 51> for Rp 51.000."""
    p = savings.default_product(coop.id, "sukarela")
    p.interest_method, p.interest_rate = "lowest_monthly_balance", Decimal("12")
    db.session.flush()
    members = sorted(crowd, key=lambda m: m.member_number)
    for i, m in enumerate(members, start=1):
        fund(m, "sukarela", i * 100_000, date(2025, 1, 20))
    atomic(interest.post_monthly_interest, coop.id, date(2025, 2, 28))
    web = login(users["manager"])
    html = _page(web, "/reports/pph/slips?month=2025-02")
    assert html.count('class="border p-3 mb-3 bukti-potong"') == 50 and 'id="slips-total">55 bukti potong<' in html
    assert f"BP/2025/02/{members[49].member_number}<" in html and members[50].member_number not in html
    page2 = _page(web, "/reports/pph/slips?month=2025-02&page=2")
    assert page2.count('class="border p-3 mb-3 bukti-potong"') == 5
    first = page2.index(f"BP/2025/02/{members[50].member_number}<")
    assert page2.index("Rp 51.000", first) < page2.index(f"BP/2025/02/{members[51].member_number}<")
    assert f"BP/2025/02/{members[54].member_number}<" in page2 and "Rp 55.000" in page2
