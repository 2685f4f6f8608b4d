"""Migration service desk tables: a case per calon PMI (linked to the registry resident), its documents
checklist, stage history, agency checks, the family permission letters and the consultations log.

Every table carries ``cooperative_id``; every unique key includes it.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import Base, TenantMixin, TimestampMixin, UTCDateTime, intpk, utcnow
from coop.desk.rules import (
    AGENCY_RESULTS,
    CONSULTATION_TOPICS,
    DOCUMENT_CODES,
    DOCUMENT_STATUSES,
    STAGES,
    VISA_KINDS,
)

__all__ = ["DeskCase", "DeskDocument", "DeskStageChange", "DeskAgencyCheck", "DeskLetter", "DeskLetterCounter",
           "DeskConsultation"]


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class DeskCase(TenantMixin, TimestampMixin, Base):
    """A calon PMI's case at the village desk, from consultation to departure (and return or stop)."""

    __tablename__ = "desk_cases"
    __table_args__ = (
        sa.CheckConstraint("stage IN " + _in(STAGES), name="stage_known"),
        sa.CheckConstraint("length(destination_country) = 2", name="country_alpha2"),
        sa.CheckConstraint("contract_months IS NULL OR contract_months > 0", name="contract_months_positive"),
        sa.CheckConstraint("stage <> 'stopped' OR stopped_reason IS NOT NULL", name="stopped_has_reason"),
    )

    id: Mapped[intpk]
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    destination_country: Mapped[str] = mapped_column(String(2))
    job_title: Mapped[str] = mapped_column(String(200))
    #: The registry's ``job_type`` vocabulary (badan_hukum, perseorangan, awak_kapal).
    job_type: Mapped[str | None] = mapped_column(String(20))
    scheme: Mapped[str | None] = mapped_column(String(10))
    agency_name: Mapped[str | None] = mapped_column(String(200))
    #: SIP3MI licence number of the placement company (P3MI).
    agency_licence_number: Mapped[str | None] = mapped_column(String(100))
    job_order_ref: Mapped[str | None] = mapped_column(String(100))
    contract_months: Mapped[int | None]
    contract_start_on: Mapped[date | None] = mapped_column(sa.Date)
    #: The ministry's placement decision (for the reconciliation extract).
    placement_decision_number: Mapped[str | None] = mapped_column(String(100))
    placement_decision_on: Mapped[date | None] = mapped_column(sa.Date)
    opened_on: Mapped[date] = mapped_column(sa.Date)
    stage: Mapped[str] = mapped_column(String(20), default="consultation")
    stage_on: Mapped[date] = mapped_column(sa.Date)
    stopped_reason: Mapped[str | None] = mapped_column(String(300))
    #: The registry migration record written when the case reached ``departed``.
    migration_record_id: Mapped[int | None] = mapped_column(ForeignKey("migration_records.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    resident = relationship("Resident")
    documents: Mapped[list[DeskDocument]] = relationship(back_populates="case", order_by="DeskDocument.id")
    stage_changes: Mapped[list[DeskStageChange]] = relationship(back_populates="case",
                                                                order_by="DeskStageChange.id")
    agency_checks: Mapped[list[DeskAgencyCheck]] = relationship(back_populates="case",
                                                                order_by="DeskAgencyCheck.id")


class DeskDocument(TenantMixin, Base):
    """One row of a case's checklist (one per document code)."""

    __tablename__ = "desk_documents"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "case_id", "code", name="uq_desk_documents_case_code"),
        sa.CheckConstraint("code IN " + _in(DOCUMENT_CODES), name="code_known"),
        sa.CheckConstraint("status IN " + _in(DOCUMENT_STATUSES), name="status_known"),
        sa.CheckConstraint("visa_kind IS NULL OR visa_kind IN " + _in(VISA_KINDS), name="visa_kind_known"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("desk_cases.id"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10), default="missing")
    number: Mapped[str | None] = mapped_column(String(100))
    expires_on: Mapped[date | None] = mapped_column(sa.Date)
    #: For ``work_visa``: the kind of visa actually issued (a visit or tourist visa for work is a red flag).
    visa_kind: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[DeskCase] = relationship(back_populates="documents")


class DeskStageChange(TenantMixin, TimestampMixin, Base):
    """A case moved to ``stage`` on ``moved_on`` by ``by_id`` (the first row is the opening consultation)."""

    __tablename__ = "desk_stage_changes"
    __table_args__ = (sa.CheckConstraint("stage IN " + _in(STAGES), name="stage_known"),)

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("desk_cases.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    moved_on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str | None] = mapped_column(String(300))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[DeskCase] = relationship(back_populates="stage_changes")
    by = relationship("User")


class DeskAgencyCheck(TenantMixin, TimestampMixin, Base):
    """What the desk checked about the placement company: which licence, against which list, when, by whom."""

    __tablename__ = "desk_agency_checks"
    __table_args__ = (sa.CheckConstraint("result IN " + _in(AGENCY_RESULTS), name="result_known"),)

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("desk_cases.id"), index=True)
    licence_number: Mapped[str] = mapped_column(String(100))
    #: E.g. "SISKOP2MI", "BP2MI website", "Disnaker".
    source: Mapped[str] = mapped_column(String(200))
    checked_on: Mapped[date] = mapped_column(sa.Date)
    result: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(String(300))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[DeskCase] = relationship(back_populates="agency_checks")
    officer = relationship("User")


class DeskLetterCounter(TenantMixin, Base):
    """Last family-permission-letter number per village and year (locked while numbering: gapless)."""

    __tablename__ = "desk_letter_counters"
    __table_args__ = (UniqueConstraint("cooperative_id", "village_code", "year",
                                       name="uq_desk_letter_counters_village_year"),)

    id: Mapped[intpk]
    village_code: Mapped[str] = mapped_column(String(10))
    year: Mapped[int]
    last_number: Mapped[int] = mapped_column(default=0)


class DeskLetter(TenantMixin, TimestampMixin, Base):
    """A family permission letter (surat izin keluarga) issued for a case; reprints keep its number."""

    __tablename__ = "desk_letters"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "village_code", "year", "seq", name="uq_desk_letters_number"),
        UniqueConstraint("cooperative_id", "case_id", name="uq_desk_letters_case"),
    )

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("desk_cases.id"), index=True)
    village_code: Mapped[str] = mapped_column(String(10))
    year: Mapped[int]
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(60))
    issued_on: Mapped[date] = mapped_column(sa.Date)
    permitter_resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))

    case = relationship("DeskCase")
    permitter = relationship("Resident")


class DeskConsultation(TenantMixin, TimestampMixin, Base):
    """An information session at the desk (who, when, topic), with or without a case."""

    __tablename__ = "desk_consultations"
    __table_args__ = (
        sa.CheckConstraint("topic IN " + _in(CONSULTATION_TOPICS), name="topic_known"),
        sa.CheckConstraint("resident_id IS NOT NULL OR visitor_name IS NOT NULL", name="who_known"),
        sa.Index("ix_desk_consultations_coop_held", "cooperative_id", "held_on"),
    )

    id: Mapped[intpk]
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    #: A visitor not (yet) in the registry.
    visitor_name: Mapped[str | None] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(sa.Date)
    topic: Mapped[str] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    note: Mapped[str | None] = mapped_column(Text)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    resident = relationship("Resident")
