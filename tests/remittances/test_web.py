"""The remittance pages: the cash-desk form, the list (newest first), the summary with its charts, goals
and KUR referrals on the member page and goals on the statement."""
from __future__ import annotations

import re
from datetime import timedelta

from coop.db import db
from coop.remittances import services
from coop.remittances.models import Remittance
from coop.savings import services as savings


def _form(acc, sender, today, **extra):
    return {"account_id": str(acc.id), "sender_nik": sender.nik, "country": "tw", "channel": "agent",
            "currency": "twd", "foreign_amount": "20000,50", "amount": "Rp 9.750.000", "fee": "",
            "received_on": today.isoformat(), "goal_id": "0", "memo": "", "nonce": "n-1", **extra}


def test_treasurer_records_remittance_and_gets_the_kuitansi(coop, users, login, family, today):
    """Does the treasurer's form (amount typed "Rp 9.750.000", foreign "20000,50") credit 9.750.000 to the
    sukarela account and land on the kuitansi showing that amount in words; does a resubmit of the same
    form (same nonce) record nothing more?"""
    member, acc, sender = family()
    client = login(users["treasurer"])
    page = client.get(f"/remittances/members/{member.id}/new")
    assert page.status_code == 200 and acc.account_number in page.get_data(as_text=True)
    resp = client.post(f"/remittances/members/{member.id}/new", data=_form(acc, sender, today))
    assert resp.status_code == 302 and "/cashdesk/receipts/" in resp.headers["Location"]
    receipt = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "9.750.000" in receipt and "sembilan juta tujuh ratus lima puluh ribu" in receipt.lower()
    again = client.post(f"/remittances/members/{member.id}/new", data=_form(acc, sender, today))
    assert again.status_code == 302
    row = db.session.query(Remittance).one()
    assert (row.amount, str(row.foreign_amount), row.country, row.currency) == (9_750_000, "20000.5000", "TW", "TWD")
    assert savings.get_account(coop.id, acc.id).balance == 9_750_000


def test_form_refusals_show_on_the_page(coop, users, login, family, today):
    """Is an unknown country a 422 with its message under the field, an unknown NIK a 422, a future date
    a 422, and the officer refused (403)?"""
    member, acc, sender = family()
    client = login(users["treasurer"])
    url = f"/remittances/members/{member.id}/new"
    resp = client.post(url, data=_form(acc, sender, today, country="XX"))
    assert resp.status_code == 422 and "kode negara ISO 3166" in resp.get_data(as_text=True)
    resp = client.post(url, data=_form(acc, sender, today, sender_nik="3504040000000000"))
    assert resp.status_code == 422
    resp = client.post(url, data=_form(acc, sender, today, received_on=(today + timedelta(days=1)).isoformat()))
    assert resp.status_code == 422
    assert db.session.query(Remittance).count() == 0
    assert login(users["officer"]).get(url).status_code == 403


def test_list_is_newest_first_and_summary_draws_charts(coop, users, login, family, remit, today):
    """Does the list show the remittance of today above the one of 40 days ago, and the summary show
    2 remittances, 1.500.000, the share 100.0 % (the 40-day-old 1.000.000 untouched) and two SVG charts?"""
    _member, acc, sender = family()
    remit(acc, sender, 1_000_000, today - timedelta(days=40), country="MY", channel="cash")
    remit(acc, sender, 500_000, today, country="HK", channel="bank")
    client = login(users["manager"])
    html = client.get("/remittances/").get_data(as_text=True)
    assert html.index("500.000") < html.index("1.000.000")
    page = client.get(f"/remittances/summary?from={(today - timedelta(days=60)).isoformat()}&to={today.isoformat()}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and text.count("<svg") >= 2
    assert "1.500.000" in text and re.search(r'id="saved-share">100\.0 %', text)
    assert "cdn" not in text.lower()


def test_member_page_shows_goal_progress_and_statement_lists_goals(coop, users, login, family, remit, today):
    """With 1.500.000 saved toward a 2.000.000 school goal, does the member page show 75.0 % in a progress
    bar, and the statement list the goal with 1.500.000?"""
    member, acc, sender = family()
    client = login(users["officer"])
    resp = client.post(f"/remittances/members/{member.id}/goals/new", data={
        "purpose": "school", "target_amount": "2.000.000", "target_date": (today + timedelta(days=200)).isoformat()})
    assert resp.status_code == 302
    remit(acc, sender, 1_500_000, today)
    html = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert 'aria-valuenow="75.0"' in html and "width: 75.0%" in html
    statement = client.get(f"/members/{member.id}/statement").get_data(as_text=True)
    goals = statement[statement.index('id="statement-goals"'):]
    assert "2.000.000" in goals and "1.500.000" in goals and "75.0" in goals
    bad = client.post(f"/remittances/members/{member.id}/goals/new", data={
        "purpose": "school", "target_amount": "2.000.000", "target_date": today.isoformat()})
    assert bad.status_code == 422


def test_kur_referral_pages(coop, users, login, family, today):
    """Does an officer refer a member for Rp 25.000.000, see it on the member page as Dirujuk, and move it
    to Disetujui with the form on that page?"""
    member, _acc, _sender = family()
    client = login(users["officer"])
    resp = client.post(f"/remittances/members/{member.id}/kur", data={
        "bank": "BNI", "amount_requested": "25.000.000", "referred_on": today.isoformat()})
    assert resp.status_code == 302
    html = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert "BNI" in html and "25.000.000" in html and "Dirujuk" in html
    ref = services.referrals_of(coop.id, member.id)[0]
    resp = client.post(f"/remittances/kur/{ref.id}/status", data={"status": "approved", "on": today.isoformat()})
    assert resp.status_code == 302
    db.session.expire_all()
    assert services.get_referral(coop.id, ref.id).status == "approved"


def test_cash_desk_member_page_links_to_the_remittance_form(coop, users, login, family):
    """Does the treasurer's cash-desk page of a member link to that member's remittance form?"""
    member, _acc, _sender = family()
    html = login(users["treasurer"]).get(f"/cashdesk/members/{member.id}").get_data(as_text=True)
    assert f'href="/remittances/members/{member.id}/new"' in html
