"""The desk's API contract (API.md, "Migration service desk"): paths, fields, codes, statuses, roles,
tenancy, the departure/return link to the registry, the summary, exports and the letter."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from coop.dates import add_months
from coop.desk import rules


@pytest.fixture
def officer_api(api, users):
    return api(users["officer"])


def _open(officer_api, resident, **extra):
    body = {"resident_id": resident.id, "destination_country": "tw", "job_title": "Operator pabrik",
            "job_type": "badan_hukum", "scheme": "P2P", "agency_name": "PT Maju Jaya",
            "agency_licence_number": "KEP.123/2024", "job_order_ref": "JO-1", "contract_months": 24, **extra}
    resp = officer_api.post("/migration-cases", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _verify(officer_api, case_id, codes, **extra):
    for code in codes:
        resp = officer_api.post(f"/migration-cases/{case_id}/documents", json={"code": code, "status": "verified",
                                                                              **extra.get(code, {})})
        assert resp.status_code == 200, resp.get_json()


def test_open_case_returns_consultation_checklist_and_red_flags(coop, officer_api, make_resident, today):
    """Does POST /migration-cases answer 201 at consultation with the twelve codes missing and, before any
    agency check, the agency_not_verified flag?"""
    body = _open(officer_api, make_resident(coop))
    assert body["stage"] == "consultation" and body["destination_country"] == "TW"
    assert [r["code"] for r in body["checklist"]] == list(rules.DOCUMENT_CODES)
    assert {r["status"] for r in body["checklist"]} == {"missing"}
    assert body["red_flags"] == ["agency_not_verified"]
    assert body["opened_on"] == today.isoformat()


def test_open_case_refusals(coop, officer_api, make_resident, today):
    """A future opened_on is 422 future_date naming the field; a second open case is 409 case_open; Indonesia
    as the destination is 422 on destination_country."""
    r = make_resident(coop)
    resp = officer_api.post("/migration-cases", json={"resident_id": r.id, "destination_country": "HK",
                                                       "job_title": "PRT",
                                                       "opened_on": (today + timedelta(days=1)).isoformat()})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "future_date"
    assert "opened_on" in resp.get_json()["error"]["fields"]
    _open(officer_api, r)
    again = officer_api.post("/migration-cases", json={"resident_id": r.id, "destination_country": "HK",
                                                        "job_title": "PRT"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "case_open"
    other = make_resident(coop)
    bad = officer_api.post("/migration-cases", json={"resident_id": other.id, "destination_country": "ID",
                                                      "job_title": "PRT"})
    assert bad.status_code == 422 and "destination_country" in bad.get_json()["error"]["fields"]


def test_orientation_refused_with_missing_codes_then_allowed(coop, officer_api, make_resident, today):
    """Without verified agreements, is `orientation` a 409 missing_documents naming exactly
    placement_agreement and work_agreement? After verifying them, does it pass (with stage_skipped)?"""
    case = _open(officer_api, make_resident(coop))
    cid = case["id"]
    _verify(officer_api, cid, ["work_visa"])
    resp = officer_api.post(f"/migration-cases/{cid}/stage", json={"stage": "orientation", "on": today.isoformat()})
    err = resp.get_json()["error"]
    assert resp.status_code == 409 and err["code"] == "missing_documents"
    assert err["fields"]["documents"] == ["placement_agreement", "work_agreement"]
    _verify(officer_api, cid, ["placement_agreement", "work_agreement"])
    ok = officer_api.post(f"/migration-cases/{cid}/stage", json={"stage": "orientation", "on": today.isoformat()})
    assert ok.status_code == 200 and ok.get_json()["stage"] == "orientation"
    assert "stage_skipped" in ok.get_json()["red_flags"]
    assert [h["stage"] for h in ok.get_json()["stage_history"]] == ["consultation", "orientation"]


def test_under_18_not_eligible_past_consultation(coop, officer_api, make_resident, today):
    """Is a resident who turns 18 tomorrow flagged under_18 and refused `registered` with 409 not_eligible?"""
    minor = make_resident(coop, birth_date=date(today.year - 18, 1, 1) if (today.month, today.day) == (1, 1)
                          else add_months(today, -18 * 12) + timedelta(days=1))
    case = _open(officer_api, minor)
    assert "under_18" in case["red_flags"]
    resp = officer_api.post(f"/migration-cases/{case['id']}/stage", json={"stage": "registered",
                                                                         "on": today.isoformat()})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_eligible"
    stop = officer_api.post(f"/migration-cases/{case['id']}/stage", json={"stage": "stopped", "on": today.isoformat(),
                                                                         "reason": "Belum cukup umur"})
    assert stop.status_code == 200 and stop.get_json()["stopped_reason"] == "Belum cukup umur"


def test_stage_future_date_and_backwards(coop, officer_api, make_resident, today):
    """Is a stage `on` after the business date 422 future_date naming `on`, and a backward move 409?"""
    case = _open(officer_api, make_resident(coop))
    url = f"/migration-cases/{case['id']}/stage"
    resp = officer_api.post(url, json={"stage": "registered", "on": (today + timedelta(days=1)).isoformat()})
    assert resp.status_code == 422 and resp.get_json()["error"]["fields"].keys() == {"on"}
    assert officer_api.post(url, json={"stage": "registered", "on": today.isoformat()}).status_code == 200
    back = officer_api.post(url, json={"stage": "consultation", "on": today.isoformat()})
    assert back.status_code == 409 and back.get_json()["error"]["code"] == "invalid_stage"


def test_departed_records_migration_record_and_returned_closes_it(coop, officer_api, api, users, make_resident,
                                                                    today):
    """Walking a case to departed writes an aktif record (country TW, departure date) so the resident's
    pmi_status is aktif; returned makes it purna with the return date and reason."""
    r = make_resident(coop)
    case = _open(officer_api, r, opened_on=(today - timedelta(days=60)).isoformat())
    cid = case["id"]
    check = officer_api.post(f"/migration-cases/{cid}/agency-checks", json={
        "licence_number": "KEP.123/2024", "source": "SISKOP2MI", "checked_on": (today - timedelta(days=59)).isoformat(),
        "result": "valid"})
    assert check.status_code == 201 and check.get_json()["red_flags"] == []
    _verify(officer_api, cid, rules.PASAL13_DOCUMENTS,
            passport={"number": "C1234567", "expires_on": (today + timedelta(days=4000)).isoformat()},
            work_visa={"visa_kind": "work"})
    departed_on = today - timedelta(days=10)
    for stage in rules.ORDERED_STAGES[1:]:
        resp = officer_api.post(f"/migration-cases/{cid}/stage", json={"stage": stage, "on": departed_on.isoformat()})
        assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["red_flags"] == [] and body["migration_record_id"]
    res = officer_api.get(f"/residents/{r.id}").get_json()
    assert res["pmi_status"] == "aktif"
    rec = next(m for m in res["migration_records"] if m["id"] == body["migration_record_id"])
    assert (rec["status"], rec["country"]) == ("aktif", "TW")
    assert rec["departure_date"] == departed_on.isoformat()
    back = officer_api.post(f"/migration-cases/{cid}/stage", json={"stage": "returned", "on": today.isoformat(),
                                                                  "reason": "Kontrak diputus"})
    assert back.status_code == 200
    res = officer_api.get(f"/residents/{r.id}").get_json()
    rec = next(m for m in res["migration_records"] if m["id"] == body["migration_record_id"])
    assert (res["pmi_status"], rec["status"], rec["return_date"]) == ("purna", "purna", today.isoformat())


def test_departed_needs_all_eight(coop, officer_api, make_resident, today):
    """Jumping to departed with only KTP and KK verified: 409 naming the eight Pasal 13 codes, no record."""
    case = _open(officer_api, make_resident(coop))
    _verify(officer_api, case["id"], ["ktp", "kk"])
    resp = officer_api.post(f"/migration-cases/{case['id']}/stage", json={"stage": "departed", "on": today.isoformat()})
    assert resp.status_code == 409
    assert resp.get_json()["error"]["fields"]["documents"] == list(rules.PASAL13_DOCUMENTS)
    assert officer_api.get(f"/migration-cases/{case['id']}").get_json()["migration_record_id"] is None


def test_agency_invalid_and_visa_and_passport_flags(coop, officer_api, make_resident, today):
    """An agency check `not_found`, a tourist visa and a passport expiring in a year on a 24-month contract
    give agency_invalid, not_work_visa and passport_expires_before_contract_end; no job order gives
    no_job_order."""
    case = _open(officer_api, make_resident(coop), job_order_ref=None)
    cid = case["id"]
    resp = officer_api.post(f"/migration-cases/{cid}/agency-checks", json={
        "licence_number": "KEP.123/2024", "source": "SISKOP2MI", "checked_on": today.isoformat(), "result": "not_found"})
    assert resp.status_code == 201
    officer_api.post(f"/migration-cases/{cid}/documents", json={"code": "work_visa", "status": "submitted",
                                                               "visa_kind": "tourist"})
    officer_api.post(f"/migration-cases/{cid}/documents", json={
        "code": "passport", "status": "verified", "expires_on": (today + timedelta(days=365)).isoformat()})
    flags = officer_api.get(f"/migration-cases/{cid}").get_json()["red_flags"]
    assert flags == ["agency_invalid", "no_job_order", "not_work_visa", "passport_expires_before_contract_end"]
    future = officer_api.post(f"/migration-cases/{cid}/agency-checks", json={
        "licence_number": "X", "source": "S", "checked_on": (today + timedelta(days=1)).isoformat(), "result": "valid"})
    assert future.status_code == 422 and "checked_on" in future.get_json()["error"]["fields"]


def test_roles_and_nik(coop, users, api, officer_api, make_resident):
    """Manager and auditor read without NIK and may not write (403); treasurer and member get 403."""
    r = make_resident(coop)
    case = _open(officer_api, r)
    assert officer_api.get(f"/migration-cases/{case['id']}").get_json()["resident"]["nik"] == r.nik
    for role in ("manager", "auditor"):
        c = api(users[role])
        got = c.get(f"/migration-cases/{case['id']}")
        assert got.status_code == 200 and got.get_json()["resident"]["nik"] is None
        assert c.post(f"/migration-cases/{case['id']}/documents",
                      json={"code": "ktp", "status": "verified"}).status_code == 403
        assert c.get(f"/migration-cases/{case['id']}/family-permission-letter.pdf").status_code == 403
    for role in ("treasurer", "member"):
        assert api(users[role]).get("/migration-cases").status_code == 403
        assert api(users[role]).get("/migration-desk/summary?month=2026-11").status_code == 403


def test_other_cooperative_gets_404(coop, make_coop, make_user, api, officer_api, make_resident):
    """Does another cooperative's officer get 404 for reading, writing and printing this case?"""
    case = _open(officer_api, make_resident(coop))
    other = api(make_user(make_coop(name="Koperasi Lain", village_code="3504042002"), "officer"))
    cid = case["id"]
    assert other.get(f"/migration-cases/{cid}").status_code == 404
    assert other.post(f"/migration-cases/{cid}/documents", json={"code": "ktp", "status": "verified"}).status_code == 404
    assert other.post(f"/migration-cases/{cid}/stage", json={"stage": "registered", "on": "2026-01-01"}).status_code == 404
    assert other.get(f"/migration-cases/{cid}/family-permission-letter.pdf").status_code == 404
    assert other.get("/migration-cases").get_json()["items"] == []


def test_list_filters_by_stage(coop, officer_api, make_resident, today):
    """Does ?stage=registered list only the registered case?"""
    a = _open(officer_api, make_resident(coop))
    _open(officer_api, make_resident(coop))
    officer_api.post(f"/migration-cases/{a['id']}/stage", json={"stage": "registered", "on": today.isoformat()})
    items = officer_api.get("/migration-cases?stage=registered").get_json()["items"]
    assert [c["id"] for c in items] == [a["id"]]
    assert officer_api.get("/migration-cases?stage=nowhere").status_code == 422


def test_summary_counts_the_month(coop, officer_api, make_resident, today):
    """Three cases opened this month: one registered, one stopped, one left at consultation; one consultation
    logged for a visitor without a case. The summary counts 3 opened, 1 stopped, stages 1/1/1."""
    ids = [_open(officer_api, make_resident(coop), opened_on=today.replace(day=1).isoformat())["id"]
           for _ in range(3)]
    officer_api.post(f"/migration-cases/{ids[0]}/stage", json={"stage": "registered", "on": today.isoformat()})
    officer_api.post(f"/migration-cases/{ids[1]}/stage", json={"stage": "stopped", "on": today.isoformat(),
                                                              "reason": "Mundur"})
    c = officer_api.post("/migration-desk/consultations", json={"visitor_name": "Bu Sri", "held_on": today.isoformat(),
                                                                "topic": "costs"})
    assert c.status_code == 201 and c.get_json()["name"] == "Bu Sri"
    s = officer_api.get(f"/migration-desk/summary?month={today:%Y-%m}").get_json()
    assert (s["opened"], s["departed"], s["returned"], s["stopped"], s["consultations"]) == (3, 0, 0, 1, 1)
    assert (s["cases_by_stage"]["consultation"], s["cases_by_stage"]["registered"],
            s["cases_by_stage"]["stopped"]) == (1, 1, 1)
    assert s["red_flags"]["agency_not_verified"] == 2  # the stopped case no longer counts
    assert officer_api.get("/migration-desk/summary?month=2026-13").status_code == 422
    assert officer_api.get(f"/migration-desk/consultations?month={today:%Y-%m}").get_json()["count"] == 1


def test_reconciliation_csv_nik_by_role_and_audited(coop, users, api, officer_api, make_resident, today):
    """The CSV has the NIK for the officer, an empty NIK for the auditor; both downloads are in the audit log."""
    import sqlalchemy as sa

    from coop.audit.models import AuditLog
    from coop.db import db

    r = make_resident(coop)
    case = _open(officer_api, r, placement_decision_number="KEP-PEN/77")
    officer_api.post(f"/migration-cases/{case['id']}/stage", json={"stage": "registered", "on": today.isoformat()})
    rows = list(csv.DictReader(io.StringIO(officer_api.get("/migration-desk/reconciliation.csv").get_data(as_text=True))))
    assert [(x["nik"], x["placement_decision_number"]) for x in rows] == [(r.nik, "KEP-PEN/77")]
    aud = api(users["auditor"]).get("/migration-desk/reconciliation.csv").get_data(as_text=True)
    assert list(csv.DictReader(io.StringIO(aud)))[0]["nik"] == ""
    x = api(users["auditor"]).get(f"/migration-desk/summary.xlsx?month={today:%Y-%m}")
    assert x.status_code == 200 and x.data[:2] == b"PK"
    actions = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.action.like("export.desk_%"))).all()
    assert sorted(actions) == ["export.desk_reconciliation.csv", "export.desk_reconciliation.csv",
                               "export.desk_summary.xlsx"]
