"""The Loans section of API.md, end to end over HTTP."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from tests.fixtures_ledger import top_up_cash


def _product(api_manager):
    resp = api_manager.post("/loan-products", json={"name": "Modal Usaha", "method": "flat",
                                                     "rate_percent_per_month": "1", "min_term_months": 3,
                                                     "max_term_months": 24, "rounding_multiple": 100,
                                                     "fee_percent": "1", "penalty_kind": "percent_overdue",
                                                     "penalty_percent": "1", "penalty_grace_days": 15})
    assert resp.status_code == 201, resp.json
    return resp.json


def test_full_journey_preview_apply_approve_disburse_repay(api, staff, member):
    """Preview == booked schedule; the maker's approval is 403; a manager approves; disbursement makes it
    active; a repayment returns the split and the new outstanding principal."""
    mgr, tre = api(staff["manager"]), api(staff["treasurer"])
    product = _product(mgr)
    assert product["kl_after_days"] == 90 and product["rate_percent_per_month"] == "1"
    preview = tre.post("/loan-schedules/preview", json={"product_id": product["id"], "principal": 9_000_000,
                                                        "term_months": 12, "first_due_date": "2026-02-05"})
    assert preview.status_code == 200
    assert preview.json["total_interest"] == 1_080_000
    assert preview.json["instalments"][0] == {"number": 1, "due_date": "2026-02-05", "principal": 750_000,
                                              "interest": 90_000, "total": 840_000}
    loan = tre.post("/loans", json={"member_id": member.id, "product_id": product["id"], "principal": 9_000_000,
                                    "term_months": 12, "purpose": "Warung kelontong", "applied_on": "2026-01-05"})
    assert loan.status_code == 201 and loan.json["status"] == "applied"
    lid = loan.json["id"]
    own = tre.post(f"/loans/{lid}/approval", json={"decision": "approve"})
    assert own.status_code == 403
    ok = mgr.post(f"/loans/{lid}/approval", json={"decision": "approve", "note": "Layak", "decided_on": "2026-01-05"})
    assert ok.status_code == 200 and ok.json["status"] == "approved"
    atomic(top_up_cash, member.cooperative_id, 9_000_000, date(2026, 1, 6))  # cash in the box to pay out
    d = tre.post(f"/loans/{lid}/disbursement", json={"disbursed_on": "2026-01-06", "first_due_date": "2026-02-05"})
    assert d.status_code == 200 and d.json["status"] == "active"
    assert d.json["outstanding_principal"] == 9_000_000 and d.json["fee_amount"] == 90_000
    sched = tre.get(f"/loans/{lid}/schedule").json["instalments"]
    assert [{k: r[k] for k in ("number", "due_date", "principal", "interest", "total")} for r in sched] \
        == preview.json["instalments"]
    rep = tre.post(f"/loans/{lid}/repayments", json={"amount": 840_000, "paid_on": "2026-02-05"},
                   headers={"Idempotency-Key": "rep-1"})
    assert rep.status_code == 201
    assert rep.json["allocation"] == {"penalty": 0, "fee": 0, "interest": 90_000, "principal": 750_000}
    assert rep.json["outstanding_principal"] == 8_250_000 and rep.json["entry_id"]
    again = tre.post(f"/loans/{lid}/repayments", json={"amount": 840_000, "paid_on": "2026-02-05"},
                     headers={"Idempotency-Key": "rep-1"})
    assert again.status_code == 201 and again.json == rep.json
    conflict = tre.post(f"/loans/{lid}/repayments", json={"amount": 1_000, "paid_on": "2026-02-05"},
                        headers={"Idempotency-Key": "rep-1"})
    assert conflict.status_code == 409 and conflict.json["error"]["code"] == "idempotency_conflict"
    got = tre.get(f"/loans/{lid}").json
    assert {k: got[k] for k in ("status", "principal", "outstanding_principal", "collectibility")} == {
        "status": "active", "principal": 9_000_000, "outstanding_principal": 8_250_000, "collectibility": "lancar"}
    assert "arrears" in got and "days_past_due" in got
    assert sched[1]["paid_on"] is None
    assert tre.get(f"/loans/{lid}/schedule").json["instalments"][0]["status"] == "paid"


def test_bad_input_is_422_and_unknown_ids_404(api, staff, member):
    """Are a float principal, a string principal, a term of 48 months, a preview with a far due date and a
    float rate 422, and are an unknown loan, its repayments and an unknown product's preview 404?"""
    tre = api(staff["treasurer"])
    product = _product(api(staff["manager"]))
    for body in ({"member_id": member.id, "product_id": product["id"], "principal": 1.5, "term_months": 6,
                  "purpose": "x", "applied_on": "2026-01-05"},
                 {"member_id": member.id, "product_id": product["id"], "principal": "1000000", "term_months": 6,
                  "purpose": "x", "applied_on": "2026-01-05"},
                 {"member_id": member.id, "product_id": product["id"], "principal": 1_000_000, "term_months": 48,
                  "purpose": "x", "applied_on": "2026-01-05"}):
        resp = tre.post("/loans", json=body)
        assert resp.status_code == 422, body
    assert tre.get("/loans/999999").status_code == 404
    assert tre.post("/loans/999999/repayments", json={"amount": 1, "paid_on": "2026-01-01"}).status_code == 404
    assert tre.post("/loan-schedules/preview", json={"product_id": 999999, "principal": 1_000_000,
                                                     "term_months": 6, "first_due_date": "2026-02-01"}).status_code == 404
    far = tre.post("/loan-schedules/preview", json={"product_id": product["id"], "principal": 1_000_000,
                                                    "term_months": 24, "first_due_date": "9999-06-01"})
    assert far.status_code == 422
    bad_rate = api(staff["manager"]).post("/loan-products", json={"name": "X", "method": "flat",
                                                                   "rate_percent_per_month": 1.5})
    assert bad_rate.status_code == 422


def test_roles(api, staff, users, member):
    """Are an officer applying for a loan, an auditor creating a product and an auditor approving a loan 403,
    while the auditor may read the loan (200)?"""
    product = _product(api(staff["manager"]))
    assert api(users["officer"]).post("/loans", json={}).status_code == 403
    assert api(users["auditor"]).post("/loan-products", json={}).status_code == 403
    loan = api(staff["treasurer"]).post("/loans", json={
        "member_id": member.id, "product_id": product["id"], "principal": 1_000_000, "term_months": 6,
        "purpose": "x", "applied_on": "2026-01-05"}).json
    assert api(users["auditor"]).post(f"/loans/{loan['id']}/approval", json={"decision": "approve"}).status_code == 403
    assert api(users["auditor"]).get(f"/loans/{loan['id']}").status_code == 200


def test_two_approvers_above_the_limit_over_the_api(api, staff, member):
    """30 juta is above loan_two_approvers_above (25 juta): the first manager's approval leaves it applied,
    the same manager again is 403, the second manager approves it."""
    product = _product(api(staff["manager"]))
    loan = api(staff["treasurer"]).post("/loans", json={
        "member_id": member.id, "product_id": product["id"], "principal": 30_000_000, "term_months": 24,
        "purpose": "Mesin jahit", "applied_on": "2026-01-05"}).json
    assert loan["approvals_needed"] == 2
    first = api(staff["manager"]).post(f"/loans/{loan['id']}/approval", json={"decision": "approve"})
    assert first.status_code == 200 and first.json["status"] == "applied"
    again = api(staff["manager"]).post(f"/loans/{loan['id']}/approval", json={"decision": "approve"})
    assert again.status_code == 403
    second = api(staff["manager2"]).post(f"/loans/{loan['id']}/approval", json={"decision": "approve"})
    assert second.status_code == 200 and second.json["status"] == "approved"


@pytest.mark.parametrize("leave", ["resigned", "deceased"])
def test_a_loan_approved_before_the_member_left_is_not_disbursed(api, coop, staff, member, make_loan, leave):
    """Is a Rp 9.000.000 loan approved on 5 Jan 2026 refused at disbursement (409 ``not_member``, still
    approved, nothing posted) once its member resigned or died on 10 Jan 2026?"""
    from coop.ledger.models import JournalEntry
    from coop.loans.models import Loan
    from coop.membership import services as membership

    loan = make_loan(coop, member, status="approved")
    if leave == "resigned":
        atomic(membership.resign, coop.id, member.id, date(2026, 1, 10), actor=None)
    else:
        atomic(membership.record_death, coop.id, member.id, date(2026, 1, 10), actor=None)
    atomic(top_up_cash, coop.id, 9_000_000, date(2026, 1, 12))
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))
    resp = api(staff["treasurer"]).post(f"/loans/{loan.id}/disbursement",
                                        json={"disbursed_on": "2026-01-12", "first_due_date": "2026-02-12"})
    assert resp.status_code == 409 and resp.json["error"]["code"] == "not_member"
    db.session.expire_all()
    assert db.session.get(Loan, loan.id).status == "approved"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == entries
