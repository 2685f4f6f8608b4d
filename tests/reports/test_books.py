"""The other books: member ledgers with running balances, NIK masked unless the role may see it."""
from __future__ import annotations

import csv
import io
from datetime import date

from coop.reports import books
from coop.reports.exports import Period


def _csv(chunks):
    return list(csv.DictReader(io.StringIO("".join(chunks))))


def test_member_ledgers_running_balance_and_nik_masking(app, coop, users, year2026, api):
    """Member B: pokok 100.000 (2025-01-02) and wajib 300.000 (2026-01-10); a 2026 export opens the pokok
    account at 100.000. The auditor's export masks NIK; the treasurer's (SEES_NIK) shows it whole."""
    a, b = year2026
    rows = _csv(books.member_ledgers_csv(coop.id, Period(date(2026, 1, 1), date(2026, 12, 31)), sees_nik=False))
    mine = [r for r in rows if r["member_number"] == b.member_number]
    opening = [r for r in mine if r["memo"] == "Saldo awal"]
    assert sorted(int(r["balance"]) for r in opening) == [0, 100_000]
    wajib = [r for r in mine if r["credit"] == "300000"]
    assert len(wajib) == 1 and wajib[0]["balance"] == "300000"
    nik = b.resident.nik
    assert all(r["nik"] == nik[:4] + "********" + nik[-4:] for r in mine)
    loan_rows = [r for r in rows if r["member_number"] == a.member_number and r["debit"] == "9000000"]
    assert loan_rows and loan_rows[0]["balance"] == "9000000"

    auditor = api(users["auditor"]).get("/exports/member-ledgers.csv").get_data(as_text=True)
    treasurer = api(users["treasurer"]).get("/exports/member-ledgers.csv").get_data(as_text=True)
    assert nik not in auditor and nik in treasurer


def test_trial_balance_and_portfolio_csv(app, coop, users, year2026, api):
    """Does the trial-balance CSV end with a JUMLAH row whose debit equals credit, does the loan-portfolio
    export list the one loan with outstanding 8.250.000 (9.000.000 - 750.000) and a masked NIK, and does the
    training-participants export start with "program,cohort"?"""
    a, _ = year2026
    tb = _csv(books.trial_balance_csv(coop.id, date(2026, 12, 31)))
    total = tb[-1]
    assert total["account_name"].startswith("JUMLAH") and total["debit"] == total["credit"]
    loans = list(csv.DictReader(io.StringIO(api(users["auditor"]).get("/exports/loan-portfolio.csv")
                                            .get_data(as_text=True))))
    assert len(loans) == 1 and loans[0]["member_number"] == a.member_number
    assert loans[0]["outstanding"] == str(9_000_000 - 750_000) and "*" in loans[0]["nik"]
    resp = api(users["auditor"]).get("/exports/training-participants.csv")
    assert resp.status_code == 200 and resp.get_data(as_text=True).startswith("program,cohort")
