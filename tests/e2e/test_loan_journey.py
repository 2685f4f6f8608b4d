"""Browser journey of a loan: the treasurer files an application, the manager (not the maker) approves it,
the treasurer disburses it and records the first instalment, and the loan page shows the new outstanding
principal."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def test_loan_journey(browser, live_server, login_as, screenshot):
    """Can a treasurer apply for a Rp 3.000.000 loan over 12 months (no decision form for the maker), a
    manager approve it, the treasurer disburse it (KUITANSI PENCAIRAN) and take a first repayment of Rp
    295.000 (flat 1.5 %: Rp 250.000 principal + Rp 45.000 interest, confirmed in words), leaving Rp 2.750.000
    outstanding?"""
    ctx_t = browser.new_context(base_url=live_server)
    ctx_m = browser.new_context(base_url=live_server)
    treasurer, manager = ctx_t.new_page(), ctx_m.new_page()
    try:
        login_as(treasurer, "bendahara")
        treasurer.goto("/loans/new")
        treasurer.locator("#member_id").select_option(index=1)
        treasurer.locator("#product_id").select_option(label="Pinjaman Modal Usaha")
        treasurer.fill("#principal", "3.000.000")
        treasurer.fill("#term_months", "12")
        treasurer.fill("#purpose", "Tambahan modal warung (uji browser)")
        treasurer.click("button[name=submit]")
        treasurer.wait_for_url(re.compile(r"/loans/\d+$"))
        loan_url = treasurer.url
        assert "Diajukan" in treasurer.locator("h1").inner_text()
        # the maker sees no decision form
        assert treasurer.locator("button[name=decision]").count() == 0

        login_as(manager, "manajer")
        manager.goto(loan_url)
        # two buttons, nothing preselected (issue 15): the manager presses Setujui
        manager.fill("#note", "Usaha layak")
        manager.click("button[name=decision][value=approve]")
        manager.wait_for_load_state()
        assert "Disetujui" in manager.locator("h1").inner_text()
        screenshot(manager, "loan-approved")

        treasurer.goto(loan_url)
        treasurer.click("button[name=disburse]")
        treasurer.click("button[name=confirm]")  # the confirmation step (issue 15)
        treasurer.wait_for_url(re.compile(r"/disbursement-receipt$"))
        assert "KUITANSI PENCAIRAN" in treasurer.locator("body").inner_text()
        treasurer.goto(loan_url)
        # flat 1.5 % x 12 on 3.000.000: 250.000 principal + 45.000 interest
        treasurer.fill("#amount", "295.000")
        treasurer.click("button[name=repay]")
        assert "dua ratus sembilan puluh lima ribu rupiah" in treasurer.locator("#confirm-words").inner_text()
        treasurer.click("button[name=confirm]")
        treasurer.wait_for_url(re.compile(r"/receipt$"))
        receipt = treasurer.locator("body").inner_text()
        assert "Rp 250.000" in receipt and "Rp 45.000" in receipt
        screenshot(treasurer, "loan-receipt")
        treasurer.goto(loan_url)
        assert treasurer.locator("#outstanding-principal").inner_text().strip() == "Rp 2.750.000"
    finally:
        ctx_t.close()
        ctx_m.close()
