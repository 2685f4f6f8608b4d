"""The outreach API contract (API.md, "Outreach and remittances"): consents on residents and members,
withdrawal, the outbox list; 422 on bad input, roles, tenancy."""
from __future__ import annotations

from datetime import timedelta

import pytest

from coop.db import atomic
from coop.outreach import services

BODY = {"channel": "whatsapp", "phone": "0812-3456-7890", "purposes": ["instalment", "rat"]}


@pytest.fixture
def officer_api(api, users):
    return api(users["officer"])


def test_record_consent_on_resident_and_member(coop, officer_api, make_resident, make_member, users, today):
    """POST on a resident answers 201 with the consent (phone normalised, who recorded it); the member alias
    records it on the member's resident?"""
    r = make_resident(coop)
    resp = officer_api.post(f"/residents/{r.id}/contact-consents", json={**BODY, "given_on": today.isoformat()})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert {k: body[k] for k in ("resident_id", "channel", "phone", "given_on", "purposes", "method", "recorded_by")} \
        == {"resident_id": r.id, "channel": "whatsapp", "phone": "6281234567890", "given_on": today.isoformat(),
            "purposes": ["instalment", "rat"], "method": "api", "recorded_by": users["officer"].username}
    m = make_member(coop)
    resp = officer_api.post(f"/members/{m.id}/contact-consents", json={**BODY, "channel": "sms",
                                                                       "given_on": today.isoformat()})
    assert resp.status_code == 201 and resp.get_json()["resident_id"] == m.resident_id


@pytest.mark.parametrize(("field", "value"), [("channel", "email"), ("phone", "12"), ("purposes", []),
                                              ("purposes", ["spam"]), ("given_on", "kemarin"), ("given_on", None),
                                              ("purposes", "rat")])
def test_bad_consent_is_422_naming_the_field(coop, officer_api, make_resident, today, field, value):
    """Each bad field answers 422 with that field in the error envelope and records nothing?"""
    r = make_resident(coop)
    resp = officer_api.post(f"/residents/{r.id}/contact-consents",
                            json={**BODY, "given_on": today.isoformat(), field: value})
    assert resp.status_code == 422, resp.get_json()
    assert any(k.split(".")[0] == field for k in resp.get_json()["error"]["fields"])
    assert services.consents_of(coop.id, r.id) == []


def test_future_given_on_and_missing_body_are_422(coop, officer_api, make_resident, today):
    """A consent dated tomorrow is 422 future_date; a body that is not JSON is 422?"""
    r = make_resident(coop)
    resp = officer_api.post(f"/residents/{r.id}/contact-consents",
                            json={**BODY, "given_on": (today + timedelta(days=1)).isoformat()})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "future_date"
    assert officer_api.post(f"/residents/{r.id}/contact-consents", data="x",
                            headers={"Content-Type": "text/plain"}).status_code == 422


def test_delete_withdraws_at_once(coop, officer_api, make_resident, make_member, today):
    """DELETE answers 204 and the queued message on that channel fails; again 204; an unknown channel 404;
    the member alias withdraws too?"""
    r = make_resident(coop)
    officer_api.post(f"/residents/{r.id}/contact-consents", json={**BODY, "given_on": today.isoformat()})
    c = services.active_consent(coop.id, r.id, "whatsapp")
    msg = atomic(services.queue, coop.id, c, kind="rat_invitation", due_on=today, values={}, member_id=None)
    assert officer_api.delete(f"/residents/{r.id}/contact-consents/whatsapp").status_code == 204
    assert msg.status == "failed" and services.active_consent(coop.id, r.id, "whatsapp") is None
    assert officer_api.delete(f"/residents/{r.id}/contact-consents/whatsapp").status_code == 204
    assert officer_api.delete(f"/residents/{r.id}/contact-consents/email").status_code == 404
    m = make_member(coop)
    officer_api.post(f"/members/{m.id}/contact-consents", json={**BODY, "channel": "sms", "given_on": today.isoformat()})
    assert officer_api.delete(f"/members/{m.id}/contact-consents/sms").status_code == 204
    assert services.active_consent(coop.id, m.resident_id, "sms") is None


def test_messages_list_fields_and_filters(coop, api, users, make_member, consent, today):
    """GET /messages lists items with exactly the fields of API.md, filtered by status and member_id; a bad
    status is 422?"""
    m1, m2 = make_member(coop), make_member(coop)
    q1 = atomic(services.queue, coop.id, consent(coop, m1.resident, purposes=("rat",)), kind="rat_invitation",
                due_on=today, values={"nama": m1.full_name}, member_id=m1.id)
    atomic(services.queue, coop.id, consent(coop, m2.resident, purposes=("rat",)), kind="rat_invitation",
           due_on=today, values={}, member_id=m2.id)
    atomic(services.withdraw_consent, coop.id, m2.resident_id, "whatsapp", via="officer", actor=None)
    client = api(users["auditor"])
    items = client.get("/messages").get_json()["items"]
    assert len(items) == 2
    assert set(items[0]) == {"id", "member_id", "channel", "purpose", "status", "text", "created_at", "sent_at"}
    queued = client.get("/messages?status=queued").get_json()["items"]
    assert [(i["id"], i["member_id"], i["status"], i["purpose"], i["channel"]) for i in queued] == [
        (q1.id, m1.id, "queued", "rat_invitation", "whatsapp")]
    assert queued[0]["text"] == q1.text and queued[0]["sent_at"] is None
    assert [i["status"] for i in client.get(f"/messages?member_id={m2.id}").get_json()["items"]] == ["failed"]
    assert client.get("/messages?status=lost").status_code == 422
    assert client.get("/messages?member_id=abc").status_code == 422


def test_roles(coop, api, users, make_resident, today):
    """An auditor may read the outbox but not record consent (403); a member login may do neither?"""
    r = make_resident(coop)
    auditor = api(users["auditor"])
    assert auditor.post(f"/residents/{r.id}/contact-consents", json={**BODY, "given_on": today.isoformat()}) \
        .status_code == 403
    assert auditor.delete(f"/residents/{r.id}/contact-consents/sms").status_code == 403
    member = api(users["member"])
    assert member.get("/messages").status_code == 403


def test_other_cooperatives_resident_is_404_before_the_body(coop, make_coop, make_resident, make_user, api, today):
    """Another cooperative's resident answers 404 even with a junk body, on POST and DELETE; their
    messages never show?"""
    other = make_coop("Koperasi Lain", village_code="3504042002")
    r = make_resident(other)
    atomic(services.record_consent, other.id, r.id, {**BODY, "given_on": today}, method="form", actor=None)
    client = api(make_user(coop, "admin"))
    assert client.post(f"/residents/{r.id}/contact-consents", json={}).status_code == 404
    assert client.delete(f"/residents/{r.id}/contact-consents/whatsapp").status_code == 404
    assert services.active_consent(other.id, r.id, "whatsapp") is not None
    assert client.get("/messages").get_json()["items"] == []
