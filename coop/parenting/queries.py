"""Read models of the parenting pages (issue 16, item 4): groups, candidates for registration, the
session list and the attendance sheet, so the blueprint runs no query of its own. Reads only."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from coop.db import db
from coop.parenting import rules, services
from coop.parenting.models import Child, ParentingGroup, ParentingSession
from coop.registry.models import Resident


def groups(cooperative_id: int) -> list[ParentingGroup]:
    """The cooperative's parenting groups by name."""
    return list(db.session.scalars(sa.select(ParentingGroup).where(
        ParentingGroup.cooperative_id == cooperative_id).order_by(ParentingGroup.name)))


def children_per_group(cooperative_id: int) -> dict[int | None, int]:
    """Registered children (consent not withdrawn) per group id (None: no group)."""
    return dict(db.session.execute(sa.select(Child.group_id, sa.func.count()).where(
        Child.cooperative_id == cooperative_id, Child.consent_withdrawn_on.is_(None)).group_by(Child.group_id)).all())


def active_children(cooperative_id: int) -> list[Child]:
    """Registered children whose consent stands, by id."""
    return list(db.session.scalars(services.active_children(cooperative_id).order_by(Child.id)))


def candidates(cooperative_id: int) -> tuple[list[Resident], list[Resident]]:
    """Children (anak/cucu) on a KK whose kepala keluarga, suami or istri is a PMI aktif/purna, not yet
    registered; and the other members of those households (caregivers and consent givers)."""
    parent = sa.orm.aliased(Resident)
    pmi_households = sa.select(parent.household_id).where(
        parent.cooperative_id == cooperative_id, parent.relationship.in_(rules.PARENT_RELATIONSHIPS),
        parent.pmi_status.in_(rules.MIGRANT_STATUSES))
    registered = sa.select(Child.resident_id).where(Child.cooperative_id == cooperative_id,
                                                    Child.consent_withdrawn_on.is_(None))
    kids = list(db.session.scalars(sa.select(Resident).where(
        Resident.cooperative_id == cooperative_id, Resident.status == "hidup",
        Resident.relationship.in_(rules.CHILD_RELATIONSHIPS), Resident.household_id.in_(pmi_households),
        Resident.id.not_in(registered)).order_by(Resident.full_name)))
    adults = list(db.session.scalars(sa.select(Resident).where(
        Resident.cooperative_id == cooperative_id, Resident.status == "hidup",
        Resident.household_id.in_({k.household_id for k in kids}),
        Resident.relationship.not_in(rules.CHILD_RELATIONSHIPS)).order_by(Resident.full_name))) if kids else []
    return kids, adults


def recent_sessions(cooperative_id: int, limit: int = 100) -> list[ParentingSession]:
    """The latest sessions, newest first."""
    return list(db.session.scalars(sa.select(ParentingSession).where(
        ParentingSession.cooperative_id == cooperative_id).order_by(
        ParentingSession.held_on.desc(), ParentingSession.id.desc()).limit(limit)))


@dataclass
class AttendanceSheet:
    """The attendance page of a session: the children (the session's group first), the residents by id,
    who is marked present, and the caregivers to tick (of the group's children, by name)."""
    kids: list[Child]
    people: dict[int, Resident]
    marked: set[int]
    carers: list[int]


def attendance_sheet(cooperative_id: int, session: ParentingSession) -> AttendanceSheet:
    kids = list(db.session.scalars(services.active_children(cooperative_id)))
    kids.sort(key=lambda c: (c.group_id != session.group_id, c.id))
    people = {r.id: r for r in db.session.scalars(sa.select(Resident).where(
        Resident.cooperative_id == cooperative_id,
        Resident.id.in_({c.resident_id for c in kids} | {c.caregiver_resident_id for c in kids})))} if kids else {}
    marked = {a.resident_id for a in services.attendance_of(cooperative_id, session.id)}
    carers = sorted({c.caregiver_resident_id for c in kids if c.group_id == session.group_id or session.group_id is None},
                    key=lambda rid: people[rid].full_name)
    return AttendanceSheet(kids, people, marked, carers)
