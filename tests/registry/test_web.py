"""Registry pages: list with search/filters/pagination, resident page, forms, dashboard, import, masking."""
from __future__ import annotations

import io

import sqlalchemy as sa

from coop.audit.models import AuditLog
from coop.db import db
from coop.registry.models import MigrationRecord, Resident
from tests.registry.importdata import to_csv, village_rows


def test_list_search_filters_and_pagination(login, users, coop, make_resident, make_pmi):
    """Does the registry list of 28 residents show "Halaman 1 dari 2", and do the name search, the PMI status
    + country + RT filter and the sex filter each show only the matching residents?"""
    make_resident(coop, full_name="Sri Wahyuni")
    make_pmi(coop, "aktif", "TW", full_name="Siti Aminah", rt="4")
    for i in range(26):
        make_resident(coop, full_name=f"Warga {i:02d}", sex="M")
    web = login(users["officer"])
    html = web.get("/registry/").get_data(as_text=True)
    assert "Halaman 1 dari 2" in html
    html = web.get("/registry/?q=wahyu").get_data(as_text=True)
    assert "Sri Wahyuni" in html and "Siti Aminah" not in html
    html = web.get("/registry/?pmi_status=aktif&country=TW&rt=4").get_data(as_text=True)
    assert "Siti Aminah" in html and "Sri Wahyuni" not in html
    html = web.get("/registry/?sex=F").get_data(as_text=True)
    assert "Warga 00" not in html and "Sri Wahyuni" in html


def test_resident_page_shows_household_and_timeline(login, users, coop, make_pmi):
    """Does a purna PMI's page show her child, Hong Kong, "PMI purna", "Pulang 30 Jun 2022" and the NIK to an
    officer, and the child's page "Keluarga PMI"?"""
    pmi = make_pmi(coop, "purna", "HK", full_name="Sri Wahyuni")
    child = make_pmi.family(pmi, full_name="Anak Sri")
    html = login(users["officer"]).get(f"/registry/residents/{pmi.id}").get_data(as_text=True)
    assert "Anak Sri" in html and "Hong Kong" in html and "PMI purna" in html and "Pulang 30 Jun 2022" in html
    assert pmi.nik in html
    html = login(users["officer"]).get(f"/registry/residents/{child.id}").get_data(as_text=True)
    assert "Keluarga PMI" in html


def test_add_and_edit_resident_with_field_errors(login, users, coop):
    """Does the add-resident page refuse a man's NIK on a woman's row ("jenis kelamin tidak cocok", nothing
    stored), accept a woman's NIK, and does editing change the name to Sri Wahyuningsih and RT to "007"?"""
    web = login(users["officer"])
    form = {"nik": "3504040505900001", "kk_number": "3504041203150003", "full_name": "Sri Wahyuni", "sex": "F",
            "birth_place": "Tulungagung", "birth_date": "1990-05-05", "village_code": "3504042001",
            "relationship": "kepala_keluarga", "status": "hidup"}
    resp = web.post("/registry/residents/new", data=form)
    assert resp.status_code == 200 and "jenis kelamin tidak cocok" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 0
    resp = web.post("/registry/residents/new", data=dict(form, nik="3504044505900001"))
    assert resp.status_code == 302
    r = db.session.scalar(sa.select(Resident))
    resp = web.post(f"/registry/residents/{r.id}/edit", data=dict(form, nik=r.nik, full_name="Sri Wahyuningsih",
                                                                  rt="7"))
    assert resp.status_code == 302
    db.session.expire_all()
    assert (r.full_name, r.rt) == ("Sri Wahyuningsih", "007")
    assert "Sri Wahyuningsih" in web.get(f"/registry/residents/{r.id}/edit").get_data(as_text=True)


def test_migration_record_forms(login, users, coop, make_resident):
    """Does the migration-record form store an aktif HK record with passport document, no visa document and
    remittance 3.500.000 (resident aktif), refuse a return before departure ("sebelum tanggal berangkat"), and
    on a valid return date make the resident purna?"""
    r = make_resident(coop)
    web = login(users["officer"])
    resp = web.post(f"/registry/residents/{r.id}/migration-records/new", data={
        "status": "aktif", "country": "HK", "job_type": "perseorangan", "scheme": "P2P", "procedural": "y",
        "departure_date": "2023-04-01", "doc_passport": "y", "monthly_remittance": "3500000"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    m = db.session.scalar(sa.select(MigrationRecord))
    assert (m.has_passport_doc, m.has_work_visa_doc, m.monthly_remittance, r.pmi_status) == (True, False, 3500000, "aktif")
    resp = web.post(f"/registry/migration-records/{m.id}/edit", data={
        "status": "purna", "country": "HK", "departure_date": "2023-04-01", "return_date": "2022-01-01"})
    assert resp.status_code == 200 and "sebelum tanggal berangkat" in resp.get_data(as_text=True)
    resp = web.post(f"/registry/migration-records/{m.id}/edit", data={
        "status": "purna", "country": "HK", "departure_date": "2023-04-01", "return_date": "2025-01-01"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert r.pmi_status == "purna"
    html = web.get(f"/registry/migration-records/{m.id}/edit").get_data(as_text=True)
    assert "2025-01-01" in html


def test_household_pages(login, users, coop, make_resident):
    """Does the household page list its member, and does editing it set address "Jl. Baru" and RT "003" on the
    member?"""
    r = make_resident(coop)
    web = login(users["officer"])
    assert r.full_name in web.get(f"/registry/households/{r.household_id}").get_data(as_text=True)
    resp = web.post(f"/registry/households/{r.household_id}/edit", data={"address": "Jl. Baru", "rt": "3", "rw": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert (r.address, r.rt) == ("Jl. Baru", "003")


def test_dashboard_charts(login, users, coop, make_pmi):
    """Does the registry dashboard draw 5 SVG charts naming Hong Kong, Arab Saudi and 2022, and the officer's
    home dashboard show the village panel ("2 penduduk", "Ringkasan desa")?"""
    make_pmi(coop, "purna", "HK")
    make_pmi(coop, "aktif", "SA")
    html = login(users["manager"]).get("/registry/dashboard").get_data(as_text=True)
    assert html.count("<svg") == 5 and "Hong Kong" in html and "Arab Saudi" in html and "2022" in html
    resp = login(users["officer"]).get("/dashboard")
    home = resp.get_data(as_text=True)
    # "Data Desa" is also the nav label, so the panel's own text proves it rendered
    assert resp.status_code == 200 and "2 penduduk" in home and "Ringkasan desa" in home


def test_masking_and_audit_on_pages(login, users, coop, make_resident):
    """Does a manager see the NIK masked and no KK on the resident page and list with no nik_read audited,
    while a treasurer's list shows the NIK and audits a registry.nik_read naming the resident?"""
    r = make_resident(coop)
    html = login(users["manager"]).get(f"/registry/residents/{r.id}").get_data(as_text=True)
    assert r.nik not in html and r.nik[:4] + "********" + r.nik[-4:] in html
    assert r.kk_number not in html
    assert r.nik not in login(users["manager"]).get("/registry/").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "registry.nik_read")) == 0
    html = login(users["treasurer"]).get("/registry/").get_data(as_text=True)
    assert r.nik in html
    row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "registry.nik_read"))
    assert row.actor_id == users["treasurer"].id and str(r.id) in row.summary


def test_roles_on_pages(login, users, coop, make_resident):
    """Is the registry 403 to a member, adding, editing and importing 403 to a manager, and an unknown
    resident 404 to an officer?"""
    r = make_resident(coop)
    assert login(users["member"]).get("/registry/").status_code == 403
    for path in ("/registry/residents/new", f"/registry/residents/{r.id}/edit", "/registry/import"):
        assert login(users["manager"]).get(path).status_code == 403
    assert login(users["officer"]).get("/registry/residents/999999").status_code == 404


def test_import_page_and_templates(login, users, coop):
    """Are the XLSX and CSV (with BOM, "nik,kk_number" first) templates served, does a real import with a bad
    NIK on row 3 store nothing and name it, and does the corrected file create 8 residents?"""
    web = login(users["officer"])
    assert web.get("/registry/import/template.xlsx").data[:2] == b"PK"
    assert web.get("/registry/import/template.csv").data.startswith(b"\xef\xbb\xbfnik,kk_number")
    rows = village_rows(8)
    rows[1]["nik"] = "123"
    resp = web.post("/registry/import", data={"file": (io.BytesIO(to_csv(rows)), "w.csv")},
                    content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert "tidak ada yang disimpan" in html  # a real run (box unchecked) with a bad row writes nothing
    assert "<td>3</td><td>nik</td>" in html
    rows[1] = village_rows(9)[8]
    resp = web.post("/registry/import", data={"file": (io.BytesIO(to_csv(rows)), "w.csv")},
                    content_type="multipart/form-data")
    assert "dibuat 8" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 8
