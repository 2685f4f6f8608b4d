"""Cash desk and member pages: the treasurer's journey, receipts, day book, cash count, statements,
member self-service, resignation, opening-balance import, and tenancy (404 for other cooperatives)."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest

from coop.db import atomic
from coop.ledger import chart
from coop.ledger.services import account_by_code
from coop.membership import services
from coop.savings import services as savings


def _csrf_free_form(html: str, prefix: str) -> dict:
    """The hidden fields of one cash-desk form (prefix like 'deposit-12')."""
    fields = dict(re.findall(rf'name="({re.escape(prefix)}-[a-z_]+)"[^>]*value="([^"]*)"', html))
    fields.update({k: v for v, k in re.findall(rf'value="([^"]*)"[^>]*name="({re.escape(prefix)}-[a-z_]+)"', html)})
    return fields


def test_treasurer_finds_member_deposits_and_gets_receipt_with_words(coop, users, login, make_member,
                                                                     make_resident):
    """Does the cash desk find Sri Wahyuni by "wahy", deposit Rp 250.000 with a receipt carrying her name, the
    amount and "dua ratus lima puluh ribu rupiah" (no stamp duty), and post only once when the same form is
    submitted twice?"""
    m = make_member(coop, resident=make_resident(coop, full_name="Sri Wahyuni"))
    web = login(users["treasurer"])
    found = web.get("/cashdesk/search?q=wahy").json
    assert [r["number"] for r in found] == [m.member_number]
    page = web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    form = _csrf_free_form(page, f"deposit-{acc.id}")
    assert form[f"deposit-{acc.id}-action"] == "deposit"
    form[f"deposit-{acc.id}-amount"] = "250000"
    resp = web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"})
    assert resp.status_code == 302
    receipt = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "dua ratus lima puluh ribu rupiah" in receipt.lower()
    assert "Rp 250.000" in receipt and "Sri Wahyuni" in receipt
    assert 'id="stamp-duty"' not in receipt
    # a double submit of the same form (same nonce) does not post twice
    web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"})
    assert savings.get_account(coop.id, acc.id).balance == 250_000


def test_withdrawal_refused_shows_reason_and_large_receipt_carries_no_stamp_duty(coop, users, login, make_member,
                                                                                fund):
    """Is a withdrawal over the balance refused with its reason, and does the slip of a Rp 5.500.000
    withdrawal carry no meterai (savings slips are exempt whatever the amount: UU 10/2020 Pasal 7 huruf g)?"""
    m = make_member(coop)
    fund(m, "sukarela", 6_000_000)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    web = login(users["treasurer"])
    page = web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True)
    form = _csrf_free_form(page, f"withdraw-{acc.id}")
    form[f"withdraw-{acc.id}-amount"] = "7000000"
    resp = web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"})
    assert resp.status_code == 409 and "tidak mencukupi" in resp.get_data(as_text=True)
    form[f"withdraw-{acc.id}-amount"] = "5500000"
    resp = web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"})
    receipt = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Rp 5.500.000" in receipt and "Rp 500.000" in receipt  # the amount and the new balance
    assert 'id="stamp-duty"' not in receipt and "batas bea meterai" not in receipt


def test_wajib_payment_receipt_lists_oldest_months(coop, users, login, make_member, today):
    """Does the cash desk show "Tunggakan wajib" for a member joined September 2026, and does a Rp 40.000
    wajib payment's receipt name the oldest months paid, "Sep 2026, Okt 2026"?"""
    m = make_member(coop, joined_on=date(2026, 9, 1))
    web = login(users["treasurer"])
    page = web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True)
    assert "Tunggakan wajib" in page
    acc = savings.account_for(coop.id, m.id, "wajib")
    form = _csrf_free_form(page, f"wajib-{acc.id}")
    form[f"wajib-{acc.id}-amount"] = "40000"
    resp = web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"})
    receipt = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Sep 2026, Okt 2026" in receipt


def test_day_book_and_cash_count_books_the_difference(coop, users, login, make_member, fund):
    """Kas Rp 100.000 (pokok) on 2 Jan 2025; counted Rp 95.000: Rp 5.000 short to 5204 Selisih Kas."""
    m = make_member(coop)
    web = login(users["treasurer"])
    book = web.get("/cashdesk/daybook?date=2025-01-02").get_data(as_text=True)
    assert m.member_number in book and "Rp 100.000" in book
    resp = web.post("/cashdesk/cash-count", data={"counted_on": "2025-01-02", "counted": "95000", "confirm": "1"})
    assert resp.status_code == 302
    assert account_by_code(coop.id, chart.SELISIH_KAS).natural_balance() == 5_000
    assert account_by_code(coop.id, chart.KAS).natural_balance() == 95_000
    again = web.post("/cashdesk/cash-count", data={"counted_on": "2025-01-02", "counted": "95000", "confirm": "1"})
    assert again.status_code == 302  # a recount the same day: matches the books now, nothing more booked
    assert account_by_code(coop.id, chart.KAS).natural_balance() == 95_000


def test_member_pages_card_statement_pdf(coop, users, login, make_member, fund):
    """Do a manager's member pages work (search by KDM, card with an SVG code, statement showing Rp 10.000,
    PDF statement, account statement, arrears, products), while the cash desk is 403 to a manager?"""
    m = make_member(coop)
    fund(m, "sukarela", 10_000)
    web = login(users["manager"])
    assert m.member_number in web.get("/members/?q=KDM").get_data(as_text=True)
    card = web.get(f"/members/{m.id}/card").get_data(as_text=True)
    assert "<svg" in card and m.member_number in card
    st = web.get(f"/members/{m.id}/statement").get_data(as_text=True)
    assert "Rp 10.000" in st
    pdf = web.get(f"/members/{m.id}/statement?format=pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    acc = savings.account_for(coop.id, m.id, "sukarela")
    assert web.get(f"/members/accounts/{acc.id}/statement?from=2025-01-01").status_code == 200
    assert web.get("/members/arrears").status_code == 200
    assert web.get("/members/products").status_code == 200
    assert web.get("/cashdesk/").status_code == 403  # managers do not hold the cash


def test_member_sees_only_own_pages(coop, users, login, make_member, make_user, fund):
    """Does a member login see its own member page and statement, but get 404 for another member's statement
    and account and 403 for the staff member page and the cash desk?"""
    mine, other = make_member(coop), make_member(coop)
    u = make_user(coop, "member")
    atomic(services.link_user, coop.id, mine.id, u, actor=None)
    web = login(u)
    assert mine.member_number in web.get("/members/me").get_data(as_text=True)
    assert web.get(f"/members/{mine.id}/statement").status_code == 200
    assert web.get(f"/members/{other.id}/statement").status_code == 404
    acc = savings.account_for(coop.id, other.id, "sukarela")
    assert web.get(f"/members/accounts/{acc.id}/statement").status_code == 404
    assert web.get(f"/members/{mine.id}").status_code == 403
    assert web.get("/cashdesk/").status_code == 403


def test_register_resign_and_settlement_pages(coop, users, login, make_resident, seed_savings):
    """Does registering Budi Santoso with pokok ask for confirmation ("seratus ribu rupiah") first, then
    register him active with a receipt, refuse a second registration ("Sudah tercatat sebagai anggota"),
    preview a resignation of Rp 100.000 and settle it with the amount in words?"""
    seed_savings(coop)
    r = make_resident(coop, full_name="Budi Santoso")
    web = login(users["treasurer"])
    data = {"nik": r.nik, "joined_on": "2026-01-05", "member_type": "biasa", "pay_pokok": "y"}
    ask = web.post("/members/new", data=data)  # the pokok moves money: the confirmation first (issue 15)
    assert ask.status_code == 200 and "seratus ribu rupiah" in ask.get_data(as_text=True)
    resp = web.post("/members/new", data=data | {"confirm": "1"})
    assert resp.status_code == 302 and "/cashdesk/receipts/" in resp.headers["Location"]
    m = services.search(coop.id, "Budi")[0]
    assert m.status == "active"
    dup = web.post("/members/new", data={"nik": r.nik, "joined_on": "2026-01-05", "member_type": "biasa"})
    assert "Sudah tercatat sebagai anggota" in dup.get_data(as_text=True)
    preview = web.get(f"/members/{m.id}/resign").get_data(as_text=True)
    assert "Rp 100.000" in preview
    resp = web.post(f"/members/{m.id}/resign", data={"effective_on": "2026-11-27", "reason": "resigned",
                                                     "confirm": "1"})
    assert resp.status_code == 302
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "seratus ribu rupiah" in page.lower()


def test_opening_balance_import_dry_run_errors_all_or_nothing(coop, users, login, make_member):
    """Does an opening-balance CSV with one unknown member report "1 kesalahan" and write nothing, a dry run
    of the good file write nothing ("belum disimpan"), the real run book "3 saldo awal" (sukarela 1.250.000,
    the pokok activating the member, SALDO_AWAL 1.590.000), and a second run of the same file answer "sudah
    pernah diimpor"?"""
    m1, m2 = make_member(coop, pay_pokok=False), make_member(coop)
    web = login(users["treasurer"])
    good = (f"member_number,kind,amount\n{m1.member_number},pokok,100000\n"
            f"{m1.member_number},sukarela,1.250.000\n{m2.member_number},wajib,240000\n")
    bad = good + "KDM-999999,sukarela,5\n"

    def post(text, dry):
        data = {"value_date": "2024-12-31", "file": (io.BytesIO(text.encode()), "saldo.csv")}
        if dry:
            data["dry_run"] = "y"
        return web.post("/members/import", data=data, content_type="multipart/form-data").get_data(as_text=True)

    page = post(bad, False)
    assert "1 kesalahan" in page and "anggota tidak ditemukan" in page
    assert savings.account_for(coop.id, m1.id, "sukarela").balance == 0  # nothing written
    assert "belum disimpan" in post(good, True)
    assert savings.account_for(coop.id, m1.id, "sukarela").balance == 0
    assert "3 saldo awal dibukukan" in post(good, False)
    assert savings.account_for(coop.id, m1.id, "sukarela").balance == 1_250_000
    assert services.get_member(coop.id, m1.id).status == "active"
    assert account_by_code(coop.id, chart.SALDO_AWAL).balance == 1_590_000
    assert "sudah pernah diimpor" in post(good, False)


def test_other_cooperatives_member_pages_are_404(coop, make_coop, users, login, make_member):
    """Are another cooperative's member on the cash desk, member page, card, account statement and transaction
    post all 404?"""
    other = make_member(make_coop("Koperasi B", village_code="3504042002"))
    web = login(users["treasurer"])
    acc = savings.account_for(other.cooperative_id, other.id, "sukarela")
    for path in (f"/cashdesk/members/{other.id}", f"/members/{other.id}", f"/members/{other.id}/card",
                 f"/members/accounts/{acc.id}/statement"):
        assert web.get(path).status_code == 404, path
    assert web.post(f"/cashdesk/members/{other.id}/transactions", data={}).status_code == 404


def test_dashboard_panels_for_staff_and_member(coop, users, login, make_member, make_user):
    """Does the treasurer's dashboard show "Anggota dan Simpanan" with "Buka kasir", and a linked member's
    dashboard show "Simpanan Saya" with Rp 100.000?"""
    m = make_member(coop)
    page = login(users["treasurer"]).get("/dashboard").get_data(as_text=True)
    assert "Anggota dan Simpanan" in page and "Buka kasir" in page
    u = make_user(coop, "member")
    atomic(services.link_user, coop.id, m.id, u, actor=None)
    page = login(u).get("/dashboard").get_data(as_text=True)
    assert "Simpanan Saya" in page and "Rp 100.000" in page


def test_cli_import_and_seed(coop, runner, make_member, tmp_path):
    """Does `members import-balances` dry-run ("uji coba OK") and with --commit book sukarela Rp 125.000 from
    a semicolon CSV, and does `members seed-products` print the SW product?"""
    m = make_member(coop)
    f = tmp_path / "saldo.csv"
    f.write_text(f"member_number;kind;amount\n{m.member_number};sukarela;125000\n")
    out = runner.invoke(args=["members", "import-balances", "--cooperative-id", str(coop.id), "--date",
                              "2024-12-31", str(f)])
    assert out.exit_code == 0 and "uji coba OK" in out.output
    out = runner.invoke(args=["members", "import-balances", "--cooperative-id", str(coop.id), "--date",
                              "2024-12-31", "--commit", str(f)])
    assert out.exit_code == 0, out.output
    assert savings.account_for(coop.id, m.id, "sukarela").balance == 125_000
    out = runner.invoke(args=["members", "seed-products", "--cooperative-id", str(coop.id)])
    assert "SW" in out.output


def test_admin_edits_products_and_open_accounts_follow_the_minimum(coop, users, login, make_member):
    """Raising the sukarela minimum to Rp 10.000 moves the floor of every open account: a withdrawal
    leaving less is refused. The wajib amount cannot be changed here (it is date-versioned)."""
    from decimal import Decimal

    from coop.errors import InsufficientFunds

    m = make_member(coop)
    web = login(users["admin"])
    sukarela = savings.default_product(coop.id, "sukarela")
    resp = web.post(f"/members/products/{sukarela.id}", data={
        "name": "Tabungan Sukarela", "min_balance": "10000", "interest_method": "average_daily_balance",
        "interest_rate": "2.5", "maturity_action": "sukarela", "early_withdrawal_penalty": "0", "is_active": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    p = savings.get_product(coop.id, sukarela.id)
    assert (p.name, p.min_balance, p.interest_rate) == ("Tabungan Sukarela", 10_000, Decimal("2.5"))
    acc = savings.account_for(coop.id, m.id, "sukarela")
    atomic(savings.deposit, coop.id, acc.id, 15_000, actor=None, value_date=date(2025, 2, 1))
    with pytest.raises(InsufficientFunds):
        atomic(savings.withdraw, coop.id, acc.id, 6_000, actor=None, value_date=date(2025, 2, 2))
    wajib = savings.default_product(coop.id, "wajib")
    page = web.post(f"/members/products/{wajib.id}", data={
        "name": "Simpanan Wajib", "amount": "30000", "min_balance": "0", "interest_method": "none",
        "interest_rate": "0", "maturity_action": "sukarela", "early_withdrawal_penalty": "0", "is_active": "y"})
    assert page.status_code == 200 and "Pengaturan" in page.get_data(as_text=True)
    resp = web.post("/members/products/new", data={
        "kind": "berjangka", "code": "SB6", "name": "Berjangka 6 bulan", "balance_class": "liability",
        "min_balance": "0", "interest_method": "lowest_monthly_balance", "interest_rate": "5", "term_months": "6",
        "maturity_action": "rollover", "early_withdrawal_penalty": "0"})
    assert resp.status_code == 302
    assert "Berjangka 6 bulan" in web.get("/members/products").get_data(as_text=True)
    assert login(users["treasurer"]).get(f"/members/products/{wajib.id}").status_code == 403


def test_nik_masked_in_lists_and_desk_full_on_detail_with_audit(coop, users, login, make_member):
    """UU 27/2022: the member list and the cash desk show the NIK masked; the detail page shows it to
    the treasurer and records who read it."""
    import sqlalchemy as sa

    from coop.audit.models import AuditLog
    from coop.db import db
    from coop.formatting import mask_nik

    m = make_member(coop)
    nik = m.resident.nik
    web = login(users["treasurer"])
    for path in ("/members/", f"/cashdesk/members/{m.id}"):
        page = web.get(path).get_data(as_text=True)
        assert nik not in page and mask_nik(nik) in page, path
    assert nik in web.get(f"/members/{m.id}").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "registry.nik_read", AuditLog.actor_id == users["treasurer"].id)) == 1
    assert nik not in login(users["manager"]).get(f"/members/{m.id}").get_data(as_text=True)


def test_cash_desk_shows_running_loans_with_arrears(coop, users, login, make_member, make_loan):
    """Does the cash desk page of a member show their running loan's number and "Tunggakan" for unpaid
    instalments?"""
    m = make_member(coop)
    loan = make_loan(coop, m, principal=1_200_000, term_months=12, applied_on=date(2026, 1, 5))
    page = login(users["treasurer"]).get(f"/cashdesk/members/{m.id}").get_data(as_text=True)
    assert loan.number in page and "Tunggakan" in page  # instalments since Feb 2026 unpaid
