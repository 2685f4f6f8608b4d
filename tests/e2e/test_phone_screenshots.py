"""Phone screenshots (360x780) of the pages a treasurer and a manager use most: the cash desk's member page,
a deposit receipt, a loan decision page and a savings statement. Each page is checked for what the picture
must show, then saved: to ``$COOP_SCREENSHOT_DIR`` when set (``COOP_SCREENSHOT_DIR=docs/screenshots
scripts/e2e.sh -k screenshots`` refreshes the ones in the repository), else to /tmp.
The member and loan pages are also checked for primary actions at least 44 px tall (issue 15 item 12)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

OUT = Path(os.environ.get("COOP_SCREENSHOT_DIR") or "/tmp/coop-e2e-docs")
PHONE = {"width": 360, "height": 780}


def _save(page, name: str, full_page: bool = False) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def _tap_targets_under_44(page, selector: str) -> list[str]:
    return page.evaluate("""sel => [...document.querySelectorAll(sel)]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
        .map(e => e.outerHTML.slice(0, 80))""", selector)


def test_cash_desk_receipt_and_statement_on_a_phone(phone_page, login_as):
    """On a phone, does the cash desk show the sukarela balance with tap targets of at least 44 px, confirm a
    Rp 50.000 deposit in words ("lima puluh ribu rupiah"), and do the confirmation, the receipt and the member
    statement (card layout, the Saldo cell on screen) fit the phone's width without sideways scrolling?"""
    page = login_as(phone_page, "bendahara")
    page.goto("/cashdesk/")
    page.get_by_label("Cari anggota: nama, nomor anggota atau NIK").fill("Wahyu")
    suggestion = page.locator("a.member-suggestion", has_text="Wahyuni").first
    suggestion.wait_for()
    suggestion.click()
    page.wait_for_url(re.compile(r"/cashdesk/members/\d+$"))
    member_id = int(page.url.rsplit("/", 1)[1])
    assert page.locator(".account-balance[data-kind='sukarela']").is_visible()
    assert _tap_targets_under_44(page, "main .btn-success, main .btn-primary") == []
    _save(page, "phone-cashdesk-member")

    form = page.locator("form:has(input[value='deposit'])").first
    form.get_by_label("Jumlah").fill("50.000")
    form.get_by_role("button", name="Setor").click()
    # the confirmation step: amount in words and the balance after, then Konfirmasi
    page.locator("#confirm-words").wait_for()
    assert page.locator("#confirm-words").inner_text() == "lima puluh ribu rupiah"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _save(page, "phone-cashdesk-confirm")
    page.get_by_role("button", name="Konfirmasi").click()
    page.wait_for_url(re.compile(r"/cashdesk/receipts/\d+$"))
    assert "lima puluh ribu rupiah" in page.locator("#terbilang").inner_text().lower()
    # nothing wider than the phone: no sideways scrolling on the receipt
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _save(page, "phone-receipt", full_page=True)

    page.goto(f"/members/{member_id}/statement")
    assert page.locator("table.cards").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # card layout: the first row's balance cell is labelled "Saldo" and on screen (not cut off at the right)
    cell = page.locator("table.cards tbody tr td[data-label='Saldo']").first
    box = cell.bounding_box()
    assert box and box["x"] + box["width"] <= PHONE["width"]
    _save(page, "phone-statement")


def test_loan_decision_page_on_a_phone(browser, live_server, login_as):
    """On a phone, does the manager see the Setujui (approve) button of a fresh Rp 2.000.000 application
    visible and at least 44 px high?"""
    phone = dict(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, base_url=live_server)
    ctx_t, ctx_m = browser.new_context(**phone), browser.new_context(**phone)
    treasurer, manager = ctx_t.new_page(), ctx_m.new_page()
    try:
        login_as(treasurer, "bendahara")
        treasurer.goto("/loans/new")
        treasurer.locator("#member_id").select_option(index=2)
        treasurer.locator("#product_id").select_option(label="Pinjaman Modal Usaha")
        treasurer.fill("#principal", "2.000.000")
        treasurer.fill("#term_months", "10")
        treasurer.fill("#purpose", "Modal jualan sayur (tangkapan layar)")
        treasurer.click("button[name=submit]")
        treasurer.wait_for_url(re.compile(r"/loans/\d+$"))
        login_as(manager, "manajer")
        manager.goto(treasurer.url)
        approve = manager.locator("button[name=decision][value=approve]")
        assert approve.is_visible()
        assert approve.bounding_box()["height"] >= 44
        _save(manager, "phone-loan-decision")
    finally:
        ctx_t.close()
        ctx_m.close()
