"""The community-parenting API as API.md writes it."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from coop.audit.models import AuditLog
from coop.db import db


def _register(client, fam, body_fn, **extra):
    resp = client.post("/parenting/children", json=body_fn(fam, **extra))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_child_is_registered_with_consent_and_shows_migrant_parent(coop, users, api, pmi_family, child_body, today):
    """Does POST /parenting/children answer 201 with the caregiver, the migrant parent's pmi_status and the
    consent, and never the child's NIK?"""
    fam = pmi_family(coop, "aktif")
    out = _register(api(users["facilitator"]), fam, child_body)
    assert out["resident_id"] == fam.child.id and out["household_id"] == fam.child.household_id
    assert out["caregiver"]["resident_id"] == fam.caregiver.id
    assert [(p["resident_id"], p["pmi_status"]) for p in out["migrant_parents"]] == [(fam.parent.id, "aktif")]
    assert out["consent"] == {"given_by_resident_id": fam.caregiver.id, "given_by_name": fam.caregiver.full_name,
                              "relationship": "guardian", "given_on": today.isoformat(), "method": "written"}
    assert fam.child.nik not in str(out) and "nik" not in out
    # no session held, no contact logged: the only sign is the missing contact
    assert out["risk_signs"] == ["no_parent_contact"]


def test_no_consent_is_422_consent_required_and_nothing_saved(coop, users, api, pmi_family, child_body):
    """Without a consent (or with a partial one) is the answer 422 consent_required, with no row written?"""
    fam = pmi_family(coop)
    client = api(users["officer"])
    body = child_body(fam)
    del body["consent"]
    resp = client.post("/parenting/children", json=body)
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "consent_required"
    partial = child_body(fam, consent={"given_by_resident_id": fam.caregiver.id, "method": "written"})
    resp = client.post("/parenting/children", json=partial)
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "consent_required"
    assert client.get("/parenting/children").get_json()["items"] == []


def test_child_without_pmi_parent_is_not_eligible(coop, users, api, make_resident, make_pmi, child_body):
    """A child whose parents are not PMI aktif/purna (here: calon) is 422 not_eligible; naming a purna
    parent from another KK in parent_resident_ids makes the same child eligible."""
    head = make_pmi(coop, "calon", sex="M")
    child = make_pmi.family(head, relationship="anak", birth_date=date(2014, 1, 2))
    gran = make_pmi.family(head, relationship="orang_tua", birth_date=date(1950, 1, 2))
    fam = SimpleNamespace(child=child, caregiver=gran)
    client = api(users["admin"])
    resp = client.post("/parenting/children", json=child_body(fam))
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "not_eligible"
    mother = make_pmi(coop, "purna", sex="F")  # on her own KK
    resp = client.post("/parenting/children", json=child_body(fam, parent_resident_ids=[mother.id]))
    assert resp.status_code == 201, resp.get_json()
    assert [p["resident_id"] for p in resp.get_json()["migrant_parents"]] == [mother.id]


def test_grandchild_of_a_purna_head_is_eligible(coop, users, api, pmi_family, child_body):
    """Is a ``cucu`` whose kepala keluarga is a PMI purna eligible (API.md: anak or cucu)?"""
    fam = pmi_family(coop, "purna", child_relationship="cucu")
    assert api(users["officer"]).post("/parenting/children", json=child_body(fam)).status_code == 201


def test_bad_bodies_are_422_with_fields(coop, users, api, pmi_family, child_body, today):
    """Unknown school status, a consent in the future, a stranger giving consent: 422 naming the field."""
    fam = pmi_family(coop)
    client = api(users["officer"])
    resp = client.post("/parenting/children", json=child_body(fam, school_status="kuliah"))
    assert resp.status_code == 422 and "school_status" in resp.get_json()["error"]["fields"]
    future = child_body(fam)
    future["consent"]["given_on"] = (today + timedelta(days=1)).isoformat()
    resp = client.post("/parenting/children", json=future)
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "future_date"
    stranger = child_body(fam)
    stranger["consent"]["given_by_resident_id"] = fam.child.id
    resp = client.post("/parenting/children", json=stranger)
    assert resp.status_code == 422 and "consent.given_by_resident_id" in resp.get_json()["error"]["fields"]
    assert client.post("/parenting/children", json=[1]).status_code == 422


def test_sessions_attendance_and_low_attendance(coop, users, api, pmi_family, child_body, days_ago):
    """Worked example: the group held 3 sessions in the last 90 days (10, 40, 80 days ago) and one 100
    days ago; child A came to 2 of the 3 (not low), child B to 1 of 3 (1*2 < 3: low_attendance)."""
    client = api(users["facilitator"])
    g = client.post("/parenting/groups", json={"name": "Kelompok Mawar", "facilitator": "Bu Ani"})
    assert g.status_code == 201
    gid = g.get_json()["id"]
    a = _register(client, pmi_family(coop), child_body, group_id=gid)
    fam_b = pmi_family(coop)
    b = _register(client, fam_b, child_body, group_id=gid)
    sessions = []
    for n in (100, 80, 40, 10):
        resp = client.post("/parenting/sessions", json={"kind": "literacy", "held_on": days_ago(n),
                                                         "topic": "Membaca", "facilitator": "Bu Ani",
                                                         "group_id": gid})
        assert resp.status_code == 201
        sessions.append(resp.get_json()["id"])
    for sid, kids in zip(sessions, ([b["id"]], [a["id"]], [a["id"], b["id"]], []), strict=True):
        resp = client.post(f"/parenting/sessions/{sid}/attendance", json={"children": kids})
        assert resp.status_code == 200 and resp.get_json()["children"] == len(kids)
    signs = {r["id"]: r["risk_signs"] for r in client.get("/parenting/at-risk").get_json()["items"]}
    assert signs[a["id"]] == ["no_parent_contact"]
    assert signs[b["id"]] == ["low_attendance", "no_parent_contact"]
    detail = client.get(f"/parenting/children/{b['id']}").get_json()
    assert [x["held_on"] for x in detail["attendance"]] == [days_ago(100), days_ago(40)]
    # a contact 90 days ago still counts; the one on day 91 would not
    assert client.post(f"/parenting/children/{a['id']}/contacts",
                       json={"contacted_on": days_ago(90), "method": "video_call"}).status_code == 201
    signs = {r["id"]: r["risk_signs"] for r in client.get("/parenting/at-risk").get_json()["items"]}
    assert a["id"] not in signs


def test_not_in_school_and_one_session_never_flags_attendance(coop, users, api, pmi_family, child_body, days_ago):
    """A dropped-out child is not_in_school; with one group session held (under 2) attendance is not judged."""
    client = api(users["officer"])
    gid = client.post("/parenting/groups", json={"name": "Melati"}).get_json()["id"]
    c = _register(client, pmi_family(coop), child_body, group_id=gid, school_status="dropped_out")
    client.post("/parenting/sessions", json={"kind": "sport", "held_on": days_ago(5), "topic": "Sepak bola",
                                             "facilitator": "Pak Budi", "group_id": gid})
    client.post(f"/parenting/children/{c['id']}/contacts", json={"contacted_on": days_ago(1), "method": "call"})
    items = client.get("/parenting/at-risk").get_json()["items"]
    assert [(r["id"], r["risk_signs"]) for r in items] == [(c["id"], ["not_in_school"])]


def test_quarterly_report_worked_example(coop, users, api, pmi_family, child_body, today):
    """Two caregiver workshops in the quarter with scores 45->80 and 50->75 (gains 35 and 25): average
    gain "30.00"; 2 caregivers, 1 child attending, sessions by kind counted; a session of the next
    quarter is left out."""
    client = api(users["admin"])
    fam1, fam2 = pmi_family(coop), pmi_family(coop)
    c1 = _register(client, fam1, child_body)
    _register(client, fam2, child_body)
    q_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    ws = client.post("/parenting/sessions", json={"kind": "caregiver_workshop", "held_on": q_start.isoformat(),
                                                  "topic": "Pengasuhan", "facilitator": "Bu Ani"}).get_json()
    lit = client.post("/parenting/sessions", json={"kind": "literacy", "held_on": q_start.isoformat(),
                                                   "topic": "Baca", "facilitator": "Bu Ani"}).get_json()
    resp = client.post(f"/parenting/sessions/{ws['id']}/attendance", json={
        "children": [], "caregivers": [fam1.caregiver.id, fam2.caregiver.id],
        "scores": {str(fam1.caregiver.id): {"pre": 45, "post": 80}, str(fam2.caregiver.id): {"pre": 50, "post": 75}}})
    assert resp.status_code == 200, resp.get_json()
    client.post(f"/parenting/sessions/{lit['id']}/attendance", json={"children": [c1["id"]]})
    r = client.get(f"/parenting/reports/quarterly?quarter={quarter}").get_json()
    assert r["children"] == 2 and r["children_attending"] == 1 and r["caregivers"] == 2
    assert r["sessions_by_kind"]["caregiver_workshop"] == 1 and r["sessions_by_kind"]["literacy"] == 1
    assert r["sessions"] == 2 and r["average_score_gain"] == "30.00"
    assert r["attendance"] == {"children": 1, "caregivers": 2}
    nxt = f"{today.year + 1}Q1" if quarter.endswith("Q4") else f"{today.year}Q{int(quarter[-1]) + 1}"
    empty = client.get(f"/parenting/reports/quarterly?quarter={nxt}").get_json()
    assert empty["sessions"] == 0 and empty["average_score_gain"] is None
    assert client.get("/parenting/reports/quarterly?quarter=2027Q5").status_code == 422
    assert client.get("/parenting/reports/quarterly?quarter=9999Q4").status_code == 422
    x = client.get(f"/parenting/reports/quarterly.xlsx?quarter={quarter}")
    assert x.status_code == 200 and x.data[:2] == b"PK"


def test_scores_for_someone_absent_are_refused(coop, users, api, pmi_family, child_body, days_ago):
    """A score for a resident not in the attendance is 422, and the earlier attendance stays."""
    client = api(users["officer"])
    fam = pmi_family(coop)
    c = _register(client, fam, child_body)
    sid = client.post("/parenting/sessions", json={"kind": "arts", "held_on": days_ago(1), "topic": "Tari",
                                                   "facilitator": "Bu Ani"}).get_json()["id"]
    assert client.post(f"/parenting/sessions/{sid}/attendance", json={"children": [c["id"]]}).status_code == 200
    resp = client.post(f"/parenting/sessions/{sid}/attendance",
                       json={"children": [], "scores": {str(fam.parent.id): {"pre": 1, "post": 2}}})
    assert resp.status_code == 422
    resp = client.post(f"/parenting/sessions/{sid}/attendance",
                       json={"children": [c["id"]], "scores": {str(fam.child.id): {"pre": 10, "post": 101}}})
    assert resp.status_code == 422
    att = client.get(f"/parenting/sessions/{sid}").get_json()["attendance"]
    assert [(a["child_id"], a["role"]) for a in att] == [(c["id"], "child")]


def test_withdrawn_consent_hides_the_record_and_stops_processing(coop, users, api, pmi_family, child_body, today):
    """After withdrawal: the child is 404, absent from lists and the at-risk list, refused in attendance;
    the row is kept (hidden); a new consent registers the child again."""
    client = api(users["officer"])
    fam = pmi_family(coop)
    c = _register(client, fam, child_body)
    resp = client.post(f"/parenting/children/{c['id']}/consent-withdrawal", json={"withdrawn_on": today.isoformat()})
    assert resp.status_code == 200 and resp.get_json()["consent_withdrawn_on"] == today.isoformat()
    assert client.get(f"/parenting/children/{c['id']}").status_code == 404
    assert client.get("/parenting/children").get_json()["items"] == []
    assert client.get("/parenting/at-risk").get_json()["items"] == []
    sid = client.post("/parenting/sessions", json={"kind": "arts", "held_on": today.isoformat(), "topic": "Tari",
                                                   "facilitator": "Bu Ani"}).get_json()["id"]
    assert client.post(f"/parenting/sessions/{sid}/attendance", json={"children": [c["id"]]}).status_code == 422
    assert client.post(f"/parenting/children/{c['id']}/contacts",
                       json={"contacted_on": today.isoformat(), "method": "call"}).status_code == 404
    again = _register(client, fam, child_body)
    assert again["id"] == c["id"]


def test_every_read_of_a_child_is_audited(coop, users, api, pmi_family, child_body):
    """Does each GET of a child's record and each list of children add an audit row naming the child?"""
    client = api(users["facilitator"])
    c = _register(client, pmi_family(coop), child_body)

    def reads():
        return list(db.session.scalars(sa.select(AuditLog).where(
            AuditLog.cooperative_id == coop.id, AuditLog.action.in_(("parenting.child_read",
                                                                     "parenting.children_read")))))
    before = len(reads())
    client.get(f"/parenting/children/{c['id']}")
    client.get(f"/parenting/children/{c['id']}")
    client.get("/parenting/children")
    client.get("/parenting/at-risk")
    rows = reads()[before:]
    assert [r.action for r in rows] == ["parenting.child_read", "parenting.child_read",
                                        "parenting.children_read", "parenting.children_read"]
    assert all(r.actor_id == users["facilitator"].id for r in rows)
    assert rows[0].object_id == str(c["id"]) and str(c["id"]) in rows[2].summary


def test_no_nik_in_any_list_or_export(coop, users, api, pmi_family, child_body, today):
    """No child's (or anyone's) NIK in the lists, the child record, the report or the XLSX."""
    import io

    from openpyxl import load_workbook

    client = api(users["admin"])
    fam = pmi_family(coop)
    c = _register(client, fam, child_body)
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    texts = [client.get(p).get_data(as_text=True) for p in (
        "/parenting/children", f"/parenting/children/{c['id']}", "/parenting/at-risk",
        f"/parenting/reports/quarterly?quarter={quarter}")]
    wb = load_workbook(io.BytesIO(client.get(f"/parenting/reports/quarterly.xlsx?quarter={quarter}").data))
    texts.append(" ".join(str(v) for row in wb.active.iter_rows(values_only=True) for v in row))
    for text in texts:
        for person in (fam.child, fam.caregiver, fam.parent):
            assert person.nik not in text
