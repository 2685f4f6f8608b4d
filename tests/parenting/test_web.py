"""Community-parenting pages on the facilitator's phone: the at-risk list first, add a child with consent,
one tap per child for attendance, the quarterly report and its XLSX."""
from __future__ import annotations

import re

import sqlalchemy as sa

from coop.db import db
from coop.parenting.models import Child, SessionAttendance


def _child(coop, fam, today, **kw):
    from coop.db import atomic
    from coop.parenting import services

    return atomic(services.create_child, coop.id, resident_id=fam.child.id, caregiver_resident_id=fam.caregiver.id,
                  consent={"given_by_resident_id": fam.caregiver.id, "given_on": today, "method": "thumbprint"},
                  as_of=today, **kw)


def test_at_risk_list_is_the_first_page(coop, users, login, pmi_family, today):
    """Does /parenting/ list a child with their risk signs (here: no contact with the parent), and the
    dashboard show the parenting panel to the facilitator?"""
    fam = pmi_family(coop)
    _child(coop, fam, today, school_status="not_enrolled")
    web = login(users["facilitator"])
    page = web.get("/parenting/").get_data(as_text=True)
    assert fam.child.full_name in page and 'data-risk="not_in_school"' in page
    assert 'data-risk="no_parent_contact"' in page and fam.child.nik not in page
    dash = web.get("/dashboard").get_data(as_text=True)
    assert "/parenting/" in dash


def test_add_child_with_consent_from_the_form(coop, users, login, pmi_family, today):
    """Does the form list the PMI household's child, save it with the consent, and show the record?"""
    fam = pmi_family(coop)
    web = login(users["facilitator"])
    form = web.get("/parenting/children/new").get_data(as_text=True)
    assert f'value="{fam.child.id}"' in form and f'value="{fam.parent.id}"' not in form.split("caregiver")[0]
    resp = web.post("/parenting/children/new", data={
        "resident_id": fam.child.id, "caregiver_resident_id": fam.caregiver.id, "group_id": "",
        "school_status": "enrolled", "school_name": "SDN 2", "consent_given_by": fam.parent.id,
        "consent_given_on": today.isoformat(), "consent_method": "verbal"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    child = db.session.scalar(sa.select(Child).where(Child.resident_id == fam.child.id))
    assert child.consent_relationship == "parent" and child.consent_method == "verbal"
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert fam.child.full_name in page and fam.child.nik not in page


def test_add_child_without_consent_date_saves_nothing(coop, users, login, pmi_family):
    """A form without the consent date is shown again with a message; no child is saved."""
    fam = pmi_family(coop)
    web = login(users["officer"])
    resp = web.post("/parenting/children/new", data={
        "resident_id": fam.child.id, "caregiver_resident_id": fam.caregiver.id, "group_id": "",
        "school_status": "enrolled", "consent_given_by": fam.caregiver.id, "consent_given_on": "",
        "consent_method": "written"})
    assert resp.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Child)) == 0


def test_attendance_one_tap_per_child(coop, users, login, pmi_family, today):
    """Creating a session leads to the attendance page: one checkbox per child (a big label), and the
    ticked ones are saved; untick and save again corrects it."""
    kids = [_child(coop, pmi_family(coop), today) for _ in range(3)]
    web = login(users["facilitator"])
    resp = web.post("/parenting/sessions", data={"kind": "literacy", "held_on": today.isoformat(),
                                                 "topic": "Membaca cerita", "facilitator": "Bu Ani", "group_id": ""})
    assert resp.status_code == 302
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert len(re.findall(r'type="checkbox" name="child"', page)) == 3
    url = resp.headers["Location"]
    assert web.post(url, data={"child": [kids[0].id, kids[2].id]}).status_code == 302
    got = set(db.session.scalars(sa.select(SessionAttendance.child_id).where(SessionAttendance.role == "child")))
    assert got == {kids[0].id, kids[2].id}
    web.post(url, data={"child": [kids[1].id]})
    got = set(db.session.scalars(sa.select(SessionAttendance.child_id).where(SessionAttendance.role == "child")))
    assert got == {kids[1].id}


def test_report_page_and_xlsx(coop, users, login, pmi_family, today):
    """Do the report page and its XLSX answer for the current quarter, and a junk quarter fall back?"""
    _child(coop, pmi_family(coop), today)
    web = login(users["admin"])
    page = web.get("/parenting/reports").get_data(as_text=True)
    assert 'data-testid="children">1<' in page
    assert web.get("/parenting/reports?quarter=junk").status_code == 200
    x = web.get("/parenting/reports.xlsx?quarter=2026Q4")
    assert x.status_code == 200 and x.data[:2] == b"PK"
