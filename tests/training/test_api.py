"""The Training section of API.md, as written."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from coop.db import db


def _cohort_via_api(client, capacity=2, sessions=("2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04",
                                                  "2026-06-05"), **extra):
    p = client.post("/training/programs", json={"name": "Sambal Kemasan", "topic": "Pengolahan pangan",
                                                "organiser": "Disperindag"})
    assert p.status_code == 201, p.json
    body = {"program_id": p.json["id"], "starts_on": sessions[0], "ends_on": sessions[-1], "capacity": capacity,
            "venue": "Balai Desa Pakel", "sessions": list(sessions), **extra}
    c = client.post("/training/cohorts", json=body)
    assert c.status_code == 201, c.json
    return c.json


def test_program_and_cohort_creation(coop, users, api):
    """Does the API create a cohort of capacity 20 with 20 places left, five sessions 1-5 June 2026 and no
    enrolments, and is a capacity of 1.5 422 naming capacity and an unknown program 404?"""
    client = api(users["officer"])
    cohort = _cohort_via_api(client, capacity=20)
    assert cohort["capacity"] == 20 and cohort["places_left"] == 20
    assert cohort["sessions"] == ["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05"]
    assert cohort["enrolments"] == []
    bad = client.post("/training/cohorts", json={"program_id": cohort["program_id"], "starts_on": "2026-06-01",
                                                 "ends_on": "2026-06-02", "capacity": 1.5, "venue": "x",
                                                 "sessions": ["2027-01-01"]})
    assert bad.status_code == 422 and "capacity" in bad.json["error"]["fields"]
    missing = client.post("/training/cohorts", json={**{k: cohort[k] for k in ("starts_on", "ends_on", "capacity",
                                                                                  "venue", "sessions")},
                                                     "program_id": 999999})
    assert missing.status_code == 404


def test_enrol_waitlist_cancel_promotes_in_order(coop, users, api, make_pmi):
    """In a cohort of 2 places, are four applicants enrolled, enrolled, waitlisted, waitlisted and listed in
    application order, does cancelling the first promote the first on the waitlist (cancelled, enrolled,
    enrolled, waitlisted), and is cancelling again 409?"""
    client = api(users["officer"])
    cohort = _cohort_via_api(client, capacity=2)
    rs = [make_pmi(coop), make_pmi(coop, status="keluarga"), make_pmi(coop), make_pmi(coop)]
    statuses = []
    for r in rs:
        resp = client.post(f"/training/cohorts/{cohort['id']}/enrolments", json={"resident_id": r.id})
        assert resp.status_code == 201
        statuses.append(resp.json["status"])
    assert statuses == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    got = client.get(f"/training/cohorts/{cohort['id']}").json
    assert [e["resident_id"] for e in got["enrolments"]] == [r.id for r in rs]  # application order
    first = got["enrolments"][0]["id"]
    resp = client.delete(f"/training/enrolments/{first}")
    assert resp.status_code == 200 and resp.json["status"] == "cancelled"
    got = client.get(f"/training/cohorts/{cohort['id']}").json
    assert [e["status"] for e in got["enrolments"]] == ["cancelled", "enrolled", "enrolled", "waitlisted"]
    again = client.delete(f"/training/enrolments/{first}")
    assert again.status_code == 409


def test_ineligible_resident_is_422_not_eligible(coop, users, api, make_resident, make_pmi):
    """Is enrolling a resident with no PMI link, or an aktif PMI (still abroad), 422 not_eligible on
    resident_id, and a resident id given as a string 422 validation_error?"""
    client = api(users["officer"])
    cohort = _cohort_via_api(client)
    resp = client.post(f"/training/cohorts/{cohort['id']}/enrolments", json={"resident_id": make_resident(coop).id})
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "not_eligible"
    assert resp.json["error"]["fields"]["resident_id"]
    aktif = client.post(f"/training/cohorts/{cohort['id']}/enrolments",
                        json={"resident_id": make_pmi(coop, status="aktif").id})
    assert aktif.json["error"]["code"] == "not_eligible"
    junk = client.post(f"/training/cohorts/{cohort['id']}/enrolments", json={"resident_id": "7"})
    assert junk.status_code == 422 and junk.json["error"]["code"] == "validation_error"


def test_attendance_and_completion_with_the_80_percent_rule(coop, users, api, make_pmi):
    """5 sessions: 3 present (60 %) -> 409; a 4th (80 %) -> completed with a certificate number."""
    client = api(users["officer"])
    cohort = _cohort_via_api(client, capacity=5)
    r = make_pmi(coop)
    eid = client.post(f"/training/cohorts/{cohort['id']}/enrolments", json={"resident_id": r.id}).json["id"]
    for day in cohort["sessions"][:3]:
        resp = client.post(f"/training/cohorts/{cohort['id']}/attendance", json={"session_date": day, "present": [eid]})
        assert resp.status_code == 200 and resp.json == {"session_date": day, "present": 1, "absent": 0}
    short = client.post(f"/training/enrolments/{eid}/completion")
    assert short.status_code == 409 and short.json["error"]["code"] == "attendance_short"
    assert "3 dari 5" in short.json["error"]["message"]
    client.post(f"/training/cohorts/{cohort['id']}/attendance", json={"session_date": cohort["sessions"][4],
                                                                     "present": [eid]})
    done = client.post(f"/training/enrolments/{eid}/completion")
    assert done.status_code == 200
    assert done.json["status"] == "completed"
    year = done.json["completed_on"][:4]
    assert done.json["certificate_number"] == f"SERT/{coop.village_code}/{year}/0001"
    assert client.post(f"/training/enrolments/{eid}/completion").status_code == 409
    # A session date that is not the cohort's is a 422; an enrolment of another cohort too.
    bad = client.post(f"/training/cohorts/{cohort['id']}/attendance", json={"session_date": "2027-01-01", "present": []})
    assert bad.status_code == 422
    bad = client.post(f"/training/cohorts/{cohort['id']}/attendance",
                      json={"session_date": cohort["sessions"][0], "present": [eid + 1000]})
    assert bad.status_code == 422


def test_completion_percent_is_a_setting(coop, users, api, make_pmi):
    """With training_completion_percent set to 60, is an enrolment present at 3 of 5 sessions completed
    (200)?"""
    from coop import settings
    from coop.db import atomic

    atomic(settings.set_value, coop.id, "training_completion_percent", "60", effective_on=date(2020, 1, 1))
    client = api(users["officer"])
    cohort = _cohort_via_api(client)
    eid = client.post(f"/training/cohorts/{cohort['id']}/enrolments", json={"resident_id": make_pmi(coop).id}).json["id"]
    for day in cohort["sessions"][:3]:
        client.post(f"/training/cohorts/{cohort['id']}/attendance", json={"session_date": day, "present": [eid]})
    assert client.post(f"/training/enrolments/{eid}/completion").status_code == 200


def test_member_applies_for_themselves_only(coop, users, api, make_pmi, make_user):
    """Is a member refused (403) to enrol another resident or create a program, allowed to enrol themselves
    (201, channel self), and shown only their own enrolment in the cohort?"""
    officer = api(users["officer"])
    cohort = _cohort_via_api(officer)
    me, other = make_pmi(coop), make_pmi(coop)
    member = make_user(coop, "member")
    member.resident_id = me.id
    db.session.flush()
    client = api(member)
    assert client.post(f"/training/cohorts/{cohort['id']}/enrolments", json={"resident_id": other.id}).status_code == 403
    resp = client.post(f"/training/cohorts/{cohort['id']}/enrolments", json={"resident_id": me.id})
    assert resp.status_code == 201 and resp.json["channel"] == "self"
    assert client.post("/training/programs", json={"name": "x", "topic": "y", "organiser": "z"}).status_code == 403
    seen = client.get(f"/training/cohorts/{cohort['id']}").json["enrolments"]
    assert [e["resident_id"] for e in seen] == [me.id]


def test_allowance_posts_to_the_ledger_idempotently(coop, users, api, make_pmi, today):
    """Dr 5202 Beban Pelatihan / Cr 1101 Kas for the cohort's allowance; a replay pays once."""
    from coop.ledger.models import JournalEntry, Posting
    from coop.ledger.services import account_by_code

    officer = api(users["officer"])
    cohort = _cohort_via_api(officer, allowance_amount=75_000)
    eid = officer.post(f"/training/cohorts/{cohort['id']}/enrolments", json={"resident_id": make_pmi(coop).id}).json["id"]
    cashier = api(users["treasurer"])
    from coop.db import atomic
    from tests.fixtures_ledger import fill_cash_box

    # the allowance is paid from cash in the box, on the day of the enrolment (not before it)
    atomic(fill_cash_box, coop.id, 100_000, date(2026, 6, 1))
    h = {"Idempotency-Key": "uang-saku-1"}
    first = cashier.post(f"/training/enrolments/{eid}/allowance", json={"paid_on": today.isoformat()}, headers=h)
    assert first.status_code == 201, first.json
    replay = cashier.post(f"/training/enrolments/{eid}/allowance", json={"paid_on": today.isoformat()}, headers=h)
    assert replay.status_code == 201 and replay.json == first.json
    assert cashier.post(f"/training/enrolments/{eid}/allowance", json={}).status_code == 409  # already paid
    entry = db.session.get(JournalEntry, first.json["entry_id"])
    lines = {(p.account.code, p.debit, p.credit) for p in db.session.scalars(
        sa.select(Posting).where(Posting.entry_id == entry.id))}
    assert lines == {("5202", 75_000, 0), ("1101", 0, 75_000)}
    assert entry.source == "training.allowance"
    assert account_by_code(coop.id, "5202").balance == 75_000
    assert officer.post(f"/training/enrolments/{eid}/allowance", json={}).status_code == 403


def test_followup_outcome_and_funnel(coop, users, api, make_pmi, today):
    """After a one-session cohort is completed, does the job create one 3-month follow-up (open), does
    recording a started business (Sambal Bu Sri) return business_started with a business id, and does the
    funnel count 1 trained and 1 business started?"""
    from coop.db import atomic
    from coop.training.followup import create_due_followups

    officer = api(users["officer"])
    cohort = _cohort_via_api(officer, capacity=5, sessions=("2026-06-01",))
    eid = officer.post(f"/training/cohorts/{cohort['id']}/enrolments", json={"resident_id": make_pmi(coop).id}).json["id"]
    officer.post(f"/training/cohorts/{cohort['id']}/attendance", json={"session_date": "2026-06-01", "present": [eid]})
    assert officer.post(f"/training/enrolments/{eid}/completion").status_code == 200
    from coop.training.models import Enrolment
    completed_on = db.session.get(Enrolment, eid).completed_on
    from coop.training.rules import add_months
    assert atomic(create_due_followups, coop.id, add_months(completed_on, 3)) == 1
    items = officer.get("/training/followups").json["items"]
    assert [(f["months"], f["status"]) for f in items] == [(3, "open")]
    resp = officer.post(f"/training/followups/{items[0]['id']}/outcome", json={
        "business_started": True, "done_on": "2027-04-01",
        "business": {"name": "Sambal Bu Sri", "kind": "sambal kemasan", "sector": "pangan", "nib": "1234567890123",
                     "pirt": "P-IRT 2063504010123-27", "monthly_revenue": 3_500_000, "workers": 2,
                     "business_group": "KUBE Mawar"}})
    assert resp.status_code == 200 and resp.json["business_started"] is True and resp.json["business_id"]
    funnel = officer.get("/training/funnel").json
    assert funnel["trained"] == 1 and funnel["businesses_started"] == 1


def test_huge_and_unknown_ids_are_404(coop, users, api):
    """Are cohort ids 9999999999999 and 2147483648, enrolment 2147483647 and follow-up 9999999999 404
    not_found?"""
    client = api(users["officer"])
    for path in ("/training/cohorts/9999999999999", "/training/cohorts/2147483648", "/training/enrolments/2147483647"):
        resp = client.get(path)
        assert resp.status_code == 404 and resp.json["error"]["code"] == "not_found"
    assert client.post("/training/followups/9999999999/outcome", json={"business_started": False}).status_code == 404


def test_a_member_login_applies_as_its_member_resident(coop, users, api, make_pmi, make_member, make_user):
    """A member's login stands for the member's resident (Member.resident_id), without User.resident_id."""
    from coop.db import atomic
    from coop.membership.services import link_user

    officer = api(users["officer"])
    cohort = _cohort_via_api(officer)
    r = make_pmi(coop)
    member = make_member(coop, resident=r)
    login_user = make_user(coop, "member")
    atomic(link_user, coop.id, member.id, login_user, actor=users["admin"])
    client = api(login_user)
    resp = client.post(f"/training/cohorts/{cohort['id']}/enrolments", json={"resident_id": r.id})
    assert resp.status_code == 201 and resp.json["channel"] == "self"
    assert client.delete(f"/training/enrolments/{resp.json['id']}").json["status"] == "cancelled"
