"""API v1: the migration service desk (API.md, "Migration service desk"): cases, checklist, agency
checks, stages, the family permission letter, consultations, the monthly summary and exports.

Officer and admin write; manager and auditor read without NIK; every other role is refused (403);
another cooperative's case is 404.
"""
from __future__ import annotations

from flask import Response

from coop.auth.roles import ADMIN, AUDITOR, MANAGER, OFFICER, SEES_NIK
from coop.blueprints.api import api, current_api_user, cursor_page, found_first, roles
from coop.blueprints.common import business_today as _today
from coop.db import atomic, forget_loaded
from coop.desk import reports, rules, services
from coop.desk.letter import letter_pdf
from coop.desk.models import DeskCase
from coop.desk.schemas import (
    AgencyCheckCreatedSchema,
    AgencyCheckInSchema,
    CaseInSchema,
    CaseListQuerySchema,
    CaseListSchema,
    CaseSchema,
    ChecklistSchema,
    ConsultationInSchema,
    ConsultationListSchema,
    ConsultationSchema,
    DocumentInSchema,
    MonthQuerySchema,
    StageInSchema,
    SummarySchema,
)

WRITE = (ADMIN, OFFICER)
READ = (ADMIN, OFFICER, MANAGER, AUDITOR)
TAGS = ["migration-desk"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sees_nik() -> bool:
    return current_api_user().role in SEES_NIK


def checklist_of(case: DeskCase) -> list[dict]:
    order = {c: i for i, c in enumerate(rules.DOCUMENT_CODES)}
    return [{"code": d.code, "status": d.status, "number": d.number, "expires_on": d.expires_on,
             "visa_kind": d.visa_kind, "note": d.note} for d in sorted(case.documents, key=lambda d: order[d.code])]


def dump_case(case: DeskCase, *, full: bool = True) -> dict:
    as_of = _today()
    r = case.resident
    data = {c: getattr(case, c) for c in services.CASE_FIELDS}
    data.update({
        "id": case.id, "resident_id": case.resident_id, "opened_on": case.opened_on, "stage": case.stage,
        "stage_on": case.stage_on, "stopped_reason": case.stopped_reason,
        "migration_record_id": case.migration_record_id,
        "resident": {"id": r.id, "full_name": r.full_name, "nik": r.nik if _sees_nik() else None,
                     "age": rules.age_on(r.birth_date, as_of)},
        "checklist": checklist_of(case), "red_flags": services.red_flags(case, as_of)})
    if full:
        data["agency_checks"] = [_check(c) for c in case.agency_checks]
        data["stage_history"] = [{"stage": ch.stage, "on": ch.moved_on, "reason": ch.reason,
                                  "by": ch.by.username if ch.by else None} for ch in case.stage_changes]
    return data


def _check(c) -> dict:
    return {"id": c.id, "licence_number": c.licence_number, "source": c.source, "checked_on": c.checked_on,
            "result": c.result, "note": c.note, "officer": c.officer.username if c.officer else None}


def _case(case_id: int) -> DeskCase:
    return services.get_case(current_api_user().cooperative_id, case_id)


def _fresh_case(case_id: int) -> DeskCase:
    forget_loaded()  # re-read the case the unit of work just wrote (no query)
    return services.get_case(current_api_user().cooperative_id, case_id)


@api.post("/migration-cases")
@api.doc(summary="Open a calon PMI case at the consultation stage", tags=TAGS, errors=(401, 403, 404, 409, 422))
@roles(*WRITE)
@api.arguments(CaseInSchema)
@api.response(201, CaseSchema)
def create_migration_case(data: dict):
    user = current_api_user()
    today = _today()
    opened_on = data.pop("opened_on") or today
    case_id = atomic(lambda: services.open_case(user.cooperative_id, data, opened_on=opened_on, as_of=today,
                                                actor=user).id)
    return dump_case(_fresh_case(case_id))


@api.get("/migration-cases")
@api.doc(summary="List cases (optionally of one stage)", tags=TAGS, errors=(401, 403, 422))
@roles(*READ)
@api.arguments(CaseListQuerySchema, location="query")
@api.response(200, CaseListSchema)
def list_migration_cases(args: dict):
    user = current_api_user()
    return cursor_page(services.list_cases(user.cooperative_id, args["stage"]), DeskCase.id,
                       lambda c: dump_case(c, full=False))


@api.get("/migration-cases/<int:case_id>")
@api.doc(summary="A case with checklist, agency checks, stage history and red flags",
         tags=TAGS, errors=(401, 403, 404))
@roles(*READ)
@api.response(200, CaseSchema)
def get_migration_case(case_id: int):
    return dump_case(services.get_case(current_api_user().cooperative_id, case_id))


@api.post("/migration-cases/<int:case_id>/documents")
@api.doc(summary="Set one checklist document (status, number, expiry, note)", tags=TAGS,
         errors=(401, 403, 404, 409, 422))
@roles(*WRITE)
@found_first(_case)  # 404 before 422
@api.arguments(DocumentInSchema)
@api.response(200, ChecklistSchema)
def set_migration_case_document(data: dict, case_id: int):
    user = current_api_user()
    atomic(lambda: services.set_document(user.cooperative_id, case_id, actor=user, **data).id)
    case = _fresh_case(case_id)
    return {"checklist": checklist_of(case), "red_flags": services.red_flags(case, _today())}


@api.post("/migration-cases/<int:case_id>/agency-checks")
@api.doc(summary="Record a check of the placement company's SIP3MI licence",
         tags=TAGS, errors=(401, 403, 404, 422))
@roles(*WRITE)
@found_first(_case)  # 404 before 422
@api.arguments(AgencyCheckInSchema)
@api.response(201, AgencyCheckCreatedSchema)
def add_migration_case_agency_check(data: dict, case_id: int):
    user = current_api_user()
    check_id = atomic(lambda: services.add_agency_check(user.cooperative_id, case_id, as_of=_today(), actor=user,
                                                        **data).id)
    case = _fresh_case(case_id)
    check = next(c for c in case.agency_checks if c.id == check_id)
    return {**_check(check), "red_flags": services.red_flags(case, _today())}


@api.post("/migration-cases/<int:case_id>/stage")
@api.doc(summary="Move a case to a stage; 409 missing_documents (fields.documents) or not_eligible",
         tags=TAGS, errors=(401, 403, 404, 409, 422))
@roles(*WRITE)
@found_first(_case)  # 404 before 422
@api.arguments(StageInSchema)
@api.response(200, CaseSchema)
def move_migration_case_stage(data: dict, case_id: int):
    user = current_api_user()
    atomic(lambda: services.move_stage(user.cooperative_id, case_id, stage=data["stage"], on=data["on"],
                                       reason=data["reason"], as_of=_today(), actor=user).id)
    return dump_case(_fresh_case(case_id))


@api.get("/migration-cases/<int:case_id>/family-permission-letter.pdf")
@api.doc(summary="The family permission letter (PDF) for the village head to sign; numbered on first issue",
         tags=TAGS, content_type="application/pdf", errors=(401, 403, 404, 409))
@roles(*WRITE)
def migration_case_letter_pdf(case_id: int):
    user = current_api_user()
    services.get_case(user.cooperative_id, case_id)
    letter_id = atomic(lambda: services.issue_letter(user.cooperative_id, case_id, as_of=_today(), actor=user).id)
    pdf, filename = letter_pdf(user.cooperative_id, letter_id)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@api.get("/migration-desk/summary")
@api.doc(summary="The desk's month: cases by stage, opened, departed, returned, stopped, red flags",
         tags=TAGS, errors=(401, 403, 422))
@roles(*READ)
@api.arguments(MonthQuerySchema, location="query")
@api.response(200, SummarySchema)
def migration_desk_summary(args: dict):
    user = current_api_user()
    return services.summary(user.cooperative_id, args["month"], as_of=_today())


@api.get("/migration-desk/summary.xlsx")
@api.doc(summary="The monthly desk summary as XLSX (audited)",
         tags=TAGS, content_type=XLSX, errors=(401, 403, 422))
@roles(*READ)
@api.arguments(MonthQuerySchema, location="query")
def migration_desk_summary_xlsx(args: dict):
    user = current_api_user()
    data = services.summary(user.cooperative_id, args["month"], as_of=_today())
    atomic(reports.record_export, user, user.cooperative_id, "summary.xlsx", month=args["month"], via="api")
    return Response(reports.summary_xlsx(data, reports.summary_labels()), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="layanan_migrasi_{args["month"]}.xlsx"'})


@api.get("/migration-desk/reconciliation.csv")
@api.doc(summary="Cases for reconciliation with the ministry's extract (NIK only for roles that may see it; audited)",
         tags=TAGS, content_type="text/csv", errors=(401, 403))
@roles(*READ)
def migration_desk_reconciliation_csv():
    user = current_api_user()
    sees = _sees_nik()
    atomic(reports.record_export, user, user.cooperative_id, "reconciliation.csv", with_nik=sees, via="api")
    return Response(reports.reconciliation_csv(user.cooperative_id, sees_nik=sees), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="rekonsiliasi_pmi.csv"'})


@api.post("/migration-desk/consultations")
@api.doc(summary="Log an information session (resident or visitor, date, topic)", tags=TAGS,
         errors=(401, 403, 404, 422))
@roles(*WRITE)
@api.arguments(ConsultationInSchema)
@api.response(201, ConsultationSchema)
def log_migration_desk_consultation(data: dict):
    user = current_api_user()
    c = atomic(services.log_consultation, user.cooperative_id, as_of=_today(), actor=user, **data)
    return _consultation(c)


def _consultation(c) -> dict:
    name = c.resident.full_name if c.resident_id else c.visitor_name
    return {"id": c.id, "resident_id": c.resident_id, "name": name, "held_on": c.held_on, "topic": c.topic,
            "country": c.country, "note": c.note}


@api.get("/migration-desk/consultations")
@api.doc(summary="Consultations held in a month, with the count", tags=TAGS, errors=(401, 403, 422))
@roles(*READ)
@api.arguments(MonthQuerySchema, location="query")
@api.response(200, ConsultationListSchema)
def list_migration_desk_consultations(args: dict):
    user = current_api_user()
    first, last = services.month_bounds(args["month"])
    items = services.consultations_in(user.cooperative_id, first, last)
    return {"items": [_consultation(c) for c in items], "count": len(items)}

