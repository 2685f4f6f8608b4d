"""The remittances API contract (API.md, "Outreach and remittances"): paths, bodies, statuses, roles,
tenancy, idempotency, the receipt."""
from __future__ import annotations

from datetime import timedelta

import pytest

from coop.savings import services as savings


@pytest.fixture
def treasurer(api, users):
    return api(users["treasurer"])


def _body(acc, sender, today, **extra):
    return {"savings_account_id": acc.id, "sender_resident_id": sender.id, "country": "hk", "channel": "bank",
            "currency": "hkd", "foreign_amount": "3000.50", "amount": 5_850_000, "fee": 45_000,
            "received_on": (today - timedelta(days=1)).isoformat(), **extra}


def test_post_remittance_201_with_metadata_and_receipt(coop, family, treasurer, today):
    """Does POST /remittances answer 201 with the normalised metadata, the voucher and the new balance,
    and does that voucher's kuitansi show Rp 5.850.000 in words on the family's sukarela account?"""
    member, acc, sender = family()
    resp = treasurer.post("/remittances", json=_body(acc, sender, today))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert {k: body[k] for k in ("country", "channel", "currency", "foreign_amount", "amount", "fee", "balance",
                                 "member_id", "received_on")} == {
        "country": "HK", "channel": "bank", "currency": "HKD", "foreign_amount": "3000.5", "amount": 5_850_000,
        "fee": 45_000, "balance": 5_850_000, "member_id": member.id,
        "received_on": (today - timedelta(days=1)).isoformat()}
    receipt = treasurer.get(f"/receipts/{body['voucher_number']}")
    assert receipt.status_code == 200
    data = receipt.get_json()
    assert data["amount"] == 5_850_000 and data["member_number"] == member.member_number
    assert data["amount_in_words"].startswith("lima juta delapan ratus lima puluh ribu")
    assert data["lines"] == [{"description": f"Simpanan Sukarela {acc.account_number}", "amount": 5_850_000}]


def test_idempotency_key_replays_the_same_response(coop, family, treasurer, today):
    """Does the same Idempotency-Key with the same body return the same remittance once (balance 5.850.000
    not 11.700.000), and with another body 409?"""
    _member, acc, sender = family()
    h = {"Idempotency-Key": "remit-42"}
    first = treasurer.post("/remittances", json=_body(acc, sender, today), headers=h)
    again = treasurer.post("/remittances", json=_body(acc, sender, today), headers=h)
    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    assert savings.get_account(coop.id, acc.id).balance == 5_850_000
    other = treasurer.post("/remittances", json=_body(acc, sender, today, amount=1), headers=h)
    assert other.status_code == 409


@pytest.mark.parametrize("change, field", [({"amount": -100}, "amount"), ({"country": "ZZ"}, "country"),
                                           ({"channel": "western"}, "channel"), ({"foreign_amount": "-3"}, "foreign_amount"),
                                           ({"foreign_amount": 3000}, "foreign_amount"), ({"fee": -1}, "fee"),
                                           ({"currency": "RP"}, "currency")])
def test_bad_input_is_422_naming_the_field(coop, family, treasurer, today, change, field):
    """Is a negative amount, unknown country or channel, a bad foreign amount, fee or currency a 422 naming
    the field, with nothing credited?"""
    _member, acc, sender = family()
    resp = treasurer.post("/remittances", json=_body(acc, sender, today, **change))
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["error"]["fields"]
    assert savings.get_account(coop.id, acc.id).balance == 0


def test_future_date_422_and_other_tenants_account_404(coop, family, make_coop, make_member, treasurer, today):
    """Is tomorrow's received_on a 422 future_date, and another cooperative's account a 404?"""
    _member, acc, sender = family()
    resp = treasurer.post("/remittances", json=_body(acc, sender, today,
                                                     received_on=(today + timedelta(days=1)).isoformat()))
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "future_date"
    other = make_coop(name="Koperasi Lain", village_code="3504042002")
    theirs = savings.account_for(other.id, make_member(other).id, "sukarela")
    resp = treasurer.post("/remittances", json=_body(theirs, sender, today))
    assert resp.status_code == 404


def test_roles_officer_may_not_record_but_reads_summary(coop, family, api, users, today):
    """Is recording a remittance 403 for an officer and a member, while the officer reads the summary?"""
    _member, acc, sender = family()
    for role in ("officer", "member", "auditor"):
        assert api(users[role]).post("/remittances", json=_body(acc, sender, today)).status_code == 403
    assert api(users["officer"]).get("/remittances/summary").status_code == 200
    assert api(users["member"]).get("/remittances/summary").status_code == 403


def test_summary_contract(coop, family, treasurer, today):
    """Does GET /remittances/summary?from=&to= give count, amount, by_country, by_channel and saved_share
    ("1.0000": 2.000.000 received 40 days ago, nothing withdrawn), and 422 when from is after to?"""
    _member, acc, sender = family()
    treasurer.post("/remittances", json=_body(acc, sender, today, amount=2_000_000, channel="cash",
                                              received_on=(today - timedelta(days=40)).isoformat()))
    treasurer.post("/remittances", json=_body(acc, sender, today, amount=500_000, country="TW", currency="TWD"))
    q = f"/remittances/summary?from={(today - timedelta(days=60)).isoformat()}&to={today.isoformat()}"
    body = treasurer.get(q).get_json()
    assert (body["count"], body["amount"], body["fee"]) == (2, 2_500_000, 90_000)
    assert body["by_country"] == {"HK": {"count": 1, "amount": 2_000_000}, "TW": {"count": 1, "amount": 500_000}}
    assert body["by_channel"] == {"bank": {"count": 1, "amount": 500_000}, "cash": {"count": 1, "amount": 2_000_000}}
    assert body["saved_share"] == "1.0000"
    assert body["measured"] == {"count": 1, "amount": 2_000_000, "saved": 2_000_000}
    bad = treasurer.get(f"/remittances/summary?from={today.isoformat()}&to={(today - timedelta(days=1)).isoformat()}")
    assert bad.status_code == 422
    assert treasurer.get("/remittances/summary?from=kemarin").status_code == 422


def test_savings_goal_contract_and_member_sees_only_own(coop, family, api, users, treasurer, today, make_user):
    """Does POST /savings-goals answer 201 and GET /savings-goals/{id} give target_amount, saved and
    progress_percent (1.250.000 of 5.000.000 = "25.0")? Is another member's goal a 404 for a member?"""
    member, acc, sender = family()
    officer = api(users["officer"])
    resp = officer.post("/savings-goals", json={"member_id": member.id, "purpose": "business_capital",
                                                "target_amount": 5_000_000,
                                                "target_date": (today + timedelta(days=365)).isoformat()})
    assert resp.status_code == 201, resp.get_json()
    goal = resp.get_json()
    assert (goal["saved"], goal["progress_percent"], goal["savings_account_id"]) == (0, "0.0", acc.id)
    created = treasurer.post("/remittances", json=_body(acc, sender, today, amount=1_250_000, goal_id=goal["id"]))
    assert created.get_json()["goal_id"] == goal["id"]
    got = officer.get(f"/savings-goals/{goal['id']}").get_json()
    assert (got["target_amount"], got["saved"], got["progress_percent"]) == (5_000_000, 1_250_000, "25.0")
    assert api(users["member"]).get(f"/savings-goals/{goal['id']}").status_code == 404
    bad = officer.post("/savings-goals", json={"member_id": member.id, "purpose": "car", "target_amount": -1,
                                               "target_date": today.isoformat()})
    assert bad.status_code == 422
    assert {"purpose", "target_amount"} <= set(bad.get_json()["error"]["fields"])


def test_kur_referral_api(coop, family, api, users, today):
    """Does POST /kur-referrals answer 201 'referred' and the status endpoint move it to approved, and is
    disbursed -> referred a 422?"""
    member, _acc, _sender = family()
    officer = api(users["officer"])
    resp = officer.post("/kur-referrals", json={"member_id": member.id, "bank": "BRI", "amount_requested": 30_000_000})
    assert resp.status_code == 201 and resp.get_json()["status"] == "referred"
    rid = resp.get_json()["id"]
    moved = officer.post(f"/kur-referrals/{rid}/status", json={"status": "approved"})
    assert moved.status_code == 200 and moved.get_json()["decided_on"] == today.isoformat()
    assert officer.post(f"/kur-referrals/{rid}/status", json={"status": "referred"}).status_code == 422
