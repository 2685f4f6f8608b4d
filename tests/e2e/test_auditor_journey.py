"""Browser journey of the auditor (issue 15): on a phone, the ledger verifies, the trial balance
balances, and the journal CSV downloads from the exports page and balances to the rupiah."""
from __future__ import annotations

import csv
import io
import re

import pytest

pytestmark = pytest.mark.e2e


def _rupiah(text: str) -> int:
    return int(re.sub(r"[^\d-]", "", text))


def test_auditor_verifies_the_books_and_downloads_a_balanced_journal(phone_page, login_as, screenshot):
    """Does the demo auditor, on a 360 px phone, see "Buku besar utuh", a trial balance whose debit total
    equals its credit total, and get a journal CSV (from the exports list) whose debits and credits are
    equal, without any JavaScript error?"""
    page = phone_page
    login_as(page, "auditor")

    page.goto("/ledger/verify")
    assert "Buku besar utuh" in page.locator(".alert-success").inner_text()
    assert page.locator(".alert-danger").count() == 0
    screenshot(page, "auditor-verify")

    page.goto("/ledger/trial-balance")
    totals = page.locator("tr.fw-bold td.text-end")
    debit, credit = _rupiah(totals.nth(0).inner_text()), _rupiah(totals.nth(1).inner_text())
    assert debit == credit > 0
    assert page.locator(".alert-danger").count() == 0

    page.goto("/reports/")
    link = page.locator("a.list-group-item", has_text="journal.csv")
    assert link.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with page.expect_download() as info:
        link.click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) > 100  # the demo's two years of books
    assert sum(int(r["debit"] or 0) for r in rows) == sum(int(r["credit"] or 0) for r in rows) > 0
    assert page.js_errors == []
