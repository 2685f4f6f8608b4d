"""The loan pages: application by the treasurer, approval by a manager (not the maker), disbursement,
repayment with a printable receipt, reports and statement."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from coop import clock
from coop.db import atomic, db
from coop.loans.models import Loan, LoanRepayment
from tests.fixtures_ledger import top_up_cash


@pytest.fixture
def setup(coop, make_member, make_loan_product, loan_staff):
    return make_member(coop), make_loan_product(coop), loan_staff(coop)


def test_application_approval_disbursement_and_repayment_pages(client, login, setup, coop):
    """Through the pages, can a Rp 9.000.000 loan be applied for (schedule preview Rp 840.000), not decided by
    its maker (403), approved by a manager, disbursed in cash (receipt in words, stamp duty note Rp 10.000
    above Rp 5.000.000) and repaid 840.000 (750.000 principal + 90.000 interest, 8.250.000 left, no stamp),
    with the receipt's stamp wording following changed settings (Rp 12.000 above Rp 500.000)?"""
    member, product, staff = setup
    login(staff["treasurer"])
    assert client.get("/loans/new").status_code == 200
    resp = client.post("/loans/new", data={"member_id": member.id, "product_id": product.id, "principal": "9.000.000",
                                           "term_months": 12, "purpose": "Modal warung", "business_id": 0,
                                           "guarantor_member_id": 0, "applied_on": "2026-01-05"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    loan = db.session.scalar(sa.select(Loan).where(Loan.member_id == member.id))
    page = client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert "Simulasi jadwal" in page and "Rp 840.000" in page
    # the maker (a treasurer) cannot decide at all
    assert client.post(f"/loans/{loan.id}/decide", data={"decision": "approve"}).status_code == 403
    login(staff["manager"])
    with clock.frozen(date(2026, 1, 5)):  # the page dates a decision today: decided the day it was applied
        client.post(f"/loans/{loan.id}/decide", data={"decision": "approve", "note": "ok"})
    assert loan.status == "approved"
    login(staff["treasurer"])
    atomic(top_up_cash, coop.id, 9_000_000, date(2026, 1, 6))  # the cash it pays out is in the box
    resp = client.post(f"/loans/{loan.id}/disburse", data={"disbursed_on": "2026-01-06",
                                                           "first_due_date": "2026-02-05", "mode": "cash", "confirm": "1"})
    assert resp.status_code == 302 and "disbursement-receipt" in resp.location
    receipt = client.get(resp.location).get_data(as_text=True)
    assert "sembilan juta rupiah" in receipt.lower()
    assert "Bermeterai Rp 10.000 (kuitansi di atas Rp 5.000.000)" in receipt  # the stored defaults
    resp = client.post(f"/loans/{loan.id}/repay", data={"amount": "840.000", "paid_on": "2026-02-05",
                                                        "channel": "cash", "confirm": "1"})
    assert resp.status_code == 302 and "/receipt" in resp.location
    receipt_url = resp.location
    text = client.get(receipt_url).get_data(as_text=True)
    assert "Bermeterai" not in text  # Rp 840.000 is under the threshold
    # the stamp rule and its wording follow the stored settings
    from coop import settings as coop_settings

    atomic(coop_settings.set_value, coop.id, "stamp_duty_threshold", 500_000, effective_on=date(2026, 1, 1))
    atomic(coop_settings.set_value, coop.id, "stamp_duty_amount", 12_000, effective_on=date(2026, 1, 1))
    again = client.get(receipt_url).get_data(as_text=True)
    assert "Bermeterai Rp 12.000 (kuitansi di atas Rp 500.000)" in again
    assert "Rp 750.000" in text and "Rp 90.000" in text and "Rp 8.250.000" in text
    assert "delapan ratus empat puluh ribu rupiah" in text.lower()
    show = client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert re.search(r'id="outstanding-principal">Rp 8\.250\.000<', show)
    assert client.get(f"/loans/{loan.id}/agreement").status_code == 200
    assert client.get(f"/loans/statement?member_id={member.id}").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoanRepayment)) >= 1


def test_reports_and_lists_render(client, login, setup, coop, make_loan, app):
    """Do the loan lists, products and reports render for a manager, does the report on 1 June show 116 days
    late and "tidak sehat" with a chart, and is the NPL dashboard panel shown to a manager and not to an
    officer?"""
    member, product, staff = setup
    make_loan(coop, member, first_due_date=date(2026, 2, 5))
    login(staff["manager"])
    for url in ("/loans/", "/loans/?status=active", "/loans/products", "/loans/reports?as_of=2026-06-01",
                "/loans/reports"):
        resp = client.get(url)
        assert resp.status_code == 200, url
    text = client.get("/loans/reports?as_of=2026-06-01").get_data(as_text=True)
    # due 5 Feb, nothing paid: 116 days late on 1 June -> Kurang Lancar, NPL 100 % tidak sehat
    assert "116" in text and "tidak sehat" in text and "<svg" in text
    from flask import render_template

    from coop.blueprints.loans import dashboard_panel
    panel = dashboard_panel(staff["manager"])
    with app.test_request_context():
        html = render_template(panel["template"], panel=panel)
    assert "NPL" in html and dashboard_panel(staff["manager"].__class__(role="officer")) is None


def test_product_form(client, login, setup):
    """Can a manager create the weekly product "Mingguan Pasar" through the product form (rate "1,5", rupiah
    amounts with dots) and see it listed?"""
    _, _, staff = setup
    login(staff["manager"])
    resp = client.post("/loans/products", data={
        "name": "Mingguan Pasar", "method": "flat", "rate_percent_per_month": "1,5", "frequency": "weekly",
        "min_term_months": 1, "max_term_months": 12, "min_principal": "500.000", "max_principal": "10.000.000",
        "grace_periods": 0, "rounding_multiple": 500, "fee_percent": "1", "fee_fixed": "", "fee_deducted": "y",
        "penalty_kind": "fixed", "penalty_percent": "0", "penalty_fixed": "5.000", "penalty_grace_days": 3,
        "allocation_order": "penalty,fee,interest,principal"})
    assert resp.status_code == 302
    assert "Mingguan Pasar" in client.get("/loans/products").get_data(as_text=True)


def test_agreement_of_a_small_loan_still_carries_a_stamp(client, login, setup, coop, make_loan):
    """Does the agreement of a Rp 1.000.000 loan (under the Rp 5.000.000 receipt threshold) still ask for the
    Rp 10.000 meterai (UU 10/2020 Pasal 3(2)(a): an agreement is dutiable at any amount)?"""
    member, product, staff = setup
    loan = make_loan(coop, member, principal=1_000_000, first_due_date=date(2026, 2, 5))
    login(staff["manager"])
    page = client.get(f"/loans/{loan.id}/agreement").get_data(as_text=True)
    assert "Rp 1.000.000" in page
    assert re.search(r'id="stamp-duty">meterai Rp 10\.000<', page)
