"""Certificate revocation: the service (who may, reason, twice is a 409, audited), the certificate page
with its revoke form, the API, the public verification page (DICABUT with the date, never the NIK)
and the PDF (stamped DICABUT)."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from coop.audit.models import AuditLog
from coop.db import atomic, db, utcnow
from coop.errors import Conflict, Forbidden, NotFound, ValidationError
from coop.training import services
from coop.training.models import Certificate
from tests.pdf_text import pdf_text


@pytest.fixture
def graduate(coop, make_cohort, make_pmi, today):
    """Sri Wahyuni attended both sessions of a past cohort and completed: certificate issued."""
    def _make(c=None, full_name="Sri Wahyuni"):
        c = c or coop
        cohort = make_cohort(c, sessions=2, starts_on=today - timedelta(days=10))
        r = make_pmi(c, full_name=full_name)
        e = atomic(services.enrol, c.id, cohort.id, r.id, applied_on=today - timedelta(days=12))
        for s in cohort.sessions:
            atomic(services.mark_attendance, c.id, cohort.id, s.held_on, [e.id], as_of=today)
        e = atomic(services.complete_enrolment, c.id, e.id, completed_on=today)
        return r, e, e.certificate
    return _make


def _pdf_text(data: bytes) -> str:
    """The text drawn on a PDF made by fpdf2 (its page content streams are zlib-compressed)."""
    return pdf_text(data)


# ---------------------------------------------------------------------------------------------
# Service
# ---------------------------------------------------------------------------------------------

def test_manager_revokes_with_reason_who_when_why_stored_and_audited(coop, users, graduate):
    """Does a manager's revocation store is_revoked, the manager, the trimmed reason and a time between before
    and now, and audit training.certificate_revoke with the number, enrolment and reason?"""
    _, e, cert = graduate()
    before = utcnow()
    atomic(services.revoke_certificate, coop.id, cert.id, actor=users["manager"],
           reason="  Absensi ternyata dipalsukan  ")
    db.session.expire_all()
    cert = db.session.get(Certificate, cert.id)
    assert cert.is_revoked is True
    assert cert.revoked_by_id == users["manager"].id
    assert cert.revocation_reason == "Absensi ternyata dipalsukan"
    assert before <= cert.revoked_at <= utcnow()
    row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "training.certificate_revoke"))
    assert row.object_type == "training_certificate" and row.object_id == str(cert.id)
    assert row.actor_id == users["manager"].id and row.cooperative_id == coop.id
    assert json.loads(row.summary) == {"number": cert.number, "enrolment_id": e.id,
                                       "reason": "Absensi ternyata dipalsukan"}


def test_admin_may_revoke_too(coop, users, graduate):
    """May an admin revoke a certificate?"""
    _, _, cert = graduate()
    assert atomic(services.revoke_certificate, coop.id, cert.id, actor=users["admin"], reason="Salah nama").is_revoked


def test_revoking_twice_is_a_409_and_keeps_the_first_revocation(coop, users, graduate):
    """Is a second revocation 409 already_revoked, keeping the first reason ("Pertama") and revoker and one
    audit row?"""
    _, _, cert = graduate()
    atomic(services.revoke_certificate, coop.id, cert.id, actor=users["manager"], reason="Pertama")
    with pytest.raises(Conflict) as exc:
        atomic(services.revoke_certificate, coop.id, cert.id, actor=users["admin"], reason="Kedua")
    assert exc.value.status == 409 and exc.value.code == "already_revoked"
    db.session.expire_all()
    cert = db.session.get(Certificate, cert.id)
    assert cert.revocation_reason == "Pertama" and cert.revoked_by_id == users["manager"].id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "training.certificate_revoke")) == 1


@pytest.mark.parametrize("role", ["officer", "treasurer", "auditor", "member"])
def test_other_roles_may_not_revoke(coop, users, graduate, role):
    """Are an officer, treasurer, auditor, member and the system (no actor) forbidden to revoke, the
    certificate left valid?"""
    _, _, cert = graduate()
    with pytest.raises(Forbidden):
        atomic(services.revoke_certificate, coop.id, cert.id, actor=users[role], reason="Coba")
    with pytest.raises(Forbidden):  # nor the system (no actor)
        atomic(services.revoke_certificate, coop.id, cert.id, actor=None, reason="Coba")
    assert not db.session.get(Certificate, cert.id).is_revoked


@pytest.mark.parametrize("reason", [None, "", "   ", "x" * 301])
def test_a_reason_is_required_and_fits(coop, users, graduate, reason):
    """Is a revocation with no reason, an empty or blank one, or one of 301 characters refused on reason, the
    certificate left valid?"""
    _, _, cert = graduate()
    with pytest.raises(ValidationError) as exc:
        atomic(services.revoke_certificate, coop.id, cert.id, actor=users["manager"], reason=reason)
    assert "reason" in exc.value.fields
    assert not db.session.get(Certificate, cert.id).is_revoked


def test_another_cooperatives_certificate_is_not_found(coop, make_coop, make_user, users, graduate):
    """Is revoking another cooperative's certificate NotFound (and it stays valid), and is certificate id
    2**40 NotFound?"""
    other = make_coop("Koperasi Lain", village_code="3504042002")
    _, _, cert = graduate(other)
    with pytest.raises(NotFound):
        atomic(services.revoke_certificate, coop.id, cert.id, actor=users["manager"], reason="x")
    with pytest.raises(NotFound):
        services.get_certificate(coop.id, 2**40)
    assert not db.session.get(Certificate, cert.id).is_revoked


def test_the_database_refuses_a_revoked_flag_without_when_and_why(coop, graduate):
    """Does the database refuse (IntegrityError) setting is_revoked without the time and reason?"""
    _, _, cert = graduate()
    with pytest.raises(sa.exc.IntegrityError):
        with db.session.begin_nested():
            db.session.execute(sa.update(Certificate).where(Certificate.id == cert.id).values(is_revoked=True))


# ---------------------------------------------------------------------------------------------
# Public verification page (the QR target, no login)
# ---------------------------------------------------------------------------------------------

def test_public_page_says_dicabut_with_the_local_date_and_no_nik(app, coop, users, graduate):
    """Does the public page say SAH before, and after a revocation at 18:30 UTC on 27 Nov say DICABUT on 28
    Nov 2026 (the village's date, WIB), still naming Sri Wahyuni and the number, with no NIK whole or masked
    and not the reason?"""
    r, _, cert = graduate()
    public = app.test_client()
    page = public.get(f"/p/sertifikat/{cert.token}").get_data(as_text=True)
    assert "SAH." in page and "DICABUT" not in page
    atomic(services.revoke_certificate, coop.id, cert.id, actor=users["manager"], reason="Absensi dipalsukan")
    # Revoked at 18:30 UTC on 27 Nov = 01:30 WIB on 28 Nov: the page gives the village's date.
    db.session.execute(sa.update(Certificate).where(Certificate.id == cert.id)
                       .values(revoked_at=datetime(2026, 11, 27, 18, 30, tzinfo=UTC)))
    db.session.expire_all()
    resp = public.get(f"/p/sertifikat/{cert.token}")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'data-testid="certificate-revoked"' in page and "DICABUT" in page
    assert "SAH." not in page and 'data-testid="certificate-valid"' not in page
    assert re.search(r'data-testid="certificate-revoked-on">28 Nov 2026<', page)
    assert "pada 28 Nov 2026 dan tidak berlaku lagi" in page
    assert "Sri Wahyuni" in page and cert.number in page  # still says which certificate it was
    assert r.nik not in page and r.nik[:4] + "****" not in page  # neither whole nor masked
    assert "Absensi dipalsukan" not in page  # the reason stays inside the cooperative


# ---------------------------------------------------------------------------------------------
# Certificate page and its revoke form
# ---------------------------------------------------------------------------------------------

def test_manager_revokes_from_the_certificate_page(coop, users, login, graduate):
    """Does the cohort page link the certificate page, does the manager's revoke form refuse an empty reason
    ("Alasan pencabutan wajib diisi."), revoke with a reason (shown with the manager's name, the form gone),
    refuse a second press ("Sertifikat ini sudah dicabut.") keeping the first reason, and does the cohort page
    then say DICABUT?"""
    _, e, cert = graduate()
    web = login(users["manager"])
    cohort_page = web.get(f"/training/cohorts/{e.cohort_id}").get_data(as_text=True)
    assert f'href="/training/certificates/{cert.id}"' in cohort_page
    page = web.get(f"/training/certificates/{cert.id}").get_data(as_text=True)
    assert "SAH" in page and 'data-testid="revoke-form"' in page and cert.number in page
    # No reason: nothing happens, the page says why.
    resp = web.post(f"/training/certificates/{cert.id}/revoke", data={"reason": ""}, follow_redirects=True)
    assert "Alasan pencabutan wajib diisi." in resp.get_data(as_text=True)
    assert not db.session.get(Certificate, cert.id).is_revoked
    resp = web.post(f"/training/certificates/{cert.id}/revoke", data={"reason": "Nama peserta tertukar"},
                    follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert f"Sertifikat {cert.number} dicabut." in page
    assert 'data-testid="certificate-revoked"' in page and "Nama peserta tertukar" in page
    assert users["manager"].full_name in page and 'data-testid="revoke-form"' not in page
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).is_revoked
    # Pressing it again (a second tab): refused with the reason, not a second revocation.
    resp = web.post(f"/training/certificates/{cert.id}/revoke", data={"reason": "Lagi"}, follow_redirects=True)
    assert "Sertifikat ini sudah dicabut." in resp.get_data(as_text=True)
    assert db.session.get(Certificate, cert.id).revocation_reason == "Nama peserta tertukar"
    assert "DICABUT" in web.get(f"/training/cohorts/{e.cohort_id}").get_data(as_text=True)


def test_officer_sees_the_page_but_no_revoke_form_and_cannot_post(coop, users, login, graduate):
    """Does an officer see the certificate page without a revoke form, and is the officer's revoke post
    403?"""
    _, _, cert = graduate()
    web = login(users["officer"])
    page = web.get(f"/training/certificates/{cert.id}")
    assert page.status_code == 200 and 'data-testid="revoke-form"' not in page.get_data(as_text=True)
    assert web.post(f"/training/certificates/{cert.id}/revoke", data={"reason": "x"}).status_code == 403
    assert not db.session.get(Certificate, cert.id).is_revoked


def test_member_sees_own_revoked_certificate_not_someone_elses(coop, users, make_user, login, graduate):
    """Does a member see their own revoked certificate marked on /training/ and its page saying DICABUT
    without a revoke form, and get 404 for someone else's certificate?"""
    r, _, cert = graduate()
    _, _, other = graduate(full_name="Siti Aminah")
    member = make_user(coop, "member")
    member.resident_id = r.id
    db.session.flush()
    atomic(services.revoke_certificate, coop.id, cert.id, actor=users["admin"], reason="Salah angkatan")
    web = login(member)
    assert 'data-testid="my-certificate-revoked"' in web.get("/training/").get_data(as_text=True)
    page = web.get(f"/training/certificates/{cert.id}").get_data(as_text=True)
    assert "DICABUT" in page and 'data-testid="revoke-form"' not in page
    assert web.get(f"/training/certificates/{other.id}").status_code == 404


def test_pdf_of_a_revoked_certificate_is_stamped_dicabut(coop, users, login, graduate):
    """Is a valid certificate PDF titled SERTIFIKAT PELATIHAN with no DICABUT, and after a revocation at 18:30
    UTC on 27 Nov does the PDF carry the big DICABUT stamp, "DICABUT pada 28 Nov 2026: sertifikat ini tidak
    berlaku." and a file name ending -DICABUT.pdf?"""
    _, e, cert = graduate()
    web = login(users["officer"])
    valid = web.get(f"/training/enrolments/{e.id}/certificate.pdf")
    assert valid.status_code == 200 and valid.data.startswith(b"%PDF")
    assert "SERTIFIKAT PELATIHAN" in _pdf_text(valid.data) and "DICABUT" not in _pdf_text(valid.data)
    assert "DICABUT" not in valid.headers["Content-Disposition"]
    atomic(services.revoke_certificate, coop.id, cert.id, actor=users["manager"], reason="Absensi dipalsukan")
    db.session.execute(sa.update(Certificate).where(Certificate.id == cert.id)
                       .values(revoked_at=datetime(2026, 11, 27, 18, 30, tzinfo=UTC)))
    db.session.expire_all()
    revoked = web.get(f"/training/enrolments/{e.id}/certificate.pdf")
    text = _pdf_text(revoked.data)
    assert revoked.status_code == 200 and "(DICABUT) Tj" in text  # the big stamp across the page
    assert "DICABUT pada 28 Nov 2026: sertifikat ini tidak berlaku." in text
    assert revoked.headers["Content-Disposition"].endswith('-DICABUT.pdf"')


# ---------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------

def test_api_revocation(coop, users, api, graduate):
    """Does the API show the enrolment's certificate as not revoked, refuse an officer's revocation (403), a
    missing or blank reason (422) and an unknown certificate (404), revoke for a manager with reason, revoker,
    time and the verification URL, and refuse a second revocation with 409 already_revoked, keeping the first
    reason?"""
    _, e, cert = graduate()
    manager = api(users["manager"])
    assert manager.get(f"/training/enrolments/{e.id}").json["certificate_id"] == cert.id
    got = manager.get(f"/training/certificates/{cert.id}").json
    assert got["is_revoked"] is False and got["revoked_at"] is None and got["number"] == cert.number
    assert api(users["officer"]).post(f"/training/certificates/{cert.id}/revocation",
                                      json={"reason": "x"}).status_code == 403
    missing = manager.post(f"/training/certificates/{cert.id}/revocation", json={})
    assert missing.status_code == 422 and "reason" in missing.json["error"]["fields"]
    blank = manager.post(f"/training/certificates/{cert.id}/revocation", json={"reason": "   "})
    assert blank.status_code == 422 and "reason" in blank.json["error"]["fields"]
    assert manager.post("/training/certificates/999999/revocation", json={"reason": "x"}).status_code == 404
    resp = manager.post(f"/training/certificates/{cert.id}/revocation", json={"reason": "Absensi dipalsukan"})
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["is_revoked"] is True and body["revocation_reason"] == "Absensi dipalsukan"
    assert body["revoked_by_id"] == users["manager"].id and body["revoked_at"]
    assert body["verification_url"].endswith(f"/p/sertifikat/{cert.token}")
    again = manager.post(f"/training/certificates/{cert.id}/revocation", json={"reason": "Lagi"})
    assert again.status_code == 409 and again.json["error"]["code"] == "already_revoked"
    assert manager.get(f"/training/certificates/{cert.id}").json["revocation_reason"] == "Absensi dipalsukan"
