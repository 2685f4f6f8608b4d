"""HTML pages: a member applies from a phone, the officer runs the cohort, pages render."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from coop.db import atomic, db
from coop.training import services
from coop.training.models import Enrolment


def _member_login(coop, make_pmi, make_user):
    """A resident with their own login (not a member): User.resident_id."""
    r = make_pmi(coop)
    user = make_user(coop, "member")
    user.resident_id = r.id
    db.session.flush()
    return r, user


def test_member_sees_open_cohort_and_applies(coop, make_cohort, make_pmi, make_user, login, today):
    """Does a member see an open cohort with "Sisa tempat: 3" and Daftar, apply (enrolled, channel self) and
    then see "Terdaftar"?"""
    cohort = make_cohort(coop, starts_on=today, capacity=3)
    r, user = _member_login(coop, make_pmi, make_user)
    client = login(user)
    page = client.get("/training/").get_data(as_text=True)
    assert "Sisa tempat: <strong>3</strong>" in page and "Daftar" in page
    resp = client.post(f"/training/cohorts/{cohort.id}/apply")
    assert resp.status_code == 302
    e = db.session.scalar(sa.select(Enrolment).where(Enrolment.resident_id == r.id))
    assert e.status == "enrolled" and e.channel == "self"
    assert "Terdaftar" in client.get("/training/").get_data(as_text=True)


def test_member_cannot_touch_someone_elses_enrolment(coop, make_cohort, make_pmi, make_user, login, today):
    """Is a member's cancel of someone else's enrolment 404 and the staff cohort page 403?"""
    cohort = make_cohort(coop, starts_on=today)
    other = make_pmi(coop)
    e = atomic(services.enrol, coop.id, cohort.id, other.id, applied_on=today)
    _, user = _member_login(coop, make_pmi, make_user)
    client = login(user)
    assert client.post(f"/training/enrolments/{e.id}/cancel").status_code == 404
    assert client.get(f"/training/cohorts/{cohort.id}").status_code == 403


def test_officer_enrols_marks_attendance_completes_and_downloads_certificate(
        coop, make_cohort, make_pmi, users, login, today):
    """Does an officer find Sri Wahyuni on the cohort page, enrol her (channel officer), get "Kehadiran
    kurang" when completing without attendance, complete her after marking both sessions, download the
    certificate PDF, and does the public page say SAH with her name and no NIK?"""
    cohort = make_cohort(coop, sessions=2, starts_on=today - timedelta(days=5))
    r = make_pmi(coop, full_name="Sri Wahyuni")
    client = login(users["officer"])
    page = client.get(f"/training/cohorts/{cohort.id}?q=Sri").get_data(as_text=True)
    assert "Sri Wahyuni" in page
    assert client.post(f"/training/cohorts/{cohort.id}", data={"resident_id": r.id}).status_code == 302
    e = db.session.scalar(sa.select(Enrolment).where(Enrolment.resident_id == r.id))
    assert e.status == "enrolled" and e.channel == "officer"
    # Completion with no attendance is refused and says why.
    client.post(f"/training/enrolments/{e.id}/complete")
    assert "Kehadiran kurang" in client.get(f"/training/cohorts/{cohort.id}").get_data(as_text=True)
    for s in cohort.sessions:
        resp = client.post(f"/training/cohorts/{cohort.id}/attendance",
                           data={"session_date": s.held_on.isoformat(), "present": [str(e.id)]})
        assert resp.status_code == 302
    client.post(f"/training/enrolments/{e.id}/complete")
    db.session.expire_all()
    e = db.session.get(Enrolment, e.id)
    assert e.status == "completed" and e.certificate is not None
    pdf = client.get(f"/training/enrolments/{e.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    public = client.get(f"/p/sertifikat/{e.certificate.token}").get_data(as_text=True)
    assert "SAH." in public and "Sri Wahyuni" in public and r.nik not in public


def test_public_page_for_unknown_token_is_404(client):
    """Is the public certificate page for an unknown token 404 "tidak ditemukan"?"""
    resp = client.get("/p/sertifikat/not-a-real-token")
    assert resp.status_code == 404 and "tidak ditemukan" in resp.get_data(as_text=True)


def test_staff_pages_render(coop, make_cohort, users, login):
    """Does every training staff page (programs, cohort, attendance, allowance receipts, follow-ups,
    dashboard, report by country, new program and new cohort forms) render 200 for an officer, and is
    reports.xlsx an XLSX file?"""
    cohort = make_cohort(coop, allowance_amount=50_000)
    client = login(users["officer"])
    for path in ("/training/", f"/training/programs/{cohort.program_id}", f"/training/cohorts/{cohort.id}",
                 f"/training/cohorts/{cohort.id}/attendance", f"/training/cohorts/{cohort.id}/receipts",
                 "/training/followups", "/training/dashboard", "/training/reports?by=country", "/training/programs/new",
                 f"/training/programs/{cohort.program_id}/cohorts/new"):
        assert client.get(path).status_code == 200, path
    xlsx = client.get("/training/reports.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_officer_creates_program_and_cohort_through_forms(coop, users, login):
    """Can an officer create the program "Ternak Bebek" and a cohort of capacity 20 with allowance "75000" and
    three sessions through the forms, stored as 20, Rp 75.000 and 3 sessions?"""
    client = login(users["officer"])
    resp = client.post("/training/programs/new", data={"name": "Ternak Bebek", "topic": "Peternakan",
                                                       "organiser": "Dinas Peternakan"})
    assert resp.status_code == 302
    pid = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    resp = client.post(f"/training/programs/{pid}/cohorts/new", data={
        "starts_on": "2026-12-01", "ends_on": "2026-12-03", "venue": "Balai Desa", "capacity": "20",
        "sessions": "2026-12-01\n2026-12-02\n2026-12-03", "allowance_amount": "75000", "admission": "pmi"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    cid = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    c = services.get_cohort(coop.id, cid)
    assert (c.capacity, c.allowance_amount, len(c.sessions)) == (20, 75_000, 3)


def test_officer_gives_a_resident_a_login(coop, make_pmi, users, login):
    """Does an officer's login form give a resident the member login "warga.sri" linked to that resident?"""
    r = make_pmi(coop)
    client = login(users["officer"])
    resp = client.post(f"/training/residents/{r.id}/login", data={"username": "warga.sri", "password": "rahasia-123"})
    assert resp.status_code == 302
    from coop.auth.models import User
    u = db.session.scalar(sa.select(User).where(User.username == "warga.sri"))
    assert u.role == "member" and u.resident_id == r.id
    assert services.resident_for_user(u) == r.id


def test_resident_login_sees_dashboard_and_training(coop, make_cohort, make_pmi, make_user, login, today):
    """A non-member resident's login (role member, no Member row) can use the dashboard and training."""
    make_cohort(coop, starts_on=today)
    _, user = _member_login(coop, make_pmi, make_user)
    client = login(user)
    assert client.get("/dashboard").status_code == 200
    assert client.get("/training/").status_code == 200
