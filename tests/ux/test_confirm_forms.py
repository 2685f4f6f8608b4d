"""Issue 15, item 1, the last four money forms: opening a simpanan berjangka, a recovery on a written-off
loan, the manual journal entry and a registration with the simpanan pokok paid now. Each first submit
posts nothing and shows the confirmation (amount, words, account, balances); "Konfirmasi" sent twice with
the same nonce posts once; "Ubah" brings the form back with the values typed; bad input is told on the
form without a confirmation. The confirmation page is the shared ``confirm.html`` of the other forms.

Numbers checked by hand: the default berjangka product is 12 months at 6 % a year; the default simpanan
pokok is Rp 100.000; the loan is Rp 9.000.000 written off whole (nothing repaid)."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from coop import settings as coop_settings
from coop.db import atomic, db
from coop.formatting import tanggal
from coop.ledger import chart
from coop.ledger.services import account_by_code
from coop.loans import services as loans
from coop.loans.models import LoanRecovery
from coop.loans.schedule import add_months
from coop.membership import services as members
from coop.membership.models import Member
from coop.savings import services as savings
from tests.fixtures_ledger import top_up_cash
from tests.membership.test_web import _csrf_free_form
from tests.ux.test_confirm import _confirm_form, _entries, _text


def _rows(html: str) -> list[str]:
    """The texts of the confirmation page's extra rows (label order)."""
    return [re.sub(r"\s+", " ", r).strip() for r in re.findall(r'class="col-7 confirm-row">([^<]*)<', html)]


def _tag(html: str, element_id: str) -> str:
    m = re.search(rf'<input[^>]*id="{element_id}"[^>]*>', html)
    assert m, element_id
    return m.group(0)


# --- simpanan berjangka ------------------------------------------------------------------------------------

@pytest.fixture
def saver(coop, make_member, fund):
    """A member with Rp 7.000.000 in sukarela, and the default berjangka product (12 months, 6 %)."""
    m = make_member(coop)
    fund(m, "sukarela", 7_000_000)
    return m, savings.default_product(coop.id, "berjangka")


def _berjangka_form(web, m, product, amount: str, from_sukarela: bool) -> dict:
    form = _csrf_free_form(web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True), "bj")
    assert re.fullmatch(r"[0-9a-f]{32}", form["bj-nonce"])
    form.pop("bj-from_sukarela", None)  # the checkbox's value, sent only when ticked
    form |= {"bj-product_id": str(product.id), "bj-amount": amount}
    if from_sukarela:
        form["bj-from_sukarela"] = "y"
    return form


def test_berjangka_from_sukarela_confirms_then_opens_once(coop, users, login, saver, today):
    """Rp 5.000.000 moved from a sukarela of 7.000.000: the first submit posts nothing and shows "lima juta
    rupiah", the source, 12 months, 6 % and maturity 12 months on, sukarela 7.000.000 -> 2.000.000 and the
    new berjangka 0 -> 5.000.000; "Konfirmasi" twice opens ONE account with one entry (same receipt)."""
    m, product = saver
    web = login(users["treasurer"])
    form = _berjangka_form(web, m, product, "5.000.000", from_sukarela=True)
    before = _entries(coop.id)
    page = web.post(f"/cashdesk/members/{m.id}/berjangka", data=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and _entries(coop.id) == before
    sukarela = savings.account_for(coop.id, m.id, "sukarela")
    assert _text(html, "confirm-amount") == "Rp 5.000.000"
    assert _text(html, "confirm-words") == "lima juta rupiah"
    assert product.name in _text(html, "confirm-account")
    assert (_text(html, "confirm-balance-before"), _text(html, "confirm-balance-after")) == ("Rp 0", "Rp 5.000.000")
    rows = _rows(html)
    assert f"Dipindahkan dari Simpanan Sukarela {sukarela.account_number}" in rows
    assert "12 bulan" in rows and "6 % / tahun" in rows
    assert tanggal(add_months(today, 12)) in rows
    assert "Rp 7.000.000 \u2192 Rp 2.000.000" in rows
    hidden = _confirm_form(html)
    assert hidden["bj-nonce"] == form["bj-nonce"]  # the key survives the round trip
    first = web.post(f"/cashdesk/members/{m.id}/berjangka", data=hidden | {"confirm": "1"})
    again = web.post(f"/cashdesk/members/{m.id}/berjangka", data=hidden | {"confirm": "1"})
    assert first.status_code == again.status_code == 302 and first.location == again.location
    assert "/cashdesk/receipts/" in first.location
    assert _entries(coop.id) == before + 1
    db.session.expire_all()
    opened = [a for a in savings.accounts_of(coop.id, m.id) if a.kind == "berjangka"]
    assert [a.balance for a in opened] == [5_000_000]
    assert savings.account_for(coop.id, m.id, "sukarela").balance == 2_000_000


def test_berjangka_in_cash_names_cash_and_change_keeps_the_values(coop, users, login, saver):
    """In cash, Rp 2.500.000: the source reads "Tunai" (no sukarela row); "Ubah" shows the member page with
    the berjangka form open and 2.500.000 typed; nothing is posted."""
    m, product = saver
    web = login(users["treasurer"])
    form = _berjangka_form(web, m, product, "2.500.000", from_sukarela=False)
    before = _entries(coop.id)
    html = web.post(f"/cashdesk/members/{m.id}/berjangka", data=form).get_data(as_text=True)
    assert _text(html, "confirm-words") == "dua juta lima ratus ribu rupiah"
    assert "Tunai" in _rows(html) and not any("\u2192" in r for r in _rows(html))
    back = web.post(f"/cashdesk/members/{m.id}/berjangka", data=_confirm_form(html) | {"edit": "1"})
    page = back.get_data(as_text=True)
    assert back.status_code == 200 and 'id="confirm-form"' not in page
    assert 'value="2.500.000"' in _tag(page, "bj-amount")
    assert re.search(r'<details class="mb-3" id="berjangka" open>', page)
    assert _entries(coop.id) == before


def test_berjangka_bad_input_is_told_without_a_confirmation(coop, users, login, saver):
    """No amount: "Data simpanan berjangka belum lengkap."; Rp 8.000.000 from a sukarela of 7.000.000: the
    floor message; neither shows a confirmation nor posts."""
    m, product = saver
    web = login(users["treasurer"])
    before = _entries(coop.id)
    empty = web.post(f"/cashdesk/members/{m.id}/berjangka", data=_berjangka_form(web, m, product, "", True))
    assert empty.status_code == 302
    assert "Data simpanan berjangka belum lengkap." in web.get(empty.location).get_data(as_text=True)
    over = web.post(f"/cashdesk/members/{m.id}/berjangka", data=_berjangka_form(web, m, product, "8.000.000", True))
    assert over.status_code == 302
    assert "Rp 7.000.000" in web.get(over.location).get_data(as_text=True)
    assert _entries(coop.id) == before


# --- recovery of a written-off loan ------------------------------------------------------------------------

@pytest.fixture
def written_off(coop, make_member, make_loan, loan_staff, today):
    """A Rp 9.000.000 loan written off today whole (nothing repaid), Rp 500.000 recovered already."""
    atomic(coop_settings.set_value, coop.id, "write_off_min_class", "lancar", effective_on=date(2000, 1, 1))
    staff = loan_staff(coop)
    start = add_months(today, -2)
    loan = make_loan(coop, make_member(coop), applied_on=start, disbursed_on=start,
                     first_due_date=add_months(today, -1))
    atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Macet")
    atomic(loans.approve_write_off, coop.id, loan.id, actor=staff["manager2"], on=today)
    atomic(loans.record_recovery, coop.id, loan.id, 500_000, actor=staff["treasurer"], received_on=today)
    return loan, staff


def _recoveries(loan) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoanRecovery).where(LoanRecovery.loan_id == loan.id))


def _recovery_form(web, loan, amount: str, today) -> dict:
    show = web.get(f"/loans/{loan.id}").get_data(as_text=True)
    nonce = re.search(r'<form method="post" action="/loans/\d+/recovery">.*?name="nonce"[^>]*value="([0-9a-f]{32})"',
                      show, re.S).group(1)
    return {"amount": amount, "received_on": today.isoformat(), "nonce": nonce}


def test_recovery_confirms_then_posts_once(coop, login, written_off, today):
    """Rp 250.000 received: the page shows "dua ratus lima puluh ribu rupiah", the loan, the 9.000.000
    written off and recovered 500.000 -> 750.000, nothing posted; "Konfirmasi" twice: one recovery."""
    loan, staff = written_off
    web = login(staff["treasurer"])
    data = _recovery_form(web, loan, "250.000", today)
    before = _entries(coop.id)
    html = web.post(f"/loans/{loan.id}/recovery", data=data).get_data(as_text=True)
    assert _entries(coop.id) == before and _recoveries(loan) == 1
    assert _text(html, "confirm-amount") == "Rp 250.000"
    assert _text(html, "confirm-words") == "dua ratus lima puluh ribu rupiah"
    assert _text(html, "confirm-account") == f"Pinjaman {loan.number}"
    assert "Rp 9.000.000" in _rows(html)
    assert (_text(html, "confirm-balance-before"), _text(html, "confirm-balance-after")) == ("Rp 500.000",
                                                                                            "Rp 750.000")
    hidden = _confirm_form(html)
    assert hidden["nonce"] == data["nonce"]
    for _ in range(2):
        resp = web.post(f"/loans/{loan.id}/recovery", data=hidden | {"confirm": "1"})
        assert resp.status_code == 302 and resp.location.endswith(f"/loans/{loan.id}")
    assert _entries(coop.id) == before + 1 and _recoveries(loan) == 2
    assert loans.recovered_total(loan) == 750_000


def test_recovery_change_keeps_the_amount_and_bad_input_has_no_confirmation(coop, login, written_off, today):
    """"Ubah" brings the loan page back with 250.000 in the recovery form; no amount, or a day before the
    write-off, is told on the loan page without a confirmation; nothing is posted."""
    loan, staff = written_off
    web = login(staff["treasurer"])
    data = _recovery_form(web, loan, "250.000", today)
    before = _entries(coop.id)
    html = web.post(f"/loans/{loan.id}/recovery", data=data).get_data(as_text=True)
    back = web.post(f"/loans/{loan.id}/recovery", data=_confirm_form(html) | {"edit": "1"}).get_data(as_text=True)
    block = re.search(r'<form method="post" action="/loans/\d+/recovery">.*?</form>', back, re.S).group(0)
    assert 'id="confirm-form"' not in back and 'value="250.000"' in block
    empty = web.post(f"/loans/{loan.id}/recovery", data=data | {"amount": ""})
    assert empty.status_code == 302 and 'id="confirm-form"' not in empty.get_data(as_text=True)
    early = web.post(f"/loans/{loan.id}/recovery", data=data | {"received_on": add_months(today, -1).isoformat()})
    assert early.status_code == 302
    assert "sebelum tanggal hapus buku" in web.get(early.location).get_data(as_text=True)
    assert _entries(coop.id) == before and _recoveries(loan) == 1


# --- manual journal entry ----------------------------------------------------------------------------------

@pytest.fixture
def cash_box(coop, today):
    """Kas holding Rp 100.000 (a fresh cooperative has nothing else); (Kas id, 5201 Beban id)."""
    atomic(top_up_cash, coop.id, 100_000, today)
    return account_by_code(coop.id, chart.KAS).id, account_by_code(coop.id, "5201").id


def _journal(web, kas: int, beban: int, today, amount: str = "25.000") -> dict:
    page = web.get("/ledger/entries/new").get_data(as_text=True)
    nonce = re.search(r'name="nonce" type="hidden" value="([0-9a-f]{32})"|value="([0-9a-f]{32})"[^>]*name="nonce"',
                      page)
    assert nonce, "the journal form carries a one-time nonce"
    return {"value_date": today.isoformat(), "memo": "Beli ATK", "nonce": nonce.group(1) or nonce.group(2),
            "lines-0-account_id": str(beban), "lines-0-debit": amount, "lines-0-memo": "kertas",
            "lines-1-account_id": str(kas), "lines-1-credit": amount}


def test_journal_confirms_the_lines_with_balances_then_posts_once(coop, users, login, cash_box, today):
    """Dr 5201 25.000 / Cr Kas 25.000 with Kas at 100.000: the page lists both lines, 5201 0 -> 25.000 and
    Kas 100.000 -> 75.000, totals 25.000 / 25.000, "dua puluh lima ribu rupiah"; nothing posted until
    "Konfirmasi", which sent twice posts one entry and shows it."""
    kas, beban = cash_box
    web = login(users["treasurer"])
    data = _journal(web, kas, beban, today)
    before = _entries(coop.id)
    html = web.post("/ledger/entries/new", data=data).get_data(as_text=True)
    assert _entries(coop.id) == before
    assert _text(html, "confirm-amount") == "Rp 25.000"
    assert _text(html, "confirm-words") == "dua puluh lima ribu rupiah"
    lines = [re.sub(r"<[^>]+>|\s+", " ", ln).split() for ln in
             re.findall(r'<tr class="confirm-line">(.*?)</tr>', html, re.S)]
    assert lines[0][0] == "5201" and "kertas" in lines[0] and lines[0][-5:] == ["Rp", "0", "&rarr;", "Rp", "25.000"]
    assert lines[1][:2] == ["1101", "Kas"] and lines[1][-5:] == ["Rp", "100.000", "&rarr;", "Rp", "75.000"]
    assert (_text(html, "confirm-total-debit"), _text(html, "confirm-total-credit")) == ("Rp 25.000", "Rp 25.000")
    hidden = _confirm_form(html)
    assert hidden["nonce"] == data["nonce"] and hidden["lines-0-debit"] == "25.000"
    first = web.post("/ledger/entries/new", data=hidden | {"confirm": "1"})
    again = web.post("/ledger/entries/new", data=hidden | {"confirm": "1"})
    assert first.status_code == again.status_code == 302 and first.location == again.location
    assert "/ledger/entries/" in first.location
    assert _entries(coop.id) == before + 1
    db.session.expire_all()
    assert account_by_code(coop.id, chart.KAS).natural_balance() == 75_000


def test_journal_change_keeps_the_lines_and_bad_input_has_no_confirmation(coop, users, login, cash_box, today):
    """"Ubah" brings the form back with the memo and 25.000 on line 1; paying 200.000 out of a Kas of
    100.000 is refused on the form (Kas short) without a confirmation; nothing is posted."""
    kas, beban = cash_box
    web = login(users["treasurer"])
    data = _journal(web, kas, beban, today)
    before = _entries(coop.id)
    html = web.post("/ledger/entries/new", data=data).get_data(as_text=True)
    back = web.post("/ledger/entries/new", data=_confirm_form(html) | {"edit": "1"})
    page = back.get_data(as_text=True)
    assert back.status_code == 200 and 'id="confirm-form"' not in page
    assert 'value="25.000"' in _tag(page, "lines-0-debit") and "Beli ATK</textarea>" in page
    short = web.post("/ledger/entries/new", data=_journal(web, kas, beban, today, "200.000")).get_data(as_text=True)
    assert 'id="confirm-form"' not in short and "Kas tidak mencukupi" in short
    assert _entries(coop.id) == before


# --- registration with the simpanan pokok paid now ---------------------------------------------------------

def _members(coop_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Member).where(Member.cooperative_id == coop_id))


def _register(web, resident, today) -> dict:
    page = web.get("/members/new").get_data(as_text=True)
    nonce = re.search(r'id="nonce" name="nonce" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    return {"nik": resident.nik, "joined_on": today.isoformat(), "member_type": "biasa", "pay_pokok": "y",
            "nonce": nonce}


def test_registration_with_pokok_confirms_then_registers_once(coop, users, login, make_resident, seed_savings,
                                                              today):
    """Registering Dewi with the pokok paid now: the page shows Rp 100.000, "seratus ribu rupiah", her name
    and pokok 0 -> 100.000 before anyone is written; "Konfirmasi" twice: one member (active), one entry, the
    same receipt."""
    seed_savings(coop)
    r = make_resident(coop, full_name="Dewi Lestari")
    web = login(users["treasurer"])
    data = _register(web, r, today)
    before, people = _entries(coop.id), _members(coop.id)
    html = web.post("/members/new", data=data).get_data(as_text=True)
    assert (_entries(coop.id), _members(coop.id)) == (before, people)
    assert _text(html, "confirm-amount") == "Rp 100.000"
    assert _text(html, "confirm-words") == "seratus ribu rupiah"
    assert "Dewi Lestari" in _rows(html) and tanggal(today) in _rows(html) and "Anggota biasa" in _rows(html)
    assert (_text(html, "confirm-balance-before"), _text(html, "confirm-balance-after")) == ("Rp 0", "Rp 100.000")
    hidden = _confirm_form(html)
    assert hidden["nonce"] == data["nonce"]
    first = web.post("/members/new", data=hidden | {"confirm": "1"})
    again = web.post("/members/new", data=hidden | {"confirm": "1"})
    assert first.status_code == again.status_code == 302 and first.location == again.location
    assert "/cashdesk/receipts/" in first.location
    assert (_entries(coop.id), _members(coop.id)) == (before + 1, people + 1)
    m = members.search(coop.id, "Dewi")[0]
    assert m.status == "active" and savings.account_for(coop.id, m.id, "pokok").balance == 100_000


def test_registration_change_keeps_the_values_and_bad_input_has_no_confirmation(coop, users, login, make_resident,
                                                                                seed_savings, today):
    """"Ubah" shows the form with the NIK typed and nobody registered; a 10-year-old (under 17) is refused on
    the NIK field without a confirmation; without "pokok paid now" there is no money and no confirmation."""
    seed_savings(coop)
    r = make_resident(coop, full_name="Dewi Lestari")
    web = login(users["treasurer"])
    data = _register(web, r, today)
    people = _members(coop.id)
    html = web.post("/members/new", data=data).get_data(as_text=True)
    back = web.post("/members/new", data=_confirm_form(html) | {"edit": "1"}).get_data(as_text=True)
    assert 'id="confirm-form"' not in back and f'value="{r.nik}"' in _tag(back, "nik")
    assert _members(coop.id) == people
    child = make_resident(coop, full_name="Anak Kecil", birth_date=date(today.year - 10, 1, 1))
    refused = web.post("/members/new", data=data | {"nik": child.nik})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and 'id="confirm-form"' not in page and "17" in page
    assert _members(coop.id) == people
    plain = web.post("/members/new", data={k: v for k, v in data.items() if k != "pay_pokok"})
    assert plain.status_code == 302 and _members(coop.id) == people + 1
