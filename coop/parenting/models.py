"""Community parenting (pillar 3): children of PMI left in the village, their caregivers, consent,
groups (kelompok), sessions typed by KPAI's activity list, attendance with pre/post scores, and a log of
contacts with the absent parent.

Children's data is specific personal data (UU 27/2022): a child row exists only with a recorded consent
(who gave it, relationship, date, method); withdrawing it hides the row from every list and read
(``consent_withdrawn_on``) while the row is kept as the law requires.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import Base, TenantMixin, TimestampMixin, UTCDateTime, intpk
from coop.parenting.rules import (
    ATTENDEE_ROLES,
    CONSENT_METHODS,
    CONSENT_RELATIONSHIPS,
    CONTACT_METHODS,
    SCHOOL_STATUSES,
    SESSION_KINDS,
)

__all__ = ["ParentingGroup", "Child", "ChildParent", "ParentingSession", "SessionAttendance", "ParentContact"]


def _in(col: str, values) -> str:
    return f"{col} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class ParentingGroup(TenantMixin, TimestampMixin, Base):
    """A kelompok of children (and their caregivers) that meets, e.g. at the village's rumah belajar."""

    __tablename__ = "parenting_groups"
    __table_args__ = (UniqueConstraint("cooperative_id", "name"),)

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200))
    #: The facilitator's (pendamping) name as the group knows them.
    facilitator: Mapped[str | None] = mapped_column(String(200))


class Child(TenantMixin, TimestampMixin, Base):
    """A child of a migrant worker, linked to the registry resident and household (KK)."""

    __tablename__ = "parenting_children"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "resident_id"),
        sa.CheckConstraint(_in("school_status", SCHOOL_STATUSES), name="school_status_known"),
        sa.CheckConstraint(_in("consent_method", CONSENT_METHODS), name="consent_method_known"),
        sa.CheckConstraint(_in("consent_relationship", CONSENT_RELATIONSHIPS), name="consent_relationship_known"),
        sa.CheckConstraint("consent_withdrawn_on IS NULL OR consent_withdrawn_on >= consent_given_on",
                           name="withdrawn_after_given"),
    )

    id: Mapped[intpk]
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    caregiver_resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("parenting_groups.id"), index=True)
    school_status: Mapped[str] = mapped_column(String(20))
    school_name: Mapped[str | None] = mapped_column(String(200))
    consent_given_by_resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    consent_relationship: Mapped[str] = mapped_column(String(20))
    consent_given_on: Mapped[date] = mapped_column(sa.Date)
    consent_method: Mapped[str] = mapped_column(String(20))
    #: Set when the consent is withdrawn: processing stops and the record is hidden (kept, not deleted).
    consent_withdrawn_on: Mapped[date | None] = mapped_column(sa.Date)
    consent_withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    group: Mapped[ParentingGroup | None] = relationship()
    named_parents: Mapped[list[ChildParent]] = relationship(order_by="ChildParent.resident_id",
                                                           cascade="all, delete-orphan")


class ChildParent(TenantMixin, Base):
    """A parent named on the child's record (``parent_resident_ids``), e.g. one on another KK."""

    __tablename__ = "parenting_child_parents"
    __table_args__ = (UniqueConstraint("cooperative_id", "child_id", "resident_id"),)

    id: Mapped[intpk]
    child_id: Mapped[int] = mapped_column(ForeignKey("parenting_children.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)


class ParentingSession(TenantMixin, TimestampMixin, Base):
    """One meeting: an activity of KPAI's list, held on a day, for a group (or open to all)."""

    __tablename__ = "parenting_sessions"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", SESSION_KINDS), name="kind_known"),
        sa.Index("ix_parenting_sessions_coop_held", "cooperative_id", "held_on"),
    )

    id: Mapped[intpk]
    group_id: Mapped[int | None] = mapped_column(ForeignKey("parenting_groups.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    held_on: Mapped[date] = mapped_column(sa.Date)
    topic: Mapped[str] = mapped_column(String(300))
    facilitator: Mapped[str] = mapped_column(String(200))

    group: Mapped[ParentingGroup | None] = relationship()


class SessionAttendance(TenantMixin, Base):
    """Who came to a session: a child (``child_id`` set) or a caregiver, with optional pre/post scores."""

    __tablename__ = "parenting_attendance"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "session_id", "resident_id"),
        sa.CheckConstraint(_in("role", ATTENDEE_ROLES), name="role_known"),
        sa.CheckConstraint("(role = 'child') = (child_id IS NOT NULL)", name="child_role_has_child"),
        sa.CheckConstraint("pre_score IS NULL OR (pre_score >= 0 AND pre_score <= 100)", name="pre_score_range"),
        sa.CheckConstraint("post_score IS NULL OR (post_score >= 0 AND post_score <= 100)",
                           name="post_score_range"),
    )

    id: Mapped[intpk]
    session_id: Mapped[int] = mapped_column(ForeignKey("parenting_sessions.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("parenting_children.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    #: 0..100 (plain INTEGER: a score is small).
    pre_score: Mapped[int | None] = mapped_column(sa.Integer)
    post_score: Mapped[int | None] = mapped_column(sa.Integer)


class ParentContact(TenantMixin, Base):
    """A contact between the child and the migrant parent abroad (call, video call, visit home)."""

    __tablename__ = "parenting_contacts"
    __table_args__ = (
        sa.CheckConstraint(_in("method", CONTACT_METHODS), name="method_known"),
        sa.Index("ix_parenting_contacts_child_on", "cooperative_id", "child_id", "contacted_on"),
    )

    id: Mapped[intpk]
    child_id: Mapped[int] = mapped_column(ForeignKey("parenting_children.id"), index=True)
    parent_resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    contacted_on: Mapped[date] = mapped_column(sa.Date)
    method: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
