"""Browser journey at the cash desk: the treasurer logs in, finds a member by typing part of the name,
deposits Rp 250.000 into sukarela and sees the kuitansi with the amount in words and the new balance
(on a phone-sized screen, where the treasurer really works)."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def _rupiah(text: str) -> int:
    return int(re.sub(r"[^0-9]", "", text))


def test_treasurer_deposits_and_prints_receipt(phone_page, live_server, login_as, screenshot):
    """Can a treasurer find Wahyuni at the cash desk, deposit "Rp 250.000" to her sukarela savings, see the
    confirmation ("dua ratus lima puluh ribu rupiah", balance before + 250.000), confirm, and get a KUITANSI
    receipt with the amount, the words, the new balance and a wa.me share link?"""
    page = login_as(phone_page, "bendahara")
    page.goto("/cashdesk/")
    page.get_by_label("Cari anggota: nama, nomor anggota atau NIK").fill("Wahyu")
    suggestion = page.locator("a.member-suggestion", has_text="Wahyuni").first
    suggestion.wait_for()
    suggestion.click()
    page.wait_for_url(re.compile(r"/cashdesk/members/\d+$"))
    balance = page.locator(".account-balance[data-kind='sukarela']")
    before = _rupiah(balance.inner_text())
    form = page.locator("form:has(input[value='deposit'])").first
    form.get_by_label("Jumlah").fill("Rp 250.000")  # as printed on a receipt (a type=number input refused it)
    form.get_by_role("button", name="Setor").click()
    # the confirmation step (issue 15): amount, words and the balance after, then Konfirmasi
    page.locator("#confirm-words").wait_for()
    assert page.locator("#confirm-words").inner_text() == "dua ratus lima puluh ribu rupiah"
    assert _rupiah(page.locator("#confirm-balance-after").inner_text()) == before + 250_000
    screenshot(page, "cashdesk-confirm")
    page.get_by_role("button", name="Konfirmasi").click()
    page.wait_for_url(re.compile(r"/cashdesk/receipts/\d+$"))
    receipt = page.locator("#receipt")
    assert "dua ratus lima puluh ribu rupiah" in receipt.locator("#terbilang").inner_text().lower()
    assert _rupiah(page.locator("#amount").inner_text()) == 250_000
    assert _rupiah(receipt.locator(".new-balance").first.inner_text()) == before + 250_000
    assert "KUITANSI" in receipt.inner_text()
    assert page.locator("#receipt-whatsapp").get_attribute("href").startswith("https://wa.me/")
    screenshot(page, "cashdesk-receipt")
