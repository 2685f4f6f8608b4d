"""Ledger pages and API: contract of API.md, roles, the manual journal form explaining what is wrong."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from coop.db import db
from coop.ledger.models import JournalEntry


@pytest.fixture
def booked(coop, books):
    b = books(coop)
    b.transfer("1101", "3901", 1_000_000, value_date=date(2026, 1, 2))
    b.transfer("5201", "1101", 150_000, value_date=date(2026, 2, 3))
    return b


def test_api_trial_balance_contract(coop, users, api, booked):
    """GET /ledger/trial-balance?as_of= returns accounts with code, name, debit, credit and totals."""
    resp = api(users["auditor"]).get("/ledger/trial-balance?as_of=2026-12-31")
    assert resp.status_code == 200
    body = resp.get_json()
    kas = next(r for r in body["accounts"] if r["code"] == "1101")
    assert (kas["debit"], kas["credit"], kas["name"]) == (850_000, 0, "Kas")
    assert body["total_debit"] == body["total_credit"] == 1_000_000
    assert api(users["auditor"]).get("/ledger/trial-balance?as_of=kemarin").status_code == 422
    assert api(users["officer"]).get("/ledger/trial-balance").status_code == 403


def test_api_verify_contract(coop, users, api, booked):
    """Does GET /ledger/verify report ok with 2 entries, no problems and a 64-character head hash?"""
    body = api(users["admin"]).get("/ledger/verify").get_json()
    assert body["ok"] is True and body["entries"] == 2 and body["problems"] == []
    assert len(body["head_hash"]) == 64


def test_api_manual_entry_idempotent(coop, users, api, booked):
    """POST /ledger/entries posts a balanced entry; replay with the key returns the same body; an
    unbalanced body is a 422 explaining the difference; a closed account a 409."""
    client = api(users["treasurer"])
    body = {"value_date": "2026-03-01", "memo": "Bayar listrik",
            "lines": [{"account_code": "5201", "debit": 75_000}, {"account_code": "1101", "credit": 75_000}]}
    r1 = client.post("/ledger/entries", json=body, headers={"Idempotency-Key": "listrik-maret"})
    r2 = client.post("/ledger/entries", json=body, headers={"Idempotency-Key": "listrik-maret"})
    assert r1.status_code == r2.status_code == 201
    assert r1.get_json() == r2.get_json()
    assert r1.get_json()["voucher_number"] == "JU-2026-000003"
    bad = dict(body, lines=[{"account_code": "5201", "debit": 75_000}, {"account_code": "1101", "credit": 70_000}])
    r3 = client.post("/ledger/entries", json=bad)
    assert r3.status_code == 422 and "selisih Rp 5.000" in r3.get_json()["error"]["message"]
    r4 = client.post("/ledger/entries", json=dict(body, lines=[{"account_code": "5201", "debit": 1.5},
                                                               {"account_code": "1101", "credit": 1}]))
    assert r4.status_code == 422
    assert api(users["auditor"]).post("/ledger/entries", json=body).status_code == 403


def test_api_general_ledger_and_statements(coop, users, api, booked):
    """Does the API's general ledger of Kas for February open at Rp 1.000.000 and close at Rp 850.000 with one
    line, is the neraca balanced, the PHU surplus -150.000, and does a limited account list return a next
    cursor?"""
    c = api(users["manager"])
    kas = booked.acc("1101")
    gl = c.get(f"/ledger/accounts/{kas}/general-ledger?from=2026-02-01&to=2026-02-28").get_json()
    assert gl["opening"] == 1_000_000 and gl["closing"] == 850_000 and len(gl["lines"]) == 1
    assert c.get("/ledger/neraca?as_of=2026-12-31").get_json()["balanced"] is True
    assert c.get("/ledger/phu?from=2026-01-01&to=2026-12-31").get_json()["surplus"] == -150_000
    assert c.get("/ledger/accounts?limit=5").get_json()["next_cursor"]


def test_manual_journal_page_explains_imbalance_and_posts(coop, users, login, booked):
    """The form refuses an unbalanced entry saying by how much, and posts a balanced one."""
    web = login(users["treasurer"])
    assert web.get("/ledger/entries/new").status_code == 200
    kas, beban = booked.acc("1101"), booked.acc("5201")
    data = {"value_date": "2026-03-05", "memo": "Beli ATK",
            "lines-0-account_id": beban, "lines-0-debit": "25.000",
            "lines-1-account_id": kas, "lines-1-credit": "20.000"}
    resp = web.post("/ledger/entries/new", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "tidak seimbang" in page and "selisih Rp 5.000" in page
    data["lines-1-credit"] = "25.000"
    ask = web.post("/ledger/entries/new", data=data)  # the confirmation step first (issue 15): nothing posted
    assert ask.status_code == 200 and 'id="confirm-form"' in ask.get_data(as_text=True)
    assert booked.balance("5201") == 150_000
    resp = web.post("/ledger/entries/new", data=data | {"confirm": "1"})
    assert resp.status_code == 302
    assert booked.balance("5201") == 175_000
    resp = web.post("/ledger/entries/new", data=dict(data, **{"lines-2-debit": "5"}))
    assert "Baris 3: pilih akunnya" in resp.get_data(as_text=True)


def test_reversal_via_pages_needs_second_user(coop, users, login, booked):
    """Does a treasurer's reversal request from the pages create an approval that a manager approves, after
    which expense account 5201 is back to 0?"""
    e = db.session.scalar(sa.select(JournalEntry).where(JournalEntry.cooperative_id == coop.id)
                          .order_by(JournalEntry.id.desc()))
    web = login(users["treasurer"])
    assert web.post(f"/ledger/entries/{e.id}/reversal", data={"reason": "salah akun"}).status_code == 302
    from coop.ledger.models import LedgerApproval
    a = db.session.scalar(sa.select(LedgerApproval).where(LedgerApproval.target_id == e.id))
    web = login(users["manager"])
    assert web.post(f"/ledger/approvals/{a.id}/decide", data={"decision": "approve"}).status_code == 302
    assert booked.balance("5201") == 0


@pytest.mark.parametrize("path", ["/ledger/", "/ledger/entries", "/ledger/trial-balance?as_of=2026-12-31",
                                  "/ledger/neraca", "/ledger/phu?from=2026-01-01&to=2026-12-31", "/ledger/periods",
                                  "/ledger/approvals", "/ledger/verify"])
def test_pages_render(coop, users, login, booked, path):
    """Does each ledger page (index, entries, trial balance, neraca, PHU, periods, approvals, verify) render
    200 for an admin?"""
    web = login(users["admin"])
    resp = web.get(path)
    assert resp.status_code == 200, path


def test_account_page_and_xlsx(coop, users, login, booked):
    """Does the account page show "Saldo akhir" to an auditor, and do the account, trial balance, neraca and
    PHU exports come back as XLSX (a zip starting "PK")?"""
    web = login(users["auditor"])
    kas = booked.acc("1101")
    assert "Saldo akhir" in web.get(f"/ledger/accounts/{kas}?from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    for path in (f"/ledger/accounts/{kas}?format=xlsx", "/ledger/trial-balance?format=xlsx",
                 "/ledger/neraca?format=xlsx", "/ledger/phu?format=xlsx"):
        resp = web.get(path)
        assert resp.status_code == 200 and resp.data[:2] == b"PK", path


def test_period_close_page_and_dashboard_panel(coop, users, login, booked):
    """Does a manager close January 2026 from the periods page, does the treasurer's cash panel show Kas Rp
    850.000, and is the panel hidden from and the ledger forbidden (403) to an officer?"""
    web = login(users["manager"])
    assert web.post("/ledger/periods", data={"year": "2026", "month": "1"}).status_code == 302
    from coop.ledger.periods import list_periods
    assert [p.status for p in list_periods(coop.id)] == ["closed"]
    from flask import render_template

    from coop.blueprints.ledger import cash_panel
    panel = cash_panel(users["treasurer"])
    assert panel["cash"] == {"kas": 850_000, "bank": 0, "total": 850_000}
    with web.application.test_request_context():
        assert "Rp 850.000" in render_template(panel["template"], panel=panel)
    assert cash_panel(users["officer"]) is None
    web = login(users["officer"])
    assert web.get("/ledger/").status_code == 403


def test_admin_adds_and_closes_account(coop, users, login):
    """Can an admin add account 5210 "Beban Rapat" from the page and then close it (is_open False)?"""
    web = login(users["admin"])
    assert web.post("/ledger/accounts", data={"code": "5210", "name": "Beban Rapat", "type": "expense"}).status_code == 302
    from coop.ledger.services import account_by_code
    acc = account_by_code(coop.id, "5210")
    assert web.post(f"/ledger/accounts/{acc.id}/close").status_code == 302
    db.session.refresh(acc)
    assert acc.is_open is False


def test_opening_import_page(coop, users, login):
    """Does uploading a CSV "1101,300000" on the opening-balances page book Kas at Rp 300.000?"""
    import io
    web = login(users["admin"])
    resp = web.post("/ledger/opening-balances", data={"value_date": "2025-12-31",
                                                      "file": (io.BytesIO(b"code,amount\n1101,300000\n"), "o.csv")},
                    content_type="multipart/form-data")
    assert resp.status_code == 302
    from coop.ledger.services import account_by_code, balance_of
    assert balance_of(account_by_code(coop.id, "1101").id) == 300_000
