"""API v1: community parenting (API.md, Community parenting).

Officer, admin and facilitator read and write. Every other role gets 404 on every route of the area (a
child's existence is not revealed: the one exception to "wrong role: 403"); another cooperative's object
is 404 too. Every read of a child's record or a list of children is audited by the services.
"""
from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import Response

from coop.auth.roles import PARENTING
from coop.blueprints.api import _encode_cursor as encode_cursor
from coop.blueprints.api import api, current_api_user, doc, load, load_args, page_params
from coop.blueprints.common import business_today as _today
from coop.blueprints.parenting import report_labels
from coop.db import atomic
from coop.errors import NotFound
from coop.paging import keyset_rows
from coop.parenting import reports, services
from coop.parenting.models import Child, ParentingGroup, ParentingSession
from coop.parenting.schemas import (
    ChildInSchema,
    ChildListSchema,
    ChildSchema,
    ParentingAtRiskSchema,
    ParentingAttendanceInSchema,
    ParentingAttendanceSchema,
    ParentingContactInSchema,
    ParentingContactSchema,
    ParentingGroupInSchema,
    ParentingGroupListSchema,
    ParentingGroupSchema,
    ParentingQuarterArgsSchema,
    ParentingQuarterlySchema,
    ParentingSessionInSchema,
    ParentingSessionListSchema,
    ParentingSessionSchema,
    ParentingWithdrawInSchema,
    ParentingWithdrawnSchema,
)

TAGS = ["parenting"]
ERRORS = (401, 404, 422)


def parenting_roles(view):
    """Officer, admin, facilitator; any other role is answered 404 (not 403) so nothing is revealed."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_api_user().role not in PARENTING:
            raise NotFound("Data tidak ditemukan.")
        return view(*args, **kwargs)
    wrapped._apidoc = getattr(view, "_apidoc", {})
    wrapped._coop_roles = PARENTING
    return wrapped


def _page(stmt, id_column):
    rows, more = keyset_rows(stmt, id_column, *page_params())
    return rows, (encode_cursor(rows[-1].id) if more and rows else None)


def session_dict(s, with_attendance: bool = False) -> dict:
    data = {"id": s.id, "kind": s.kind, "held_on": s.held_on, "topic": s.topic, "facilitator": s.facilitator,
            "group_id": s.group_id}
    if with_attendance:
        data["attendance"] = [{"resident_id": a.resident_id, "child_id": a.child_id, "role": a.role,
                               "pre_score": a.pre_score, "post_score": a.post_score}
                              for a in services.attendance_of(s.cooperative_id, s.id)]
    return data


def dump_session(s, with_attendance: bool = False) -> dict:
    return ParentingSessionSchema().dump(session_dict(s, with_attendance))


@api.post("/parenting/children")
@doc(summary="Register a child with the parent's or guardian's consent; 422 consent_required, 422 not_eligible",
     body=ChildInSchema, response=ChildSchema, status=201, tags=TAGS, errors=ERRORS)
@parenting_roles
def create_child():
    data = load(ChildInSchema)
    user = current_api_user()
    as_of = _today()

    def _do():
        child = services.create_child(user.cooperative_id, as_of=as_of, actor=user, **data)
        return services.read_child(user.cooperative_id, child.id, as_of=as_of, actor=user, where="api.create")
    return ChildSchema().dump(atomic(_do)), 201


@api.get("/parenting/children")
@doc(summary="Children with an active consent (no NIK); the read is audited", response=ChildListSchema,
     tags=TAGS, errors=ERRORS)
@parenting_roles
def list_children():
    user = current_api_user()
    rows, cursor = _page(services.active_children(user.cooperative_id), Child.id)
    items = atomic(services.list_children, user.cooperative_id, rows, as_of=_today(), actor=user,
                   where="api.children")
    return ChildListSchema().dump({"items": items, "next_cursor": cursor})


@api.get("/parenting/children/<int:child_id>")
@doc(summary="A child with caregiver, migrant parents (pmi_status), consent, attendance, contacts and risk signs",
     response=ChildSchema, tags=TAGS, errors=(401, 404))
@parenting_roles
def get_child(child_id: int):
    user = current_api_user()
    return ChildSchema().dump(atomic(services.read_child, user.cooperative_id, child_id, as_of=_today(),
                                     actor=user, where="api.child"))


@api.post("/parenting/children/<int:child_id>/contacts")
@doc(summary="Log a contact with the migrant parent (call, video_call, visit)", body=ParentingContactInSchema,
     response=ParentingContactSchema, status=201, tags=TAGS, errors=ERRORS)
@parenting_roles
def add_contact(child_id: int):
    user = current_api_user()
    services.get_child(user.cooperative_id, child_id)
    data = load(ParentingContactInSchema)
    k = atomic(services.add_contact, user.cooperative_id, child_id, as_of=_today(), actor=user, **data)
    return ParentingContactSchema().dump(k), 201


@api.post("/parenting/children/<int:child_id>/consent-withdrawal")
@doc(summary="Withdraw the consent: the record is hidden and no longer processed", body=ParentingWithdrawInSchema,
     response=ParentingWithdrawnSchema, tags=TAGS, errors=ERRORS)
@parenting_roles
def withdraw_consent(child_id: int):
    user = current_api_user()
    services.get_child(user.cooperative_id, child_id)
    data = load(ParentingWithdrawInSchema)
    c = atomic(services.withdraw_consent, user.cooperative_id, child_id, as_of=_today(), actor=user, **data)
    return ParentingWithdrawnSchema().dump(c)


@api.post("/parenting/groups")
@doc(summary="Create a group", body=ParentingGroupInSchema, response=ParentingGroupSchema, status=201, tags=TAGS, errors=ERRORS)
@parenting_roles
def create_group():
    data = load(ParentingGroupInSchema)
    user = current_api_user()
    return ParentingGroupSchema().dump(atomic(services.create_group, user.cooperative_id, actor=user, **data)), 201


@api.get("/parenting/groups")
@doc(summary="List groups", response=ParentingGroupListSchema, tags=TAGS, errors=ERRORS)
@parenting_roles
def list_groups():
    user = current_api_user()
    rows, cursor = _page(sa.select(ParentingGroup).where(ParentingGroup.cooperative_id == user.cooperative_id),
                         ParentingGroup.id)
    return ParentingGroupListSchema().dump({"items": rows, "next_cursor": cursor})


@api.post("/parenting/sessions")
@doc(summary="Record a session (kind from the activity list)", body=ParentingSessionInSchema, response=ParentingSessionSchema,
     status=201, tags=TAGS, errors=ERRORS)
@parenting_roles
def create_session():
    data = load(ParentingSessionInSchema)
    user = current_api_user()
    s = atomic(services.create_session, user.cooperative_id, actor=user, **data)
    return dump_session(s), 201


@api.get("/parenting/sessions")
@doc(summary="List sessions", response=ParentingSessionListSchema, tags=TAGS, errors=ERRORS)
@parenting_roles
def list_sessions():
    user = current_api_user()
    rows, cursor = _page(sa.select(ParentingSession).where(
        ParentingSession.cooperative_id == user.cooperative_id), ParentingSession.id)
    return ParentingSessionListSchema().dump({"items": [session_dict(s) for s in rows], "next_cursor": cursor})


@api.get("/parenting/sessions/<int:parenting_session_id>")
@doc(summary="A session with who attended", response=ParentingSessionSchema, tags=TAGS, errors=(401, 404))
@parenting_roles
def get_session(parenting_session_id: int):
    user = current_api_user()
    return dump_session(services.get_session(user.cooperative_id, parenting_session_id), with_attendance=True)


@api.post("/parenting/sessions/<int:parenting_session_id>/attendance")
@doc(summary="Who came: children (child ids), caregivers (resident ids), optional pre/post scores",
     body=ParentingAttendanceInSchema, response=ParentingAttendanceSchema, tags=TAGS, errors=ERRORS)
@parenting_roles
def record_attendance(parenting_session_id: int):
    user = current_api_user()
    services.get_session(user.cooperative_id, parenting_session_id)
    data = load(ParentingAttendanceInSchema)
    out = atomic(services.record_attendance, user.cooperative_id, parenting_session_id, actor=user, **data)
    return ParentingAttendanceSchema().dump(out)


@api.get("/parenting/at-risk")
@doc(summary="Children with a risk sign: not_in_school, low_attendance, no_parent_contact", response=ParentingAtRiskSchema,
     tags=TAGS, errors=(401, 404))
@parenting_roles
def at_risk():
    user = current_api_user()
    as_of = _today()
    items = atomic(services.at_risk, user.cooperative_id, as_of=as_of, actor=user, where="api")
    return ParentingAtRiskSchema().dump({"as_of": as_of, "items": items})


@api.get("/parenting/reports/quarterly")
@doc(summary="Quarterly report (?quarter=2027Q1): totals only", query=ParentingQuarterArgsSchema,
     response=ParentingQuarterlySchema, tags=TAGS, errors=ERRORS)
@parenting_roles
def quarterly_report():
    args = load_args(ParentingQuarterArgsSchema)
    user = current_api_user()
    return ParentingQuarterlySchema().dump(reports.quarterly(user.cooperative_id, args["quarter"], as_of=_today()))


@api.get("/parenting/reports/quarterly.xlsx")
@doc(summary="Quarterly report as XLSX", query=ParentingQuarterArgsSchema, tags=TAGS, errors=ERRORS,
     content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
@parenting_roles
def quarterly_report_xlsx():
    args = load_args(ParentingQuarterArgsSchema)
    user = current_api_user()
    data = reports.quarterly_xlsx(reports.quarterly(user.cooperative_id, args["quarter"], as_of=_today()),
                                  report_labels())
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="parenting-{args["quarter"]}.xlsx"'})
