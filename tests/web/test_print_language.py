"""Printed documents in English (the language toggle): loan receipts, the disbursement receipt, the loan
agreement and history, the savings receipt, the ledger verification page and command, the RAT pack PDF
and the savings statement PDF show English labels and none of the Indonesian ones. The amount in words
(terbilang) stays Indonesian on every receipt: it is the legal wording of the kuitansi.

Worked example: a 9.000.000 loan over 12 months, flat 1 % a month, disbursed in cash on 6 Jan 2026;
the first instalment is 750.000 principal + 90.000 interest = 840.000, leaving 8.250.000 principal.
"""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from tests.pdf_text import pdf_text
from tests.web.test_language import _switch, _text


@pytest.fixture
def loan_setup(coop, users, make_member, make_loan, fund):
    from coop.loans import services as loans

    member = make_member(coop)
    fund(member, "sukarela", 10_000_000, value_date=date(2026, 1, 5))  # cash in the box to disburse from
    loan = make_loan(coop, member, principal=9_000_000, term_months=12, disbursed_on=date(2026, 1, 6),
                     first_due_date=date(2026, 2, 5))
    rep = atomic(loans.repay, coop.id, loan.id, 840_000, actor=users["treasurer"], paid_on=date(2026, 2, 5))
    return member, loan, rep


def _has(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def _pdf_text(data: bytes) -> str:
    """The text drawn by an fpdf2 PDF: its content streams inflated (fpdf2 compresses them)."""
    assert data.startswith(b"%PDF")
    return pdf_text(data)


def test_loan_repayment_receipt_in_english_keeps_terbilang(client, login, users, loan_setup):
    """The repayment kuitansi in English: labels translated, figures as in the worked example, the amount
    in words still Indonesian. The same receipt in Bahasa Indonesia shows the Indonesian labels (so the
    English check is not vacuous)."""
    _member, loan, rep = loan_setup
    login(users["treasurer"])
    url = f"/loans/repayments/{rep.id}/receipt"
    indonesian = _text(client.get(url))
    assert "Telah terima dari" in indonesian and "Sisa pokok pinjaman" in indonesian
    assert f"Angsuran pinjaman {loan.number}, angsuran ke-1" in indonesian

    _switch(client, "en", url)
    resp = client.get(url)
    assert resp.status_code == 200
    text = _text(resp)
    for english in ("RECEIPT No.", "Received from", "Amount", "For payment", f"Instalment of loan {loan.number}, "
                    "instalment no. 1", "Principal", "Interest", "Penalty", "Outstanding loan principal", "Officer"):
        assert english in text, english
    assert "Rp 750.000" in text and "Rp 90.000" in text and "Rp 8.250.000" in text
    assert "delapan ratus empat puluh ribu rupiah" in text  # terbilang: the legal wording stays Indonesian
    for indonesian_label in ("KUITANSI", "Telah terima dari", "Uang sejumlah", "Untuk pembayaran", "Angsuran",
                             "Pokok", "Jasa", "Denda", "Jumlah", "Sisa pokok pinjaman", "Petugas"):
        assert not _has(text, indonesian_label), indonesian_label


def test_disbursement_receipt_agreement_and_history_in_english(client, login, users, loan_setup):
    """With English chosen, are the disbursement receipt (Rp 9.000.000, the words still Indonesian "sembilan
    juta rupiah"), the loan agreement (12 months, 1 % a month) and the loan history in English, with none of
    their Indonesian labels left?"""
    member, loan, _rep = loan_setup
    login(users["treasurer"])
    _switch(client, "en", "/dashboard")
    text = _text(client.get(f"/loans/{loan.id}/disbursement-receipt"))
    for english in ("DISBURSEMENT RECEIPT No.", "Received from", f"Disbursement of loan {loan.number} in cash",
                    "Loan principal", "Origination/administration fee", "Received", "Rp 9.000.000"):
        assert english in text, english
    assert "sembilan juta rupiah" in text
    for indonesian_label in ("KUITANSI PENCAIRAN", "Telah terima dari", "Uang sejumlah", "Pencairan pinjaman",
                             "Pokok pinjaman", "Diterima", "tunai"):
        assert not _has(text, indonesian_label), indonesian_label

    text = _text(client.get(f"/loans/{loan.id}/agreement"))
    for english in ("LOAN AGREEMENT", "the undersigned", "hereinafter the Borrower", "The Cooperative lends the "
                    "Borrower Rp 9.000.000", "Term 12 months, monthly instalments, interest 1 % per month",
                    "agree as follows", "Due date", "Borrower"):
        assert english in text, english
    assert "sembilan juta rupiah" in text
    for indonesian_label in ("SURAT PERJANJIAN PINJAMAN", "Peminjam", "selanjutnya disebut", "Jangka waktu",
                             "Jatuh tempo", "sepakat"):
        assert not _has(text, indonesian_label), indonesian_label

    text = _text(client.get(f"/loans/statement?member_id={member.id}"))
    assert f"Loan history: {member.member_number}" in text and "Disbursement" in text and "Active" in text
    for indonesian_label in ("Riwayat pinjaman", "Pencairan", "Berjalan", "sisa pokok"):
        assert not _has(text, indonesian_label), indonesian_label


def test_savings_receipt_in_english_keeps_terbilang(client, login, users, coop, make_member, fund):
    """A 250.000 deposit into simpanan sukarela: the kuitansi says "Deposit Voluntary savings" in English,
    the amount in words stays "dua ratus lima puluh ribu rupiah"."""
    member = make_member(coop)
    receipt = fund(member, "sukarela", 250_000, value_date=date(2026, 3, 2))
    login(users["treasurer"])
    url = f"/cashdesk/receipts/{receipt.entry.id}"
    assert "Setoran Simpanan Sukarela" in _text(client.get(url))
    _switch(client, "en", url)
    text = _text(client.get(url))
    for english in ("RECEIPT", "Received from", "Amount", "For payment", "Deposit Voluntary savings",
                    "New balance", "Officer", "Rp 250.000"):
        assert english in text, english
    assert "Dua ratus lima puluh ribu rupiah" in text
    for indonesian_label in ("KUITANSI", "Telah terima dari", "Setoran", "Simpanan Sukarela", "Petugas"):
        assert not _has(text, indonesian_label), indonesian_label


def test_every_savings_receipt_title_is_translated(app):
    """The receipt title comes from SOURCE_LABELS (kept Indonesian there: they are journal memos too);
    each one has an English translation, so no receipt title is left in Bahasa Indonesia."""
    from flask_babel import force_locale, gettext

    from coop.savings.services import SOURCE_LABELS

    with app.test_request_context("/"), force_locale("en"):
        untranslated = [t for t in SOURCE_LABELS.values() if gettext(t) == t]
    assert untranslated == []


def test_ledger_verification_page_and_command_in_english(client, login, users, coop, make_member, fund, app,
                                                         monkeypatch):
    """Intact books: "Ledger intact" on the page, "Cooperative N: OK" from `COOP_LANG=en flask ledger
    verify` (and "Koperasi N: OK" without it). A tampered balance: the problem is described in English."""
    from coop.ledger.models import Account
    from coop.savings.services import account_for

    member = make_member(coop)
    fund(member, "sukarela", 100_000)
    login(users["admin"])
    _switch(client, "en", "/ledger/verify")
    text = _text(client.get("/ledger/verify"))
    assert "Ledger verification" in text and "Ledger intact:" in text and "Chain head hash:" in text
    assert not _has(text, "Verifikasi buku besar") and not _has(text, "Buku besar utuh")

    from flask_babel import refresh

    runner = app.test_cli_runner()
    refresh()  # the command runs in this test's app context, where the request above cached "en"
    result = runner.invoke(args=["ledger", "verify", "--cooperative-id", str(coop.id)])
    assert result.exit_code == 0 and f"Koperasi {coop.id}: OK" in result.output
    monkeypatch.setenv("COOP_LANG", "en")
    refresh()
    result = runner.invoke(args=["ledger", "verify", "--cooperative-id", str(coop.id)])
    assert result.exit_code == 0 and f"Cooperative {coop.id}: OK" in result.output, result.output
    monkeypatch.delenv("COOP_LANG")

    acc = account_for(coop.id, member.id, "sukarela")
    db.session.execute(sa.update(Account).where(Account.id == acc.ledger_account_id).values(balance=-1))
    db.session.expire_all()
    text = _text(client.get("/ledger/verify"))
    # the account's running balance, and the member's savings account that shows it (issue 13 item 4)
    assert "2 problems found." in text
    assert re.search(r"account \S+: stored balance -1, computed from postings -100000", text), text
    assert re.search(r"savings savings_account:\S+: its transactions sum to 100000, recorded balance 1", text), text
    assert not _has(text, "saldo tersimpan")


def test_rat_pack_and_savings_statement_pdfs_in_english(client, login, users, coop, loan_setup, fund):
    """The text drawn in the RAT pack PDF and the savings statement PDF is English when English is chosen."""
    member, _loan, _rep = loan_setup
    fund(member, "sukarela", 100_000, value_date=date(2026, 3, 2))
    login(users["admin"])
    id_pdf = _pdf_text(client.get("/reports/rat.pdf?year=2026").data)
    assert "Laporan Pertanggungjawaban Pengurus" in id_pdf and "Daftar Anggota" in id_pdf
    _switch(client, "en", "/dashboard")
    text = _pdf_text(client.get("/reports/rat.pdf?year=2026").data)
    for english in ("accountability report", "Annual members' meeting, financial year 2026", "Balance sheet at "
                    "2026-12-31", "Total assets", "Income statement 2026", "Cash flow 2026", "Changes in equity 2026",
                    "SHU allocation 2026", "Member register", "Loan portfolio health", "Collectibility"):
        assert english in text, english
    for indonesian_label in ("Laporan Pertanggungjawaban", "Rapat Anggota Tahunan", "Neraca per", "Jumlah aset",
                             "Daftar Anggota", "Kesehatan Portofolio", "Kolektibilitas", "Lancar"):
        assert indonesian_label not in text, indonesian_label

    text = _pdf_text(client.get(f"/members/{member.id}/statement?format=pdf").data)
    for english in ("Savings statement - ", "Period: start to now", "Opening balance", "Voluntary savings",
                    "Principal savings", "Deposit", "Withdraw", "Balance"):
        assert english in text, english
    # (whole cells: the journal memos, e.g. "Setoran simpanan pokok ...", are the books' own words)
    for indonesian_label in ("Rekening koran", "Periode", "Saldo awal", "Simpanan Sukarela", "(Setor)", "(Tarik)",
                             "(Tanggal)", "(Uraian)"):
        assert indonesian_label not in text, indonesian_label


def test_printable_ledger_reports_in_english(client, login, users, coop, make_member, fund):
    """The ledger's printable reports (trial balance, balance sheet, income statement, an account's
    ledger, a journal voucher) in English: headings and column labels translated, the standard chart's
    accounts under their English names (name_en); memos are the books' own words."""
    from coop.ledger import chart
    from coop.ledger.services import account_by_code

    member = make_member(coop)
    receipt = fund(member, "sukarela", 100_000, value_date=date(2026, 3, 2))
    kas = account_by_code(coop.id, chart.KAS)
    login(users["admin"])
    _switch(client, "en", "/dashboard")
    pages = {
        "/ledger/trial-balance?as_of=2026-03-31": ("Trial balance", "As of", "Code", "Account", "Debit", "Credit",
                                                    "Print", "Cash", "Loan interest income", "Operating expenses"),
        "/ledger/neraca?as_of=2026-03-31": ("Balance sheet", "Assets", "Total assets", "Liabilities", "Equity",
                                             "Total liabilities and equity", "Print"),
        "/ledger/phu?from=2026-01-01&to=2026-12-31": ("Income statement", "Income", "Expenses", "Total income",
                                                       "Surplus (SHU)", "Non-members"),
        f"/ledger/accounts/{kas.id}?from=2026-01-01&to=2026-12-31": ("Ledger: 1101 Cash", "Opening balance",
                                                                      "Closing balance", "Balance on the normal side"),
        f"/ledger/entries/{receipt.entry.id}": ("Journal voucher", "Source", "Description", "Debit", "Credit"),
    }
    for url, english_labels in pages.items():
        resp = client.get(url)
        assert resp.status_code == 200, url
        text = _text(resp)
        for english in english_labels:
            assert english in text, (url, english)
        for indonesian_label in ("Neraca Saldo", "Per tanggal", "Jumlah aset", "Kewajiban", "Ekuitas",
                                 "Pendapatan", "Beban", "Saldo awal", "Saldo akhir", "Bukti Jurnal", "Kredit",
                                 "Cetak", "Tampilkan"):
            assert not _has(text, indonesian_label), (url, indonesian_label)


def test_loan_pages_in_english(client, login, users, loan_setup):
    """The loan page, the list and the reports in English (statuses and classes translated too)."""
    _member, loan, _rep = loan_setup
    login(users["admin"])
    _switch(client, "en", "/dashboard")
    text = _text(client.get(f"/loans/{loan.id}"))
    for english in (f"Loan {loan.number}", "Active", "Outstanding", "Rp 8.250.000", "Collectibility", "Current",
                    "Instalment schedule", "Payments", "Print agreement", "Disbursement receipt", "12 months"):
        assert english in text, english
    for indonesian_label in ("Berjalan", "Sisa pokok", "Kolektibilitas", "Lancar", "Jadwal angsuran", "Pembayaran",
                             "Cetak perjanjian", "bulan"):
        assert not _has(text, indonesian_label), indonesian_label
    text = _text(client.get("/loans/"))
    assert "Loan list" in text and "Active (1)" in text and not _has(text, "Berjalan")
    text = _text(client.get("/loans/reports?as_of=2026-03-31"))
    for english in ("Loan reports", "Portfolio by collectibility", "Current", "Arrears list (for collection)",
                    "Due this week"):
        assert english in text, english
    for indonesian_label in ("Laporan pinjaman", "Lancar", "Daftar tunggakan", "Jatuh tempo minggu ini"):
        assert not _has(text, indonesian_label), indonesian_label


def test_village_registry_pages_in_english(client, login, users, coop, make_resident):
    """A resident's page, the list and the village summary in English (vocabularies translated too)."""
    r = make_resident(coop, sex="F", relationship="kepala_keluarga")
    login(users["admin"])
    _switch(client, "en", "/dashboard")
    text = _text(client.get(f"/registry/residents/{r.id}"))
    for english in ("Family card number", "Sex", "Female", "Place, date of birth", "Relationship in the family",
                    "Head of family", "Migration history", "No migration records yet."):
        assert english in text, english
    for indonesian_label in ("Nomor KK", "Jenis kelamin", "Perempuan", "Kepala Keluarga", "Riwayat migrasi"):
        assert not _has(text, indonesian_label), indonesian_label
    text = _text(client.get("/registry/"))
    assert "All migrant worker statuses" in text and not _has(text, "Semua status PMI")
    text = _text(client.get("/registry/dashboard"))
    assert "Residents by migrant worker status" in text and "Female" in text
    assert not _has(text, "Ringkasan desa") and not _has(text, "Perempuan")


def test_training_pages_in_english(client, login, users):
    """The training home page and dashboard in English."""
    login(users["admin"])
    _switch(client, "en", "/dashboard")
    text = _text(client.get("/training/"))
    for english in ("Entrepreneurship training", "Training outcomes", "Completed training", "No cohorts yet."):
        assert english in text, english
    for indonesian_label in ("Pelatihan kewirausahaan", "Hasil pelatihan", "Lulus pelatihan", "Belum ada angkatan"):
        assert not _has(text, indonesian_label), indonesian_label
    text = _text(client.get("/training/dashboard"))
    assert "Training dashboard" in text and "Loans to trained businesses" in text
    assert not _has(text, "Dasbor pelatihan")
