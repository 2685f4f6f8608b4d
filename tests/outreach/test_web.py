"""The outreach pages: consent on the resident/member page (record, withdraw), the officers' outbox with
wa.me links and "tandai terkirim", template editing for admins, and the nav entry."""
from __future__ import annotations

from datetime import UTC

import pytest

from coop import clock
from coop.db import atomic
from coop.outreach import rules, services
from tests.outreach.conftest import messages


@pytest.fixture
def daytime(monkeypatch, at):
    """The wall clock at 09:00 of the business date in Jakarta (outside quiet hours)."""
    monkeypatch.setattr(clock, "now_utc", lambda: at(9).astimezone(UTC))


def test_officer_records_and_withdraws_consent(coop, users, login, make_member, today, daytime):
    """From the member page the officer opens the consent page, records WhatsApp consent for instalments
    and the RAT, sees it in force, then withdraws it?"""
    m = make_member(coop)
    web = login(users["officer"])
    page = web.get(f"/members/{m.id}").get_data(as_text=True)
    assert f"/outreach/residents/{m.resident_id}/consents" in page
    resp = web.post(f"/outreach/residents/{m.resident_id}/consents", data={
        "channel": "whatsapp", "phone": "0812 3456 7890", "given_on": today.isoformat(),
        "purposes": ["instalment", "rat"]})
    assert resp.status_code == 302
    c = services.active_consent(coop.id, m.resident_id, "whatsapp")
    assert (c.phone, c.purpose_list, c.method, c.recorded_by_id) == ("6281234567890", ["instalment", "rat"], "form",
                                                                     users["officer"].id)
    page = web.get(f"/outreach/residents/{m.resident_id}/consents").get_data(as_text=True)
    assert "6281234567890" in page and "berlaku" in page
    assert web.post(f"/outreach/residents/{m.resident_id}/consents/whatsapp/withdraw").status_code == 302
    assert services.active_consent(coop.id, m.resident_id, "whatsapp") is None


def test_bad_consent_form_is_422(coop, users, login, make_resident, today, daytime):
    """No purpose ticked, or a phone that is not a mobile number, re-renders the page with 422 and records
    nothing?"""
    r = make_resident(coop)
    web = login(users["officer"])
    url = f"/outreach/residents/{r.id}/consents"
    assert web.post(url, data={"channel": "sms", "phone": "0812345678", "given_on": today.isoformat()}).status_code == 422
    resp = web.post(url, data={"channel": "sms", "phone": "12", "given_on": today.isoformat(), "purposes": ["rat"]})
    assert resp.status_code == 422 and "nomor HP tidak valid" in resp.get_data(as_text=True)
    assert services.consents_of(coop.id, r.id) == []


def test_outbox_lists_wa_me_links_and_marks_sent(coop, users, login, make_resident, consent, today, daytime):
    """The officer's outbox shows the queued message with its wa.me link; "tandai terkirim" makes it
    manual; the nav has the entry?"""
    r = make_resident(coop)
    msg = atomic(services.queue, coop.id, consent(coop, r, purposes=("rat",)), kind="rat_invitation", due_on=today,
                 values={"nama": r.full_name}, member_id=None)
    web = login(users["officer"])
    page = web.get("/outreach/").get_data(as_text=True)
    assert 'href="/outreach/"' in page
    assert rules.wa_me_link(msg.phone, msg.text) in page
    assert web.post(f"/outreach/messages/{msg.id}/sent").status_code == 302
    [m] = messages(coop.id)
    assert m.status == "manual" and m.events[-1].by_id == users["officer"].id


def test_outbox_in_quiet_hours_hides_the_links(coop, users, login, make_resident, consent, today, monkeypatch, at):
    """At 22:00 the page warns about quiet hours, shows no wa.me link, and marking sent is refused?"""
    monkeypatch.setattr(clock, "now_utc", lambda: at(22).astimezone(UTC))
    r = make_resident(coop)
    msg = atomic(services.queue, coop.id, consent(coop, r, purposes=("rat",)), kind="rat_invitation", due_on=today,
                 values={}, member_id=None)
    web = login(users["officer"])
    page = web.get("/outreach/").get_data(as_text=True)
    assert 'data-testid="quiet-hours"' in page and "wa.me" not in page
    web.post(f"/outreach/messages/{msg.id}/sent")
    assert messages(coop.id)[0].status == "queued"


def test_admin_edits_templates(coop, users, login):
    """An admin saves a template and sees it; an unknown placeholder is 422 and not saved; an officer may
    not open the page (403)?"""
    web = login(users["admin"])
    assert web.get("/outreach/templates").status_code == 200
    resp = web.post("/outreach/templates", data={"kind": "rat_invitation", "body": "RAT {tanggal}, {nama}!"})
    assert resp.status_code == 302
    assert services.templates(coop.id)["rat_invitation"] == ("RAT {tanggal}, {nama}!", False)
    resp = web.post("/outreach/templates", data={"kind": "rat_invitation", "body": "Halo {nik}"})
    assert resp.status_code == 422
    assert services.templates(coop.id)["rat_invitation"][0] == "RAT {tanggal}, {nama}!"
    assert login(users["officer"]).get("/outreach/templates").status_code == 403
