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

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.ledger import chart, reports
from coop.ledger.models import Account
from coop.savings import services as savings

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
