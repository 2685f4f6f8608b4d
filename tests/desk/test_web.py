"""Desk pages on a phone: the board (red flags first), the case page with checklist toggles and stage
buttons that explain what is missing, read-only for manager/auditor without NIK, 404 across tenants."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa


def test_board_lists_red_flag_cases_first(coop, users, login, make_case, verify_all, today):
    """The case with no job order (a red flag) is listed before a clean case opened earlier."""
    from coop.db import atomic
    from coop.desk.services import add_agency_check

    clean = make_case(coop, opened_on=today - timedelta(days=5))
    atomic(add_agency_check, coop.id, clean.id, licence_number="KEP.123/2024", source="SISKOP2MI",
           checked_on=today, result="valid", as_of=today, actor=None)
    flagged = make_case(coop, job_order_ref=None)
    atomic(add_agency_check, coop.id, flagged.id, licence_number="KEP.123/2024", source="SISKOP2MI",
           checked_on=today, result="valid", as_of=today, actor=None)
    html = login(users["officer"]).get("/desk/").get_data(as_text=True)
    assert html.index(f'data-case-id="{flagged.id}"') < html.index(f'data-case-id="{clean.id}"')
    assert 'data-flag="no_job_order"' in html


def test_officer_toggles_documents_and_stage_button_explains_missing(coop, users, login, make_case, today):
    """At `visa`, the orientation button says which documents are missing; verifying them through the page's
    toggles lets the officer press it."""
    from coop.db import atomic
    from coop.desk.services import move_stage

    case = make_case(coop)
    atomic(move_stage, coop.id, case.id, stage="registered", on=today, as_of=today, actor=None)
    for s in ("recommended", "medical", "passport", "visa"):
        atomic(move_stage, coop.id, case.id, stage=s, on=today, as_of=today, actor=None)
    web = login(users["officer"])
    html = web.get(f"/desk/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="why-orientation"' in html and "Perjanjian kerja" in html
    for code in ("work_visa", "placement_agreement", "work_agreement"):
        resp = web.post(f"/desk/cases/{case.id}/documents", data={"code": code, "status": "verified"})
        assert resp.status_code == 302
    html = web.get(f"/desk/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="why-orientation"' not in html
    resp = web.post(f"/desk/cases/{case.id}/stage", data={"stage": "orientation", "on": today.isoformat()})
    assert resp.status_code == 302
    html = web.get(f"/desk/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="stage">Orientasi pra pemberangkatan' in html


def test_stage_post_refused_flashes_missing_and_changes_nothing(coop, users, login, make_case, today):
    """Pressing `departed` with nothing verified leaves the case at consultation and names the documents."""
    case = make_case(coop)
    web = login(users["officer"])
    resp = web.post(f"/desk/cases/{case.id}/stage", data={"stage": "departed", "on": today.isoformat()},
                    follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "Surat keterangan status perkawinan" in html and 'data-testid="stage">Konsultasi' in html


def test_new_case_form_by_nik(coop, users, login, make_resident, today):
    """Opening a case from the phone form by NIK lands on the case page; an unknown NIK is a form error."""
    r = make_resident(coop)
    web = login(users["officer"])
    data = {"nik": r.nik, "destination_country": "hk", "job_title": "PRT", "job_type": "perseorangan",
            "scheme": "P2P", "opened_on": today.isoformat()}
    resp = web.post("/desk/cases/new", data=data)
    assert resp.status_code == 302 and "/desk/cases/" in resp.headers["Location"]
    bad = web.post("/desk/cases/new", data=dict(data, nik="3504040000000000"))
    assert bad.status_code == 200 and "NIK tidak ada di data desa" in bad.get_data(as_text=True)
    future = web.post("/desk/cases/new", data=dict(data, opened_on=(today + timedelta(days=3)).isoformat()))
    assert future.status_code == 200 and "is-invalid" in future.get_data(as_text=True)


def test_manager_reads_without_nik_and_cannot_write(coop, users, login, make_case):
    """A manager sees the case without its NIK and without buttons; a POST is 403; a treasurer gets 403."""
    case = make_case(coop)
    web = login(users["manager"])
    html = web.get(f"/desk/cases/{case.id}").get_data(as_text=True)
    assert case.resident.nik not in html and 'data-testid="letter"' not in html
    assert web.post(f"/desk/cases/{case.id}/documents", data={"code": "ktp", "status": "verified"}).status_code == 403
    assert login(users["treasurer"]).get("/desk/").status_code == 403
    assert case.resident.nik in login(users["officer"]).get(f"/desk/cases/{case.id}").get_data(as_text=True)


def test_other_cooperative_page_is_404(coop, make_coop, make_user, login, make_case):
    """Another cooperative's officer gets 404 for the case page and its letter."""
    case = make_case(coop)
    web = login(make_user(make_coop(name="Lain", village_code="3504042002"), "officer"))
    assert web.get(f"/desk/cases/{case.id}").status_code == 404
    assert web.get(f"/desk/cases/{case.id}/family-permission-letter.pdf").status_code == 404


def test_consultation_page_and_summary_exports_audited(coop, users, login, today):
    """A visitor's consultation is logged from the page and counted; the summary page shows it; the XLSX and
    CSV downloads from the page are audited."""
    from coop.audit.models import AuditLog
    from coop.db import db

    web = login(users["officer"])
    resp = web.post("/desk/consultations", data={"visitor_name": "Pak Budi", "held_on": today.isoformat(),
                                                 "topic": "legal_channels"})
    assert resp.status_code == 302
    html = web.get("/desk/consultations").get_data(as_text=True)
    assert "Pak Budi" in html and "1 konsultasi" in html
    assert web.get(f"/desk/summary?month={today:%Y-%m}").status_code == 200
    assert web.get(f"/desk/summary.xlsx?month={today:%Y-%m}").data[:2] == b"PK"
    assert web.get("/desk/reconciliation.csv").status_code == 200
    n = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action.like("export.desk_%")))
    assert n == 2
