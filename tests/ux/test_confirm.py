"""Issue 15, item 1: every money-moving form asks first. The first submit shows the amount, the amount in
words, the account and the balance after; only "Konfirmasi" posts, under the form's one-time nonce, so a
confirmation pressed twice posts once; "Ubah" goes back with the values kept; amounts far above what is due
warn (wajib above arrears + 12 months) or offer the payoff ("Lunasi sekarang").

Numbers checked by hand: a Rp 9.000.000 loan over 12 months, flat 1 %/month, pays 750.000 principal +
90.000 interest = 840.000 a month (payoff on its first due day 9.000.000 + 90.000 = 9.090.000); wajib is
Rp 20.000 a month (the default setting)."""
from __future__ import annotations

import html as htmllib
import re

import pytest
import sqlalchemy as sa

from coop.db import db
from coop.formatting import terbilang
from coop.ledger.models import JournalEntry
from coop.loans.models import Loan, LoanRepayment
from coop.savings import services as savings
from tests.ledger.test_cash_floor import _kas, approved_loan  # noqa: F401 - fixture
from tests.membership.test_web import _csrf_free_form
from tests.ux.test_pages import due_loan  # noqa: F401 - fixture


def _entries(coop_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)
                             .where(JournalEntry.cooperative_id == coop_id))


def _confirm_form(html: str) -> dict[str, str]:
    """The hidden fields of the confirmation page's form (what "Konfirmasi" sends back)."""
    block = re.search(r'<form[^>]*id="confirm-form".*?</form>', html, re.S)
    assert block, html[:3000]
    return {k: htmllib.unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                                         block.group(0))}


def _text(html: str, element_id: str) -> str:
    m = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert m, element_id
    return htmllib.unescape(m.group(1)).strip()


@pytest.mark.parametrize("amount, words", [
    (0, "nol rupiah"),
    (11, "sebelas rupiah"),
    (250_000, "dua ratus lima puluh ribu rupiah"),
    (1_000_000, "satu juta rupiah"),
    (1_001_000, "satu juta seribu rupiah"),
    (1_234_567_890, "satu miliar dua ratus tiga puluh empat juta lima ratus enam puluh tujuh ribu delapan ratus "
                    "sembilan puluh rupiah"),
])
def test_terbilang_says_the_amount_as_a_kuitansi_does(amount, words):
    """Is each amount spelled as written by hand on a kuitansi (seribu inside larger numbers, "rupiah" added)?"""
    assert terbilang(amount) == words


def test_deposit_shows_the_confirmation_then_posts_once_on_a_double_confirm(coop, users, login, make_member,
                                                                            fund):
    """Rp 250.000 into a sukarela of Rp 100.000: does the first submit post nothing and show the amount, its
    words, the account and 100.000 -> 350.000; and does "Konfirmasi" sent twice post one entry?"""
    m = make_member(coop)
    fund(m, "sukarela", 100_000)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    web = login(users["treasurer"])
    form = _csrf_free_form(web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True), f"deposit-{acc.id}")
    form[f"deposit-{acc.id}-amount"] = "250rb"
    before = _entries(coop.id)
    page = web.post(f"/cashdesk/members/{m.id}/transactions", data=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and _entries(coop.id) == before
    assert _text(html, "confirm-amount") == "Rp 250.000"
    assert _text(html, "confirm-words") == "dua ratus lima puluh ribu rupiah"
    assert _text(html, "confirm-account").endswith(acc.account_number)
    assert (_text(html, "confirm-balance-before"), _text(html, "confirm-balance-after")) == ("Rp 100.000",
                                                                                            "Rp 350.000")
    hidden = _confirm_form(html)
    assert hidden[f"deposit-{acc.id}-nonce"] == form[f"deposit-{acc.id}-nonce"]  # the key survives the trip
    first = web.post(f"/cashdesk/members/{m.id}/transactions", data=hidden | {"confirm": "1"})
    again = web.post(f"/cashdesk/members/{m.id}/transactions", data=hidden | {"confirm": "1"})
    assert first.status_code == again.status_code == 302 and first.location == again.location
    assert _entries(coop.id) == before + 1
    db.session.expire_all()
    assert savings.get_account(coop.id, acc.id).balance == 350_000


def test_change_goes_back_to_the_member_page_with_the_amount_kept(coop, users, login, make_member):
    """"Ubah" on the confirmation of Rp 75.000: is the member page back with 75.000 in that form and nothing
    posted?"""
    m = make_member(coop)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    web = login(users["treasurer"])
    form = _csrf_free_form(web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True), f"deposit-{acc.id}")
    form[f"deposit-{acc.id}-amount"] = "75.000"
    before = _entries(coop.id)
    hidden = _confirm_form(web.post(f"/cashdesk/members/{m.id}/transactions", data=form).get_data(as_text=True))
    back = web.post(f"/cashdesk/members/{m.id}/transactions", data=hidden | {"edit": "1"})
    html = back.get_data(as_text=True)
    assert back.status_code == 200 and 'id="confirm-form"' not in html
    tag = re.search(rf'<input[^>]*id="deposit-{acc.id}-amount"[^>]*>', html).group(0)
    assert 'value="75.000"' in tag
    assert _entries(coop.id) == before


def test_withdrawal_confirmation_shows_the_balance_going_down(coop, users, login, make_member, fund):
    """Rp 30.000 out of Rp 100.000: "Penarikan", balance 100.000 -> 70.000; over the balance it is refused at
    once (409), before any confirmation."""
    m = make_member(coop)
    fund(m, "sukarela", 100_000)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    web = login(users["treasurer"])
    form = _csrf_free_form(web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True), f"withdraw-{acc.id}")
    html = web.post(f"/cashdesk/members/{m.id}/transactions",
                    data=form | {f"withdraw-{acc.id}-amount": "30.000"}).get_data(as_text=True)
    assert "Penarikan simpanan" in html and _text(html, "confirm-balance-after") == "Rp 70.000"
    assert _text(html, "confirm-words") == "tiga puluh ribu rupiah"
    refused = web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {f"withdraw-{acc.id}-amount": "150.000"})
    assert refused.status_code == 409 and 'id="confirm-form"' not in refused.get_data(as_text=True)


def test_wajib_far_above_arrears_plus_twelve_months_warns(coop, users, login, make_member, today):
    """A member who joined this month owes 20.000 of wajib; the warning limit is 20.000 + 12 x 20.000 =
    260.000: 260.000 confirms without a warning, 2.600.000 (a zero too many) warns naming both figures and
    can still be confirmed."""
    m = make_member(coop, joined_on=today.replace(day=1))
    acc = savings.account_for(coop.id, m.id, "wajib")
    web = login(users["treasurer"])
    form = _csrf_free_form(web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True), f"wajib-{acc.id}")
    ok = web.post(f"/cashdesk/members/{m.id}/transactions",
                  data=form | {f"wajib-{acc.id}-amount": "260.000"}).get_data(as_text=True)
    assert "confirm-warning" not in ok and 'name="confirm"' in ok
    far = web.post(f"/cashdesk/members/{m.id}/transactions",
                   data=form | {f"wajib-{acc.id}-amount": "2.600.000"}).get_data(as_text=True)
    warning = re.search(r'class="alert alert-warning confirm-warning".*?</div>', far, re.S).group(0)
    assert "Rp 2.600.000" in warning and "Rp 20.000" in warning and "Rp 260.000" in warning
    assert 'name="confirm"' in far


def test_loan_repayment_confirmation_shows_the_split_and_posts_once(coop, users, login, due_loan):  # noqa: F811
    """840.000 due today: the page shows "delapan ratus empat puluh ribu rupiah", pokok 750.000, jasa 90.000,
    principal 9.000.000 -> 8.250.000; a double "Konfirmasi" records one repayment."""
    _, loan = due_loan
    web = login(users["treasurer"])
    show = web.get(f"/loans/{loan.id}").get_data(as_text=True)
    nonce = re.search(r'<form method="post" action="/loans/\d+/repay">.*?name="nonce"[^>]*value="([0-9a-f]{32})"',
                      show, re.S).group(1)
    data = {"amount": "840.000", "paid_on": loan.first_due_date.isoformat(), "channel": "cash", "nonce": nonce}
    html = web.post(f"/loans/{loan.id}/repay", data=data).get_data(as_text=True)
    assert _text(html, "confirm-words") == "delapan ratus empat puluh ribu rupiah"
    assert _text(html, "confirm-account") == f"Pinjaman {loan.number}"
    rows = [htmllib.unescape(r) for r in re.findall(r'class="col-7 confirm-row">([^<]*)<', html)]
    assert "Rp 750.000" in rows and "Rp 90.000" in rows
    assert (_text(html, "confirm-balance-before"), _text(html, "confirm-balance-after")) == ("Rp 9.000.000",
                                                                                            "Rp 8.250.000")
    hidden = _confirm_form(html)
    assert hidden["nonce"] == nonce
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoanRepayment)
                             .where(LoanRepayment.loan_id == loan.id)) == 0
    first = web.post(f"/loans/{loan.id}/repay", data=hidden | {"confirm": "1"})
    again = web.post(f"/loans/{loan.id}/repay", data=hidden | {"confirm": "1"})
    assert first.status_code == again.status_code == 302 and first.location == again.location
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoanRepayment)
                             .where(LoanRepayment.loan_id == loan.id)) == 1


def test_payoff_confirmation_names_the_total_and_closes_once(coop, users, login, due_loan):  # noqa: F811
    """"Lunasi sekarang" on the first due day: 9.090.000 ("sembilan juta sembilan puluh ribu rupiah"),
    principal 9.000.000 -> 0; confirmed twice: one payoff, the loan closed, the same receipt."""
    _, loan = due_loan
    web = login(users["treasurer"])
    html = web.post(f"/loans/{loan.id}/payoff", data={"paid_on": loan.first_due_date.isoformat(),
                                                     "nonce": "a" * 32}).get_data(as_text=True)
    assert _text(html, "confirm-amount") == "Rp 9.090.000"
    assert _text(html, "confirm-words") == "sembilan juta sembilan puluh ribu rupiah"
    assert (_text(html, "confirm-balance-before"), _text(html, "confirm-balance-after")) == ("Rp 9.000.000", "Rp 0")
    hidden = _confirm_form(html)
    first = web.post(f"/loans/{loan.id}/payoff", data=hidden | {"confirm": "1"})
    again = web.post(f"/loans/{loan.id}/payoff", data=hidden | {"confirm": "1"})
    assert first.status_code == again.status_code == 302 and first.location == again.location
    assert "/receipt" in first.location
    db.session.expire_all()
    assert db.session.get(Loan, loan.id).status == "closed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoanRepayment)
                             .where(LoanRepayment.loan_id == loan.id)) == 1


def test_disbursement_confirmation_and_the_cash_it_needs(coop, login, approved_loan):  # noqa: F811
    """Rp 1.000.000 (no fee) from a box of Rp 100.000: in cash it is refused before any confirmation; to
    sukarela the page shows "satu juta rupiah" and sukarela 0 -> 1.000.000; confirmed twice, one entry."""
    m, loan, staff = approved_loan
    web = login(staff["treasurer"])
    data = {"disbursed_on": "2026-01-06", "first_due_date": "2026-02-06", "mode": "cash", "nonce": "b" * 32}
    cash = web.post(f"/loans/{loan.id}/disburse", data=data)
    assert cash.status_code == 302
    assert "Kas tidak mencukupi" in web.get(cash.location).get_data(as_text=True)
    html = web.post(f"/loans/{loan.id}/disburse", data=data | {"mode": "savings"}).get_data(as_text=True)
    assert _text(html, "confirm-words") == "satu juta rupiah"
    assert (_text(html, "confirm-balance-before"), _text(html, "confirm-balance-after")) == ("Rp 0", "Rp 1.000.000")
    before = _entries(coop.id)
    hidden = _confirm_form(html)
    for _ in range(2):
        resp = web.post(f"/loans/{loan.id}/disburse", data=hidden | {"confirm": "1"})
        assert resp.status_code == 302 and "disbursement-receipt" in resp.location
    assert _entries(coop.id) == before + 1
    assert savings.account_for(coop.id, m.id, "sukarela").balance == 1_000_000 and _kas(coop) == 100_000
