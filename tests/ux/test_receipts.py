"""Issue 15, item 5: one receipt design for savings and loans, a 58 mm roll and an A5 layout, the PDF
linked from the page, "Kirim via WhatsApp" (a wa.me link with the receipt's text and its verification
link) and the public verification page the link opens."""
from __future__ import annotations

import html as htmllib
import re
from contextlib import contextmanager
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from flask import template_rendered

from coop.db import atomic
from coop.formatting import wa_phone, whatsapp_url
from coop.loans import services as loans
from coop.savings import services as savings
from tests.ux.test_pages import due_loan  # noqa: F401 - fixture


@contextmanager
def _templates(app):
    """The templates a request rendered, with the ones they extend (read from their source)."""
    seen: list[str] = []

    def record(sender, template, context, **extra):
        name = template.name
        while name:
            seen.append(name)
            source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
            parent = re.match(r'\{% extends "([^"]+)" %\}', source)
            name = parent.group(1) if parent else None

    template_rendered.connect(record, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(record, app)


@pytest.fixture
def deposit(coop, users, make_member, make_resident, today):
    """Rp 250.000 into the sukarela of Sri Wahyuni, whose phone in the registry is 0812-3456-7890."""
    m = make_member(coop, resident=make_resident(coop, full_name="Sri Wahyuni", phone="0812-3456-7890"))
    acc = savings.account_for(coop.id, m.id, "sukarela")
    receipt = atomic(savings.deposit, coop.id, acc.id, 250_000, actor=users["treasurer"], value_date=today)
    return m, receipt.entry


def _wa(html: str) -> str:
    return htmllib.unescape(re.search(r'<a[^>]*href="([^"]+)"[^>]*id="receipt-whatsapp"', html).group(1))


def test_wa_phone_and_url_by_hand():
    """0812-3456-7890 -> 6281234567890; "+62 812 ..." keeps 62; no phone -> wa.me/ without a number; the
    text percent-encoded (space %20, new line %0A, "+" of nothing)."""
    assert wa_phone("0812-3456-7890") == "6281234567890"
    assert wa_phone("+62 812 3456 7890") == "6281234567890"
    assert wa_phone(None) == "" and wa_phone("12") == ""
    assert whatsapp_url("0812-3456-7890", "Jumlah: Rp 250.000\nok") == (
        "https://wa.me/6281234567890?text=Jumlah%3A%20Rp%20250.000%0Aok")


def test_savings_receipt_shares_text_pdf_and_a_verification_link(app, client, coop, users, login, deposit):
    """The deposit's receipt: the wa.me link goes to 6281234567890 with the receipt's text (number, member,
    "Jumlah: Rp 250.000", the words, the verification link), URL-encoded; the PDF link answers a PDF; the
    verification link opens, without logging in, a page with the amount; a forged token is 404."""
    m, entry = deposit
    web = login(users["treasurer"])
    html = web.get(f"/cashdesk/receipts/{entry.id}").get_data(as_text=True)
    url = _wa(html)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/6281234567890")
    assert "Rp%20250.000" in parts.query and " " not in url
    text = parse_qs(parts.query)["text"][0]
    assert f"No. {entry.voucher_number}" in text and f"Sri Wahyuni ({m.member_number})" in text
    assert "Jumlah: Rp 250.000" in text and "(dua ratus lima puluh ribu rupiah)" in text
    verify = re.search(r"Cek keaslian: (\S+)", text).group(1)
    assert verify in htmllib.unescape(html)  # the same link is printed on the receipt

    pdf_url = htmllib.unescape(re.search(r'href="([^"]+)" id="receipt-pdf"', html).group(1))
    pdf = web.get(pdf_url)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")

    anonymous = app.test_client()
    page = anonymous.get(urlsplit(verify).path)
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert "SAH." in shown and "Rp 250.000" in shown and "Sri Wahyuni" not in shown
    assert anonymous.get(urlsplit(verify).path[:-3] + "xyz").status_code == 404


def test_one_template_for_savings_and_loan_receipts(app, coop, users, login, deposit, due_loan):  # noqa: F811
    """The savings receipt and a loan repayment's receipt both render receipts/kuitansi.html (one design),
    each with the WhatsApp link and the PDF of its own entry."""
    _, entry = deposit
    _, loan = due_loan
    rep = atomic(loans.repay, coop.id, loan.id, 840_000, actor=users["treasurer"], paid_on=loan.first_due_date)
    web = login(users["treasurer"])
    with _templates(app) as seen:
        savings_html = web.get(f"/cashdesk/receipts/{entry.id}").get_data(as_text=True)
    assert "receipts/kuitansi.html" in seen and "cashdesk/receipt.html" in seen
    with _templates(app) as seen:
        loan_html = web.get(f"/loans/repayments/{rep.id}/receipt").get_data(as_text=True)
    assert "receipts/kuitansi.html" in seen and "loans/receipt.html" in seen
    for page, entry_id in ((savings_html, entry.id), (loan_html, rep.entry_id)):
        assert 'id="receipt-whatsapp"' in page and f"/cashdesk/receipts/{entry_id}/pdf" in page
    loan_text = unquote(_wa(loan_html))
    assert "Jumlah: Rp 840.000" in loan_text and "Sisa pokok pinjaman: Rp 8.250.000" in loan_text


def _rules(css: str, marker: str) -> list[tuple[str, str]]:
    """(selector, declarations) of the flat rules whose selector mentions ``marker``."""
    css = re.sub(r"/\*.*?\*/", "", css.replace("<style>", ""), flags=re.S)
    return [(sel.strip(), body) for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css) if marker in sel]


def _mm(value: str, unit: str) -> float:
    return float(value) * {"mm": 1, "cm": 10, "px": 25.4 / 96, "rem": 16 * 25.4 / 96, "em": 16 * 25.4 / 96}[unit]


def test_58mm_layout_fits_the_roll(coop, users, login, deposit):
    """?layout=58: the receipt carries layout-58, the print page is 58 mm wide, the receipt at most 48 mm,
    every element inside it capped at 100 %, and no width in a 58 mm rule is wider than 48 mm."""
    _, entry = deposit
    web = login(users["treasurer"])
    html = web.get(f"/cashdesk/receipts/{entry.id}?layout=58").get_data(as_text=True)
    assert re.search(r'class="kuitansi layout-58" id="receipt"', html)
    css = re.search(r"<style>\s*\.kuitansi.*?</style>", html, re.S).group(0)
    assert re.search(r"@page\s*\{\s*size:\s*58mm auto", css)
    rules = dict(_rules(css, "layout-58"))
    assert "max-width: 48mm" in rules[".kuitansi.layout-58"] and "width: 48mm" in rules[".kuitansi.layout-58"]
    assert "max-width: 100% !important" in rules[".kuitansi.layout-58 *"]
    for selector, body in _rules(css, "layout-58"):
        for prop, value, unit in re.findall(r"((?:min-|max-)?width):\s*([\d.]+)(mm|cm|px|rem|em)", body):
            assert _mm(value, unit) <= 48, (selector, prop, value, unit)
    a5 = web.get(f"/cashdesk/receipts/{entry.id}").get_data(as_text=True)
    assert 'class="kuitansi layout-a5"' in a5 and re.search(r"@page\s*\{\s*size:\s*A5", a5)


def test_receipts_name_the_officer_who_posted_not_the_viewer(app, coop, users, login, deposit, due_loan):  # noqa: F811
    """The treasurer (user A) takes the Rp 250.000 deposit and the Rp 840.000 instalment; the manager (user B)
    reprints both receipts later: each names A as "Petugas", never B. So does the member's own reprint."""
    m, entry = deposit
    _, loan = due_loan
    rep = atomic(loans.repay, coop.id, loan.id, 840_000, actor=users["treasurer"], paid_on=loan.first_due_date)
    a, b = users["treasurer"].full_name, users["manager"].full_name
    assert a != b
    web = login(users["manager"])
    for url in (f"/cashdesk/receipts/{entry.id}", f"/loans/repayments/{rep.id}/receipt",
                f"/cashdesk/receipts/{entry.id}?layout=58"):
        html = web.get(url).get_data(as_text=True)
        assert re.search(rf'id="receipt-officer">{re.escape(a)}<', html), url
        receipt = html[html.index('id="receipt"'):]
        assert b not in receipt, url
