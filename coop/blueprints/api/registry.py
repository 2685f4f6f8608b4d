"""API v1: the village registry (API.md, Registry): residents, migration records, bulk import.

NIK and KK are masked for roles outside :data:`coop.auth.roles.SEES_NIK`; an unmasked NIK shown to a
user other than an officer is written to the audit log (UU 27/2022).
"""
from __future__ import annotations

from flask import current_app, request

from coop.auth.roles import ADMIN, OFFICER, STAFF
from coop.blueprints.api import api, current_api_user, cursor_page, found_first, roles
from coop.blueprints.common import business_today as _today
from coop.db import atomic
from coop.errors import ValidationError
from coop.formatting import mask_nik
from coop.registry import imports, schemas, services
from coop.registry.models import MigrationRecord, Resident
from coop.text import one_language

TAGS = ["registry"]
WRITE = (ADMIN, OFFICER)
MAX_UPLOAD = 20 * 1024 * 1024



def record_dict(m: MigrationRecord) -> dict:
    return {
        "id": m.id, "resident_id": m.resident_id, "status": m.status, "country": m.country, "job_type": m.job_type,
        "sector": m.sector, "scheme": m.scheme, "procedural": m.is_procedural, "agency": m.agency,
        "passport_number": m.passport_number, "passport_expiry": m.passport_expires_on,
        "departure_date": m.departure_on, "contract_start_date": m.contract_start_on,
        "contract_end_date": m.contract_end_on, "return_date": m.return_on, "return_reason": m.return_reason,
        "documents": [d for d in services.rules.DOCUMENTS if getattr(m, f"has_{d}_doc")],
        "monthly_remittance": m.monthly_remittance, "notes": m.notes}


def resident_dict(r: Resident, user, *, records: bool = False, warnings: list[str] | None = None) -> dict:
    """A resident as the API shows it to ``user`` (masked NIK/KK outside SEES_NIK)."""
    masked = not services.sees_nik(user)
    d = {k: getattr(r, k) for k in ("id", "nik", "is_temporary_nik", "household_id", "full_name", "sex",
                                    "birth_place", "birth_date", "village_code", "address", "rt", "rw", "dusun",
                                    "phone", "relationship", "education", "occupation", "marital_status", "status",
                                    "pmi_status")}
    d["kk_number"] = r.household.kk_number
    if masked:
        d["nik"], d["kk_number"] = mask_nik(d["nik"]), mask_nik(d["kk_number"])
    d["nik_masked"] = masked
    if records:
        d["migration_records"] = [record_dict(m) for m in r.migration_records]
    if warnings is not None:
        d["warnings"] = warnings
    return d


@api.post("/residents")
@api.doc(summary="Register a resident (422 field errors for a bad NIK/KK/region; 409 nik_exists)", tags=TAGS,
         errors=(401, 403, 409, 422))
@roles(*WRITE)
@api.arguments(schemas.ResidentInSchema)
@api.response(201, schemas.ResidentSchema)
def create_resident(data: dict):
    user = current_api_user()
    r = atomic(services.create_resident, user.cooperative_id, data, actor=user, as_of=_today())
    _, check = services.validate_resident_data(data, as_of=None)
    return resident_dict(r, user, records=True, warnings=check.warnings)


@api.get("/residents")
@api.doc(summary="Search residents by exact NIK (nik=) or name fragment (q=), with filters", tags=TAGS,
         errors=(401, 403, 422))
@roles(*STAFF)
@api.arguments(schemas.ResidentQuerySchema, location="query")
@api.response(200, schemas.ResidentListSchema)
def list_residents(args: dict):
    user = current_api_user()
    filters = {k: args.get(k) for k in ("q", "nik", "kk", "pmi_status", "country", "rt", "rw", "sex", "status")}
    stmt = services.resident_query(user.cooperative_id, **filters).order_by(None)
    page = cursor_page(stmt, Resident.id, lambda r: resident_dict(r, user))
    if not page["items"] or page["items"][0]["nik_masked"] is False:
        atomic(services.log_nik_reads, user.cooperative_id, user, [i["id"] for i in page["items"]],
               where="api.residents")
    return page


@api.get("/residents/<int:resident_id>")
@api.doc(summary="A resident with migration records and the derived pmi_status",
         tags=TAGS, errors=(401, 403, 404))
@roles(*STAFF)
@api.response(200, schemas.ResidentSchema)
def get_resident(resident_id: int):
    user = current_api_user()
    r = services.get_resident(user.cooperative_id, resident_id)
    out = resident_dict(r, user, records=True)
    if not out["nik_masked"]:
        atomic(services.log_nik_reads, user.cooperative_id, user, [r.id], where="api.resident")
    return out


@api.post("/residents/<int:resident_id>/migration-records")
@api.doc(summary="Record a departure (calon/aktif/purna); the PMI status of the household follows", tags=TAGS)
@roles(*WRITE)
@found_first(lambda resident_id: services.get_resident(current_api_user().cooperative_id, resident_id))
@api.arguments(schemas.MigrationRecordInSchema)  # under found_first: 404 before any body check
@api.response(201, schemas.MigrationRecordSchema)
def create_migration_record(data: dict, resident_id: int):
    user = current_api_user()
    m = atomic(services.add_migration_record, user.cooperative_id, resident_id, data, actor=user)
    return record_dict(m)


@api.post("/registry/imports")
@api.doc(summary="Import residents from CSV/XLSX (multipart 'file'); dry_run=true validates only; with "
                 "dry_run=false nothing is written unless every row is valid",
         upload=schemas.ImportUploadSchema, tags=TAGS, errors=(401, 403, 413, 422))
@roles(*WRITE)
@api.arguments(schemas.ImportQuerySchema, location="query")
@api.response(200, schemas.ImportResultSchema)
def import_residents(args: dict):
    # the upload is read here with the bounded reader (MAX_UPLOAD), not parsed by webargs
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError("Kirim berkas CSV atau XLSX sebagai multipart 'file'.",
                              fields={"file": [one_language("wajib diisi", "required")]})
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ValidationError("Berkas terlalu besar (maks. 20 MB).", fields={"file": [one_language("maks. 20 MB", "max 20 MB")]})
    user = current_api_user()
    # not inside atomic: the import validates with no write transaction open, then commits in short batches
    report = imports.import_file(user.cooperative_id, data, upload.filename or "", actor=user,
                                 dry_run=args["dry_run"], as_of=_today(),
                                 limits=imports.ImportLimits.from_config(current_app.config))
    return report.to_dict()
