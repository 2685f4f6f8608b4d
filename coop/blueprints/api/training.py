"""API v1: training (API.md, Training): programmes, cohorts, enrolments, attendance, completion,
allowance, follow-up and the funnel."""
from __future__ import annotations

import sqlalchemy as sa
from flask import request, url_for

from coop.auth.roles import ADMIN, AUDITOR, MANAGER, MEMBER, OFFICER, TREASURER
from coop.blueprints.api import api, current_api_user, cursor_page, found_first, idempotent, roles
from coop.blueprints.common import business_today as _today
from coop.db import atomic
from coop.errors import Forbidden
from coop.training import followup as fu
from coop.training import reports, services
from coop.training.models import Cohort, FollowUp, Program
from coop.training.schemas import (
    AllowanceInSchema,
    AllowanceSchema,
    AttendanceInSchema,
    AttendanceSchema,
    CertificateSchema,
    CohortInSchema,
    CohortListSchema,
    CohortSchema,
    CompletionSchema,
    EnrolInSchema,
    EnrolmentSchema,
    FollowUpListSchema,
    FollowUpOutcomeInSchema,
    FollowUpSchema,
    FunnelSchema,
    ProgramInSchema,
    ProgramListSchema,
    ProgramSchema,
    RejectInSchema,
    RevokeInSchema,
)

STAFF_READ = (ADMIN, OFFICER, MANAGER, TREASURER, AUDITOR)
MANAGE = (ADMIN, OFFICER, MANAGER)
TAGS = ["training"]



def dump_enrolment(e) -> dict:
    cert = e.certificate
    return {
        "id": e.id, "cohort_id": e.cohort_id, "resident_id": e.resident_id, "status": e.status, "seq": e.seq,
        "applied_on": e.applied_on, "channel": e.channel, "reason": e.reason, "completed_on": e.completed_on,
        "certificate_id": cert.id if cert else None, "certificate_number": cert.number if cert else None}


def dump_certificate(cert) -> dict:
    return {
        "id": cert.id, "enrolment_id": cert.enrolment_id, "resident_id": cert.enrolment.resident_id,
        "number": cert.number, "issued_on": cert.issued_on, "is_revoked": cert.is_revoked,
        "revoked_at": cert.revoked_at, "revoked_by_id": cert.revoked_by_id,
        "revocation_reason": cert.revocation_reason,
        "verification_url": url_for("public.certificate", token=cert.token, _external=True)}


def dump_cohort(c, with_enrolments: bool = True) -> dict:
    data = {"id": c.id, "program_id": c.program_id, "name": c.name, "starts_on": c.starts_on,
            "ends_on": c.ends_on, "venue": c.venue, "capacity": c.capacity, "enrolled_count": c.enrolled_count,
            "places_left": c.capacity - c.enrolled_count, "trainers": c.trainers,
            "allowance_amount": c.allowance_amount, "admission": c.admission, "is_open": c.is_open,
            "sessions": [s.held_on for s in c.sessions]}
    if with_enrolments:
        data["enrolments"] = [dump_enrolment(e) for e in services.enrolments_of(c.id)]
    return data


def _own_enrolment_or_staff(enrolment) -> None:
    """A member may act only on their own enrolments; staff roles on any of their cooperative's."""
    user = current_api_user()
    if user.role == MEMBER and enrolment.resident_id != services.resident_for_user(user):
        raise Forbidden("Ini bukan pendaftaran Anda.")


@api.post("/training/programs")
@api.doc(summary="Create a training programme", tags=TAGS)
@roles(*MANAGE)
@api.arguments(ProgramInSchema)
@api.response(201, ProgramSchema)
def create_program(data: dict):
    user = current_api_user()
    program = atomic(services.create_program, user.cooperative_id, actor=user, **data)
    return program


@api.get("/training/programs")
@api.doc(summary="List training programmes", tags=TAGS, errors=(401, 403, 422))
@roles(*STAFF_READ, MEMBER)
@api.response(200, ProgramListSchema)
def list_programs():
    user = current_api_user()
    return cursor_page(sa.select(Program).where(Program.cooperative_id == user.cooperative_id), Program.id,
                       lambda p: p)


@api.post("/training/cohorts")
@api.doc(summary="Create a cohort with its session dates",
         tags=TAGS)
@roles(*MANAGE)
@api.arguments(CohortInSchema)
@api.response(201, CohortSchema)
def create_cohort(data: dict):
    user = current_api_user()
    cohort_id = atomic(lambda: services.create_cohort(user.cooperative_id, actor=user, **data).id)
    return dump_cohort(services.get_cohort(user.cooperative_id, cohort_id))


@api.get("/training/cohorts")
@api.doc(summary="List cohorts (newest last)", tags=TAGS, errors=(401, 403, 422))
@roles(*STAFF_READ, MEMBER)
@api.response(200, CohortListSchema)
def list_cohorts():
    user = current_api_user()
    return cursor_page(sa.select(Cohort).where(Cohort.cooperative_id == user.cooperative_id), Cohort.id,
                       lambda c: dump_cohort(c, with_enrolments=False))


@api.get("/training/cohorts/<int:cohort_id>")
@api.doc(summary="A cohort with its enrolments in application order", tags=TAGS,
         errors=(401, 403, 404))
@roles(*STAFF_READ, MEMBER)
@api.response(200, CohortSchema)
def get_cohort(cohort_id: int):
    user = current_api_user()
    cohort = services.get_cohort(user.cooperative_id, cohort_id)
    data = dump_cohort(cohort)
    if user.role == MEMBER:  # a member sees the places, not who else applied
        own = services.resident_for_user(user)
        data["enrolments"] = [e for e in data["enrolments"] if e["resident_id"] == own]
    return data


@api.post("/training/cohorts/<int:cohort_id>/enrolments")
@api.doc(summary="Apply a resident to a cohort: enrolled, or waitlisted when full; 422 not_eligible",
         tags=TAGS, errors=(401, 403, 404, 409, 422))
@roles(*MANAGE, MEMBER)
@found_first(lambda cohort_id: services.get_cohort(current_api_user().cooperative_id, cohort_id))  # 404 before 422
@api.arguments(EnrolInSchema)
@api.response(201, EnrolmentSchema)
def enrol(data: dict, cohort_id: int):
    user = current_api_user()
    channel = "api"
    if user.role == MEMBER:
        if data["resident_id"] != services.resident_for_user(user):
            raise Forbidden("Anggota hanya bisa mendaftarkan dirinya sendiri.")
        channel = "self"
    enrolment_id = atomic(lambda: services.enrol(user.cooperative_id, cohort_id, data["resident_id"],
                                                 applied_on=_today(), actor=user, channel=channel).id)
    return dump_enrolment(services.get_enrolment(user.cooperative_id, enrolment_id))


@api.get("/training/enrolments/<int:enrolment_id>")
@api.doc(summary="One enrolment", tags=TAGS, errors=(401, 403, 404))
@roles(*STAFF_READ, MEMBER)
@api.response(200, EnrolmentSchema)
def get_enrolment(enrolment_id: int):
    user = current_api_user()
    enrolment = services.get_enrolment(user.cooperative_id, enrolment_id)
    _own_enrolment_or_staff(enrolment)
    return dump_enrolment(enrolment)


@api.delete("/training/enrolments/<int:enrolment_id>")
@api.doc(summary="Cancel an enrolment; the first on the waitlist takes the place",
         tags=TAGS, errors=(401, 403, 404, 409))
@roles(*MANAGE, MEMBER)
@api.response(200, EnrolmentSchema)
def cancel_enrolment(enrolment_id: int):
    user = current_api_user()
    _own_enrolment_or_staff(services.get_enrolment(user.cooperative_id, enrolment_id))
    atomic(services.cancel_enrolment, user.cooperative_id, enrolment_id, actor=user)
    return dump_enrolment(services.get_enrolment(user.cooperative_id, enrolment_id))


@api.post("/training/enrolments/<int:enrolment_id>/rejection")
@api.doc(summary="Reject an applicant with a reason", tags=TAGS,
         errors=(401, 403, 404, 409, 422))
@roles(*MANAGE)
@found_first(lambda enrolment_id: services.get_enrolment(current_api_user().cooperative_id, enrolment_id))  # 404 before 422
@api.arguments(RejectInSchema)
@api.response(200, EnrolmentSchema)
def reject_enrolment(data: dict, enrolment_id: int):
    user = current_api_user()
    atomic(services.reject_enrolment, user.cooperative_id, enrolment_id, reason=data["reason"], actor=user)
    return dump_enrolment(services.get_enrolment(user.cooperative_id, enrolment_id))


@api.post("/training/enrolments/<int:enrolment_id>/selection")
@api.doc(summary="Move a waitlisted applicant into a free place", tags=TAGS,
         errors=(401, 403, 404, 409))
@roles(*MANAGE)
@api.response(200, EnrolmentSchema)
def select_enrolment(enrolment_id: int):
    user = current_api_user()
    atomic(services.select_enrolment, user.cooperative_id, enrolment_id, actor=user)
    return dump_enrolment(services.get_enrolment(user.cooperative_id, enrolment_id))


@api.post("/training/cohorts/<int:cohort_id>/attendance")
@api.doc(summary="Mark who was present at one session",
         tags=TAGS)
@roles(*MANAGE)
@found_first(lambda cohort_id: services.get_cohort(current_api_user().cooperative_id, cohort_id))  # 404 before 422
@api.arguments(AttendanceInSchema)
@api.response(200, AttendanceSchema)
def mark_attendance(data: dict, cohort_id: int):
    user = current_api_user()
    result = atomic(services.mark_attendance, user.cooperative_id, cohort_id, data["session_date"],
                    data["present"], as_of=_today(), actor=user)
    return result


@api.post("/training/enrolments/<int:enrolment_id>/completion")
@api.doc(summary="Complete an enrolment and issue the certificate; 409 when attendance is short",
         tags=TAGS, errors=(401, 403, 404, 409))
@roles(*MANAGE)
@api.response(200, CompletionSchema)
def complete_enrolment(enrolment_id: int):
    user = current_api_user()
    atomic(services.complete_enrolment, user.cooperative_id, enrolment_id, completed_on=_today(), actor=user)
    e = services.get_enrolment(user.cooperative_id, enrolment_id)
    return {
        "id": e.id, "status": e.status, "completed_on": e.completed_on, "certificate_id": e.certificate.id,
        "certificate_number": e.certificate.number,
        "verification_url": url_for("public.certificate", token=e.certificate.token, _external=True)}


@api.get("/training/certificates/<int:certificate_id>")
@api.doc(summary="One certificate, with who revoked it, when and why once revoked",
         tags=TAGS, errors=(401, 403, 404))
@roles(*STAFF_READ, MEMBER)
@api.response(200, CertificateSchema)
def get_certificate(certificate_id: int):
    user = current_api_user()
    cert = services.get_certificate(user.cooperative_id, certificate_id)
    _own_enrolment_or_staff(cert.enrolment)
    return dump_certificate(cert)


@api.post("/training/certificates/<int:certificate_id>/revocation")
@api.doc(summary="Revoke a certificate with a reason (manager or admin); 409 already_revoked. The public "
                 "verification page then says DICABUT", tags=TAGS,
         errors=(401, 403, 404, 409, 422))
@roles(MANAGER, ADMIN)
@found_first(lambda certificate_id: services.get_certificate(current_api_user().cooperative_id, certificate_id))  # 404 before 422
@api.arguments(RevokeInSchema)
@api.response(200, CertificateSchema)
def revoke_certificate(data: dict, certificate_id: int):
    user = current_api_user()
    atomic(services.revoke_certificate, user.cooperative_id, certificate_id, actor=user, reason=data["reason"])
    return dump_certificate(services.get_certificate(user.cooperative_id, certificate_id))


@api.post("/training/enrolments/<int:enrolment_id>/allowance")
@api.doc(summary="Pay the cohort's allowance (Dr 5202 Beban Pelatihan, Cr 1101 Kas)",
         tags=TAGS, errors=(401, 403, 404, 409, 422))
@roles(ADMIN, TREASURER)
@idempotent
@found_first(lambda enrolment_id: services.get_enrolment(current_api_user().cooperative_id, enrolment_id))  # 404 before 422
@api.arguments(AllowanceInSchema)
@api.response(201, AllowanceSchema)
def pay_allowance(data: dict, enrolment_id: int):
    user = current_api_user()
    payment = atomic(services.pay_allowance, user.cooperative_id, enrolment_id, paid_on=data["paid_on"] or _today(),
                     actor=user, idempotency_key=request.headers.get("Idempotency-Key"))
    return payment


@api.get("/training/followups")
@api.doc(summary="Follow-up tasks (open first by due date)", tags=TAGS,
         errors=(401, 403, 422))
@roles(*STAFF_READ)
@api.response(200, FollowUpListSchema)
def list_followups():
    user = current_api_user()
    return cursor_page(sa.select(FollowUp).where(FollowUp.cooperative_id == user.cooperative_id), FollowUp.id,
                       lambda f: f)


@api.post("/training/followups/<int:followup_id>/outcome")
@api.doc(summary="Record a follow-up outcome (business started, NIB, PIRT, halal, revenue, workers, group)",
         tags=TAGS, errors=(401, 403, 404, 409, 422))
@roles(*MANAGE)
@found_first(lambda followup_id: fu.get_followup(current_api_user().cooperative_id, followup_id))  # 404 before 422
@api.arguments(FollowUpOutcomeInSchema)
@api.response(200, FollowUpSchema)
def record_followup(data: dict, followup_id: int):
    user = current_api_user()
    atomic(fu.record_outcome, user.cooperative_id, followup_id, done_on=data["done_on"] or _today(),
           is_business_started=data["business_started"], business=data["business"], notes=data["notes"],
           actor=user)
    return fu.get_followup(user.cooperative_id, followup_id)


@api.get("/training/funnel")
@api.doc(summary="Trained, businesses started, loans taken, loans repaying on time",
         tags=TAGS, errors=(401, 403))
@roles(*STAFF_READ)
@api.response(200, FunnelSchema)
def funnel():
    user = current_api_user()
    return reports.funnel(user.cooperative_id, as_of=_today())
