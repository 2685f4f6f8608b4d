"""Village registry: villages (reference), households (KK), residents (NIK) and migration records.

``Resident.pmi_status`` is a stored, derived column (``calon``/``aktif``/``purna`` from the resident's own
latest migration record, ``keluarga`` for a household member of a PMI, else ``none``), kept correct by
:mod:`coop.registry.services` whenever a record or a household changes, so lists and other areas can filter
on it cheaply.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, orm
from sqlalchemy.orm import Mapped, mapped_column

from coop.db import Base, Money, TenantMixin, UTCDateTime, colocated_target, intpk, utcnow
from coop.registry.rules import (
    JOB_TYPES,
    MIGRATION_STATUSES,
    PMI_STATUSES,
    RELATIONSHIPS,
    RESIDENT_STATUSES,
    SCHEMES,
)

__all__ = ["Village", "Household", "Resident", "MigrationRecord", "ImportJob"]


def _in(col: str, values) -> str:
    return f"{col} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Village(Base):
    """A Kemendagri village (desa/kelurahan) by its 10-digit code, with the names above it.

    Reference data shared by all cooperatives; a row is added from the packaged table the first time a
    household or resident uses the code.
    """

    __tablename__ = "villages"
    __table_args__ = (sa.CheckConstraint("length(code) = 10", name="code_10_digits"),)

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    village_name: Mapped[str] = mapped_column(String(150))
    district_name: Mapped[str] = mapped_column(String(150))
    regency_name: Mapped[str] = mapped_column(String(150))
    province_name: Mapped[str] = mapped_column(String(150))


class Household(TenantMixin, Base):
    """A family on one Kartu Keluarga (KK)."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("cooperative_id", "kk_number"),
                      sa.CheckConstraint("length(kk_number) = 16", name="kk_16_digits"))

    id: Mapped[intpk]
    kk_number: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(300))
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    dusun: Mapped[str | None] = mapped_column(String(100))
    village_code: Mapped[str] = mapped_column(ForeignKey("villages.code"))
    #: The member whose relationship is ``kepala_keluarga`` (kept by the services; no FK to avoid a cycle).
    head_resident_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    members: Mapped[list[Resident]] = orm.relationship(back_populates="household", order_by="Resident.id",
                                                   foreign_keys="Resident.household_id")
    village: Mapped[Village] = orm.relationship(lazy="joined")


class Resident(TenantMixin, Base):
    """A person in the village registry, identified by NIK (unique per cooperative)."""

    __tablename__ = "residents"
    __table_args__ = (
        colocated_target("residents"),
        UniqueConstraint("cooperative_id", "nik"),
        sa.Index("ix_residents_coop_name", "cooperative_id", "full_name"),
        sa.Index("ix_residents_coop_pmi", "cooperative_id", "pmi_status"),
        sa.CheckConstraint("length(nik) = 16", name="nik_16_digits"),
        sa.CheckConstraint(_in("sex", ("M", "F")), name="sex_known"),
        sa.CheckConstraint(_in("status", RESIDENT_STATUSES), name="status_known"),
        sa.CheckConstraint(_in("pmi_status", PMI_STATUSES), name="pmi_status_known"),
        sa.CheckConstraint("relationship IS NULL OR " + _in("relationship", RELATIONSHIPS),
                           name="relationship_known"),
        sa.CheckConstraint("is_temporary_nik = (substr(nik, 1, 1) = '0')", name="temporary_nik_flag"),
    )

    id: Mapped[intpk]
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    nik: Mapped[str] = mapped_column(String(16))
    #: A temporary NIK starts with 0 (0 + village code + serial) until Dukcapil issues the real one.
    is_temporary_nik: Mapped[bool] = mapped_column(default=False)
    full_name: Mapped[str] = mapped_column(String(200))
    sex: Mapped[str] = mapped_column(String(1))
    birth_place: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(sa.Date)
    #: Status hubungan dalam keluarga (SHDK) on the KK, see ``rules.RELATIONSHIPS``.
    relationship: Mapped[str | None] = mapped_column(String(20))
    education: Mapped[str | None] = mapped_column(String(20))
    occupation: Mapped[str | None] = mapped_column(String(100))
    marital_status: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="hidup")
    village_code: Mapped[str] = mapped_column(ForeignKey("villages.code"))
    address: Mapped[str | None] = mapped_column(String(300))
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    dusun: Mapped[str | None] = mapped_column(String(100))
    #: Derived: calon / aktif / purna / keluarga / none (see module docstring).
    pmi_status: Mapped[str] = mapped_column(String(10), default="none")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    household: Mapped[Household] = orm.relationship(back_populates="members", foreign_keys=[household_id])
    migration_records: Mapped[list[MigrationRecord]] = orm.relationship(
        back_populates="resident", order_by="MigrationRecord.id")

    @property
    def kk_number(self) -> str:
        return self.household.kk_number


class MigrationRecord(TenantMixin, Base):
    """One departure of a resident to work abroad (UU 18/2017), from calon to aktif to purna."""

    __tablename__ = "migration_records"
    __table_args__ = (
        sa.CheckConstraint(_in("status", MIGRATION_STATUSES), name="status_known"),
        sa.CheckConstraint("job_type IS NULL OR " + _in("job_type", JOB_TYPES), name="job_type_known"),
        sa.CheckConstraint("scheme IS NULL OR " + _in("scheme", SCHEMES), name="scheme_known"),
        sa.CheckConstraint("length(country) = 2", name="country_alpha2"),
        sa.CheckConstraint("monthly_remittance IS NULL OR monthly_remittance >= 0", name="remittance_non_negative"),
        sa.CheckConstraint("return_on IS NULL OR departure_on IS NULL OR return_on >= departure_on",
                           name="return_after_departure"),
        sa.Index("ix_migration_records_coop_country", "cooperative_id", "country"),
    )

    id: Mapped[intpk]
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    #: ISO 3166-1 alpha-2 destination country.
    country: Mapped[str] = mapped_column(String(2))
    #: badan_hukum (legal-entity employer), perseorangan (household employer), awak_kapal (ship/fishing crew).
    job_type: Mapped[str | None] = mapped_column(String(20))
    sector: Mapped[str | None] = mapped_column(String(100))
    #: G2G, G2P, P2P, ICT or mandiri.
    scheme: Mapped[str | None] = mapped_column(String(10))
    #: Prosedural (through the official channel) or not.
    is_procedural: Mapped[bool] = mapped_column(default=True)
    #: Placement agency (P3MI).
    agency: Mapped[str | None] = mapped_column(String(200))
    passport_number: Mapped[str | None] = mapped_column(String(20))
    passport_expires_on: Mapped[date | None] = mapped_column(sa.Date)
    departure_on: Mapped[date | None] = mapped_column(sa.Date)
    contract_start_on: Mapped[date | None] = mapped_column(sa.Date)
    contract_end_on: Mapped[date | None] = mapped_column(sa.Date)
    return_on: Mapped[date | None] = mapped_column(sa.Date)
    return_reason: Mapped[str | None] = mapped_column(String(200))
    # Documents checklist.
    has_marital_status_letter_doc: Mapped[bool] = mapped_column(default=False)
    has_family_permission_doc: Mapped[bool] = mapped_column(default=False)
    has_health_doc: Mapped[bool] = mapped_column(default=False)
    has_competence_doc: Mapped[bool] = mapped_column(default=False)
    has_passport_doc: Mapped[bool] = mapped_column(default=False)
    has_work_visa_doc: Mapped[bool] = mapped_column(default=False)
    has_placement_agreement_doc: Mapped[bool] = mapped_column(default=False)
    has_work_contract_doc: Mapped[bool] = mapped_column(default=False)
    has_bpjs_doc: Mapped[bool] = mapped_column(default=False)
    #: Estimated monthly remittance in whole rupiah.
    monthly_remittance: Mapped[int | None] = mapped_column(Money())
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    resident: Mapped[Resident] = orm.relationship(back_populates="migration_records")


class ImportJob(TenantMixin, Base):
    """One committed resident import, written in bounded batches (``coop.registry.imports``).

    ``applying`` while its batches commit one by one, ``done`` after the last, ``undone`` when a batch
    failed and the batches already committed were taken back (all or nothing). A row left ``applying``
    names an import that a crash interrupted.
    """

    __tablename__ = "registry_import_jobs"
    __table_args__ = (sa.CheckConstraint(_in("status", ("applying", "done", "undone")), name="status_known"),)

    id: Mapped[intpk]
    source: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(10), default="applying")
    rows: Mapped[int] = mapped_column(default=0)
    to_create: Mapped[int] = mapped_column(default=0)
    to_update: Mapped[int] = mapped_column(default=0)
    batches_done: Mapped[int] = mapped_column(default=0)
    actor_id: Mapped[int | None] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
