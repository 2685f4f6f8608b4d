"""Issue 13 item 5: receipts as data. ``GET /api/v1/receipts/{voucher_number}`` gives the kuitansi as JSON
(or PDF), with the figures of the day it was written, on every reprint."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from coop.db import atomic
from coop.loans.repayments import repay


@pytest.fixture
def paid_twice(coop, make_member, make_loan, users, today):
    """Rp 3.000.000 flat 1 % for 10 months (300.000 pokok + 30.000 jasa an instalment); two payments of
    Rp 330.000: after the first 2.700.000 principal is outstanding, after the second 2.400.000."""
    start = today - timedelta(days=120)
    member = make_member(coop, joined_on=start - timedelta(days=30))
    loan = make_loan(coop, member, principal=3_000_000, term_months=10, applied_on=start)
    first = atomic(repay, coop.id, loan.id, 330_000, actor=users["treasurer"], paid_on=start + timedelta(days=10))
    second = atomic(repay, coop.id, loan.id, 330_000, actor=users["treasurer"], paid_on=start + timedelta(days=20))
    return member, loan, first, second


def _voucher(entry_id):
    from coop.db import db
    from coop.ledger.models import JournalEntry

    return db.session.get(JournalEntry, entry_id).voucher_number


def test_loan_receipt_json_keeps_the_figures_after_that_payment(coop, users, api, paid_twice):
    """Does the first payment's receipt show 330.000 split 300.000 pokok / 30.000 jasa / 0 denda and
    2.700.000 outstanding after it, although 2.400.000 is outstanding today?"""
    member, loan, first, _second = paid_twice
    voucher = _voucher(first.entry_id)
    r = api(users["treasurer"]).get(f"/receipts/{voucher}")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["voucher_number"] == voucher and body["date"] == first.paid_on.isoformat()
    assert body["kind"] == "loans.repayment" and body["member_number"] == member.member_number
    assert (body["amount"], body["principal"], body["interest"], body["penalty"]) == (330_000, 300_000, 30_000, 0)
    assert body["outstanding_principal_after"] == 2_700_000
    assert body["amount_in_words"] == "tiga ratus tiga puluh ribu rupiah"
    assert body["stamp_duty_required"] is False
    assert sum(line["amount"] for line in body["lines"]) == 330_000
    assert api(users["auditor"]).get(f"/receipts/{voucher}").get_json() == body  # a reprint: same figures


def test_loan_receipt_page_shows_principal_after_that_payment(coop, users, login, paid_twice):
    """Does the printable kuitansi of the first payment say Rp 2.700.000 remaining, not today's 2.400.000?"""
    _member, _loan, first, _second = paid_twice
    html = login(users["treasurer"]).get(f"/loans/repayments/{first.id}/receipt").get_data(as_text=True)
    assert 'id="receipt-outstanding">Rp 2.700.000<' in html


def test_receipt_pdf_by_suffix_and_accept(coop, users, api, paid_twice):
    """Do `.pdf` and `Accept: application/pdf` give a PDF whose text carries the voucher and the amount
    remaining after that payment?"""
    _member, _loan, first, _second = paid_twice
    voucher = _voucher(first.entry_id)
    client = api(users["manager"])
    for resp in (client.get(f"/receipts/{voucher}.pdf"),
                 client.get(f"/receipts/{voucher}", headers={"Accept": "application/pdf"})):
        assert resp.status_code == 200 and resp.mimetype == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(resp.data)).pages)
        assert voucher in text and "2.700.000" in text and "tiga ratus tiga puluh ribu rupiah" in text


def test_savings_receipt_and_member_access(coop, users, api, make_member, make_user, fund, today, paid_twice):
    """Does a savings deposit give its receipt (no stamp duty, whatever the amount); does a member read their
    own receipts and get 404 for another member's; is an unknown voucher 404?"""
    from coop.db import db
    from coop.membership.models import Member

    member, _loan, first, _second = paid_twice
    dep = fund(member, "sukarela", 6_000_000, value_date=today)
    staff = api(users["treasurer"])
    body = staff.get(f"/receipts/{dep.entry.voucher_number}").get_json()
    assert body["kind"] == "savings.deposit" and body["amount"] == 6_000_000
    assert body["stamp_duty_required"] is False and body["amount_in_words"] == "enam juta rupiah"
    assert "outstanding_principal_after" not in body
    own = make_user(coop, "member")
    db.session.get(Member, member.id).user_id = own.id
    db.session.flush()
    other = make_member(coop)
    stranger = make_user(coop, "member")
    db.session.get(Member, other.id).user_id = stranger.id
    db.session.flush()
    assert api(own).get(f"/receipts/{_voucher(first.entry_id)}").status_code == 200
    assert api(stranger).get(f"/receipts/{_voucher(first.entry_id)}").status_code == 404
    assert api(stranger).get(f"/receipts/{_voucher(first.entry_id)}.pdf").status_code == 404
    assert staff.get("/receipts/JU-1999-000001").status_code == 404
    assert api(users["facilitator"]).get(f"/receipts/{dep.entry.voucher_number}").status_code == 403
