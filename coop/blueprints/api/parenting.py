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
from coop.blueprints.api import api, current_api_user, found_first, page_params
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


@api.post("/parenting/children")
@api.doc(summary="Register a child with the parent's or guardian's consent; 422 consent_required, 422 not_eligible",
         tags=TAGS, errors=ERRORS)
@parenting_roles
@api.arguments(ChildInSchema)
@api.response(201, ChildSchema)
def create_child(data: dict):
    user = current_api_user()
    as_of = _today()

    def _do():
        child = services.create_child(user.cooperative_id, as_of=as_of, actor=user, **data)
        return services.read_child(user.cooperative_id, child.id, as_of=as_of, actor=user, where="api.create")
    return atomic(_do)


@api.get("/parenting/children")
@api.doc(summary="Children with an active consent (no NIK); the read is audited",
         tags=TAGS, errors=ERRORS)
@parenting_roles
@api.response(200, ChildListSchema)
def list_children():
    user = current_api_user()
    rows, cursor = _page(services.active_children(user.cooperative_id), Child.id)
    items = atomic(services.list_children, user.cooperative_id, rows, as_of=_today(), actor=user,
                   where="api.children")
    return {"items": items, "next_cursor": cursor}


@api.get("/parenting/children/<int:child_id>")
@api.doc(summary="A child with caregiver, migrant parents (pmi_status), consent, attendance, contacts and risk signs",
         tags=TAGS, errors=(401, 404))
@parenting_roles
@api.response(200, ChildSchema)
def get_child(child_id: int):
    user = current_api_user()
    return atomic(services.read_child, user.cooperative_id, child_id, as_of=_today(), actor=user,
                  where="api.child")


@api.post("/parenting/children/<int:child_id>/contacts")
@api.doc(summary="Log a contact with the migrant parent (call, video_call, visit)", tags=TAGS, errors=ERRORS)
@parenting_roles
@found_first(lambda child_id: services.get_child(current_api_user().cooperative_id, child_id))  # 404 before 422
@api.arguments(ParentingContactInSchema)
@api.response(201, ParentingContactSchema)
def add_contact(data: dict, child_id: int):
    user = current_api_user()
    k = atomic(services.add_contact, user.cooperative_id, child_id, as_of=_today(), actor=user, **data)
    return k


@api.post("/parenting/children/<int:child_id>/consent-withdrawal")
@api.doc(summary="Withdraw the consent: the record is hidden and no longer processed", tags=TAGS, errors=ERRORS)
@parenting_roles
@found_first(lambda child_id: services.get_child(current_api_user().cooperative_id, child_id))  # 404 before 422
@api.arguments(ParentingWithdrawInSchema)
@api.response(200, ParentingWithdrawnSchema)
def withdraw_consent(data: dict, child_id: int):
    user = current_api_user()
    c = atomic(services.withdraw_consent, user.cooperative_id, child_id, as_of=_today(), actor=user, **data)
    return c


@api.post("/parenting/groups")
@api.doc(summary="Create a group", tags=TAGS, errors=ERRORS)
@parenting_roles
@api.arguments(ParentingGroupInSchema)
@api.response(201, ParentingGroupSchema)
def create_group(data: dict):
    user = current_api_user()
    return atomic(services.create_group, user.cooperative_id, actor=user, **data)


@api.get("/parenting/groups")
@api.doc(summary="List groups", tags=TAGS, errors=ERRORS)
@parenting_roles
@api.response(200, ParentingGroupListSchema)
def list_groups():
    user = current_api_user()
    rows, cursor = _page(sa.select(ParentingGroup).where(ParentingGroup.cooperative_id == user.cooperative_id),
                         ParentingGroup.id)
    return {"items": rows, "next_cursor": cursor}


@api.post("/parenting/sessions")
@api.doc(summary="Record a session (kind from the activity list)", tags=TAGS, errors=ERRORS)
@parenting_roles
@api.arguments(ParentingSessionInSchema)
@api.response(201, ParentingSessionSchema)
def create_session(data: dict):
    user = current_api_user()
    s = atomic(services.create_session, user.cooperative_id, actor=user, **data)
    return session_dict(s)


@api.get("/parenting/sessions")
@api.doc(summary="List sessions", tags=TAGS, errors=ERRORS)
@parenting_roles
@api.response(200, ParentingSessionListSchema)
def list_sessions():
    user = current_api_user()
    rows, cursor = _page(sa.select(ParentingSession).where(
        ParentingSession.cooperative_id == user.cooperative_id), ParentingSession.id)
    return {"items": [session_dict(s) for s in rows], "next_cursor": cursor}


@api.get("/parenting/sessions/<int:parenting_session_id>")
@api.doc(summary="A session with who attended", tags=TAGS, errors=(401, 404))
@parenting_roles
@api.response(200, ParentingSessionSchema)
def get_session(parenting_session_id: int):
    user = current_api_user()
    return session_dict(services.get_session(user.cooperative_id, parenting_session_id), with_attendance=True)


@api.post("/parenting/sessions/<int:parenting_session_id>/attendance")
@api.doc(summary="Who came: children (child ids), caregivers (resident ids), optional pre/post scores",
         tags=TAGS, errors=ERRORS)
@parenting_roles
@found_first(lambda parenting_session_id: services.get_session(  # 404 before 422
    current_api_user().cooperative_id, parenting_session_id))
@api.arguments(ParentingAttendanceInSchema)
@api.response(200, ParentingAttendanceSchema)
def record_attendance(data: dict, parenting_session_id: int):
    user = current_api_user()
    out = atomic(services.record_attendance, user.cooperative_id, parenting_session_id, actor=user, **data)
    return out


@api.get("/parenting/at-risk")
@api.doc(summary="Children with a risk sign: not_in_school, low_attendance, no_parent_contact",
         tags=TAGS, errors=(401, 404))
@parenting_roles
@api.response(200, ParentingAtRiskSchema)
def at_risk():
    user = current_api_user()
    as_of = _today()
    items = atomic(services.at_risk, user.cooperative_id, as_of=as_of, actor=user, where="api")
    return {"as_of": as_of, "items": items}


@api.get("/parenting/reports/quarterly")
@api.doc(summary="Quarterly report (?quarter=2027Q1): totals only", tags=TAGS, errors=ERRORS)
@parenting_roles
@api.arguments(ParentingQuarterArgsSchema, location="query")
@api.response(200, ParentingQuarterlySchema)
def quarterly_report(args: dict):
    user = current_api_user()
    return reports.quarterly(user.cooperative_id, args["quarter"], as_of=_today())


@api.get("/parenting/reports/quarterly.xlsx")
@api.doc(summary="Quarterly report as XLSX", tags=TAGS, errors=ERRORS,
         content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
@parenting_roles
@api.arguments(ParentingQuarterArgsSchema, location="query")
def quarterly_report_xlsx(args: dict):
    user = current_api_user()
    data = reports.quarterly_xlsx(reports.quarterly(user.cooperative_id, args["quarter"], as_of=_today()),
                                  report_labels())
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="parenting-{args["quarter"]}.xlsx"'})
