"""The Registry section of API.md: residents, search, detail, migration records, imports, masking."""
from __future__ import annotations

import io

import sqlalchemy as sa

from coop.audit.models import AuditLog
from coop.db import db
from coop.registry.models import Resident
from tests.registry.importdata import to_csv, village_rows

BODY = {"nik": "3504044505900001", "kk_number": "3504041203150003", "full_name": "Sri Wahyuni", "sex": "F",
        "birth_place": "Tulungagung", "birth_date": "1990-05-05", "village_code": "3504042001",
        "address": "Jl. Raya Pakel 12", "rt": "1", "rw": "2", "phone": "081234567890",
        "relationship": "kepala_keluarga"}


def test_create_resident_201(api, users):
    """Does POST /residents return 201 with the NIK and KK number, RT "001", pmi_status none, no migration
    records and a permanent NIK?"""
    resp = api(users["officer"]).post("/residents", json=BODY)
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["id"] > 0 and body["nik"] == BODY["nik"] and body["kk_number"] == BODY["kk_number"]
    assert (body["rt"], body["pmi_status"], body["migration_records"], body["is_temporary_nik"]) == \
        ("001", "none", [], False)


def test_bad_niks_are_422_field_errors(api, users):
    """Is a NIK of 15 digits, with a letter, with a birth date not matching (1991 for 1990) or with a man's
    day on a woman's row refused with 422 validation_error naming the reason on the nik field, and no resident
    stored?"""
    client = api(users["officer"])
    cases = {
        "350404450590001": "16 digit",       # length
        "35040445059000x1": "angka",          # digits
        "3504044505910001": "tanggal lahir",  # birth date 1991 does not match 1990
        "3504040505900001": "jenis kelamin",  # a man's NIK on a woman's row
    }
    for nik, fragment in cases.items():
        resp = client.post("/residents", json=dict(BODY, nik=nik))
        assert resp.status_code == 422, (nik, resp.json)
        err = resp.json["error"]
        assert err["code"] == "validation_error"
        assert fragment in " ".join(err["fields"]["nik"]), (nik, err)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 0


def test_other_field_errors_and_duplicate(api, users):
    """Are a bad sex, 30 February and a numeric NIK 422 naming each field, an unknown village code 422, and a
    second resident with the same NIK 409 nik_exists?"""
    client = api(users["officer"])
    resp = client.post("/residents", json=dict(BODY, sex="X", birth_date="1990-02-30", nik=12))
    assert resp.status_code == 422 and {"sex", "birth_date", "nik"} <= set(resp.json["error"]["fields"])
    resp = client.post("/residents", json=dict(BODY, village_code="3504042999"))
    assert resp.status_code == 422 and "village_code" in resp.json["error"]["fields"]
    assert client.post("/residents", json=BODY).status_code == 201
    resp = client.post("/residents", json=BODY)
    assert resp.status_code == 409 and resp.json["error"]["code"] == "nik_exists"


def test_temporary_nik_accepted_and_flagged(api, users):
    """Is a temporary NIK (starting 0) accepted (201), flagged is_temporary_nik with a "sementara" warning?"""
    resp = api(users["officer"]).post("/residents", json=dict(BODY, nik="0350404200100017"))
    assert resp.status_code == 201
    assert resp.json["is_temporary_nik"] is True and "sementara" in resp.json["warnings"][0]


def test_search_by_nik_and_name(api, users, coop, make_resident):
    """Does GET /residents find a resident by exact NIK and by "wahy", page with a cursor to a different
    second resident, and refuse pmi_status=bogus with 422?"""
    a = make_resident(coop, full_name="Sri Wahyuni")
    make_resident(coop, full_name="Budi Santoso", sex="M")
    client = api(users["officer"])
    assert [i["id"] for i in client.get(f"/residents?nik={a.nik}").json["items"]] == [a.id]
    assert [i["full_name"] for i in client.get("/residents?q=wahy").json["items"]] == ["Sri Wahyuni"]
    page = client.get("/residents?limit=1").json
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = client.get(f"/residents?limit=1&cursor={page['next_cursor']}").json
    assert rest["items"][0]["id"] != page["items"][0]["id"] and rest["next_cursor"] is None
    assert client.get("/residents?pmi_status=bogus").status_code == 422


def test_detail_with_records_and_pmi_status(api, users, coop, make_resident):
    """Does adding an active migration record (HK, departure 2023-04-01) make the resident's pmi_status aktif
    and the child in the same KK keluarga, while a return before departure (return_on) or a country name
    instead of a code is 422?"""
    r = make_resident(coop)
    child = make_resident(coop, kk_number=r.kk_number, relationship="anak", birth_date="2010-01-02")
    client = api(users["officer"])
    resp = client.post(f"/residents/{r.id}/migration-records", json={
        "status": "aktif", "country": "HK", "job_type": "perseorangan", "scheme": "P2P", "procedural": True,
        "departure_date": "2023-04-01"})
    assert resp.status_code == 201, resp.json
    assert resp.json["country"] == "HK" and resp.json["procedural"] is True
    resp = client.get(f"/residents/{r.id}")
    body = resp.json
    assert resp.status_code == 200, body
    assert body["pmi_status"] == "aktif" and body["migration_records"][0]["departure_date"] == "2023-04-01"
    assert client.get(f"/residents/{child.id}").json["pmi_status"] == "keluarga"
    resp = client.post(f"/residents/{r.id}/migration-records", json={
        "status": "purna", "country": "HK", "departure_date": "2023-04-01", "return_date": "2022-01-01"})
    assert resp.status_code == 422 and "return_on" in resp.json["error"]["fields"]
    resp = client.post(f"/residents/{r.id}/migration-records", json={"status": "purna", "country": "Hong Kong"})
    assert resp.status_code == 422 and "country" in resp.json["error"]["fields"]


def test_roles(api, users, coop, make_resident):
    """Are treasurer, manager, auditor and member refused (403) to create residents or migration records, a
    member to list residents, while an admin may create one (201) and an unknown resident is 404 to an
    officer?"""
    r = make_resident(coop)
    for role in ("treasurer", "manager", "auditor", "member"):
        assert api(users[role]).post("/residents", json=BODY).status_code == 403
        assert api(users[role]).post(f"/residents/{r.id}/migration-records",
                                     json={"status": "calon", "country": "HK"}).status_code == 403
    assert api(users["member"]).get("/residents").status_code == 403
    assert api(users["admin"]).post("/residents", json=BODY).status_code == 201
    assert api(users["officer"]).get("/residents/999999").status_code == 404


def test_nik_and_kk_masked_for_manager_and_auditor(api, users, coop, make_resident):
    """Do a manager and an auditor see NIK and KK masked (first 4 and last 4 digits) in detail and list, yet
    find the resident by exact NIK, while admin, treasurer and officer see the full NIK?"""
    r = make_resident(coop)
    for role in ("manager", "auditor"):
        body = api(users[role]).get(f"/residents/{r.id}").json
        assert body["nik"] == r.nik[:4] + "********" + r.nik[-4:] and body["nik_masked"] is True
        assert body["kk_number"] == r.kk_number[:4] + "********" + r.kk_number[-4:]
        listed = api(users[role]).get("/residents").json["items"][0]
        assert listed["nik"] != r.nik and r.nik not in str(listed)
        # searching by the exact NIK still works, without revealing it
        assert api(users[role]).get(f"/residents?nik={r.nik}").json["items"][0]["id"] == r.id
    for role in ("admin", "treasurer", "officer"):
        assert api(users[role]).get(f"/residents/{r.id}").json["nik"] == r.nik


def test_unmasked_reads_by_non_officers_are_audited(api, users, coop, make_resident):
    """Are unmasked NIK reads audited as registry.nik_read for the treasurer's and the admin's reads only, not
    the officer's or the masked auditor's?"""
    r = make_resident(coop)

    def reads():
        return db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "registry.nik_read")).all()

    api(users["officer"]).get(f"/residents/{r.id}")
    api(users["auditor"]).get(f"/residents/{r.id}")
    assert reads() == []
    api(users["treasurer"]).get(f"/residents/{r.id}")
    api(users["admin"]).get("/residents")
    rows = reads()
    assert [(x.actor_id, x.object_id) for x in rows] == [(users["treasurer"].id, str(r.id)),
                                                       (users["admin"].id, str(r.id))]


def _upload(client, data: bytes, name: str, dry_run: str | None):
    path = "/registry/imports" + (f"?dry_run={dry_run}" if dry_run is not None else "")
    return client.client.post("/api/v1" + path, headers=client.headers,
                              data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_import_dry_run_then_commit_then_idempotent(api, users):
    """Does an API import of 40 rows with one bad NIK report row 5's nik and write nothing, a default run stay
    a dry run (40 created, nothing stored), the committed run create 40, and a repeat create and update 0?"""
    client = api(users["officer"])
    rows = village_rows(40)
    bad = [dict(r) for r in rows]
    bad[3]["nik"] = "123"
    resp = _upload(client, to_csv(bad), "warga.csv", "false")
    assert resp.status_code == 200
    assert resp.json["errors"] == [{"row": 5, "field": "nik", "message": resp.json["errors"][0]["message"]}]
    assert (resp.json["created"], resp.json["committed"]) == (0, False)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 0
    resp = _upload(client, to_csv(rows), "warga.csv", None)  # dry run by default
    assert (resp.json["rows"], resp.json["created"], resp.json["dry_run"]) == (40, 40, True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 0
    resp = _upload(client, to_csv(rows), "warga.csv", "false")
    assert (resp.json["created"], resp.json["updated"], resp.json["errors"]) == (40, 0, [])
    resp = _upload(client, to_csv(rows), "warga.csv", "false")
    assert (resp.json["created"], resp.json["updated"]) == (0, 0)


def test_import_needs_a_file_and_a_writer_role(api, users):
    """Is an import without a file 422 naming file, an auditor's import 403, and a garbage upload answered 200
    with an error on the file field?"""
    resp = api(users["officer"]).post("/registry/imports?dry_run=true", json={})
    assert resp.status_code == 422 and "file" in resp.json["error"]["fields"]
    assert _upload(api(users["auditor"]), b"x", "a.csv", "true").status_code == 403
    resp = _upload(api(users["officer"]), b"\x00\x01garbage", "a.csv", "true")
    assert resp.status_code == 200 and resp.json["errors"][0]["field"] == "file"


def test_openapi_documents_registry(app):
    """Does the OpenAPI document describe the registry import as multipart/form-data and list the residents,
    resident and migration-records paths?"""
    import warnings

    from coop.blueprints.api.openapi import build_spec

    with warnings.catch_warnings():
        # apispec warns about schema name clashes in other areas; this test checks the registry paths only
        warnings.simplefilter("ignore", UserWarning)
        spec = build_spec(app)
    assert "multipart/form-data" in spec["paths"]["/api/v1/registry/imports"]["post"]["requestBody"]["content"]
    for path in ("/api/v1/residents", "/api/v1/residents/{resident_id}",
                 "/api/v1/residents/{resident_id}/migration-records"):
        assert path in spec["paths"]


def test_control_characters_are_422_not_500(api, users, coop, make_resident):
    """PostgreSQL refuses NUL in text: such input must be a field error (or no match), never a 500."""
    client = api(users["officer"])
    resp = client.post("/residents", json=dict(BODY, full_name="Sri\x00Wahyuni", address="Jl.\x01"))
    assert resp.status_code == 422 and {"full_name", "address"} <= set(resp.json["error"]["fields"])
    r = make_resident(coop)
    resp = client.post(f"/residents/{r.id}/migration-records", json={"status": "calon", "country": "HK",
                                                                     "agency": "PT\x00X"})
    assert resp.status_code == 422 and "agency" in resp.json["error"]["fields"]
    for query in ("q=a%00b", "nik=35%00", "kk=1%002"):
        resp = client.get(f"/residents?{query}")
        assert resp.status_code == 200 and resp.json["items"] == []
