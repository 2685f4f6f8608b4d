"""Productive-enterprise training (pelatihan kewirausahaan): programmes, cohorts (angkatan), their
sessions, enrolments with a waitlist, attendance, certificates, allowance payments (uang saku),
follow-up tasks and the businesses trainees start.

``Business`` (table ``training_businesses``) is a contract: loans point at it (``loans.business_id``).
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import (
    Base,
    BigId,
    Money,
    TenantMixin,
    TimestampMixin,
    UTCDateTime,
    colocated_fk,
    colocated_keys,
    colocated_target,
    intpk,
)

__all__ = ["Program", "Cohort", "CohortSession", "Enrolment", "Attendance", "Certificate",
           "CertificateCounter", "AllowancePayment", "FollowUp", "Business",
           "ENROLMENT_STATUSES", "ADMISSIONS"]

#: Who a cohort admits: ``pmi`` = PMI purna and keluarga PMI (default); ``pmi_calon`` adds calon PMI
#: (pre-departure orientation); ``all`` = every living resident of the village.
ADMISSIONS = ("pmi", "pmi_calon", "all")

#: Enrolment lifecycle: applied into a place (``enrolled``) or onto the ``waitlisted`` queue; the
#: officer can ``rejected`` it with a reason, the applicant or officer ``cancelled`` it; attendance
#: good enough makes it ``completed`` (with a certificate). ``dropped`` = did not complete.
ENROLMENT_STATUSES = ("enrolled", "waitlisted", "rejected", "cancelled", "completed", "dropped")


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class Program(TenantMixin, TimestampMixin, Base):
    """A training programme (e.g. "Pengolahan pangan: keripik dan sambal"), run as one or more cohorts."""

    __tablename__ = "training_programs"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(200))
    funder: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)

    cohorts: Mapped[list[Cohort]] = relationship(back_populates="program", order_by="Cohort.starts_on")


class Cohort(TenantMixin, TimestampMixin, Base):
    """An angkatan: one run of a programme, with dates, venue, capacity and sessions.

    ``enrolled_count`` is maintained under the cohort row lock, so capacity holds under concurrency
    (and a CHECK makes the database refuse an over-full cohort even if code were wrong).
    """

    __tablename__ = "training_cohorts"
    __table_args__ = (
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("enrolled_count >= 0 AND enrolled_count <= capacity", name="within_capacity"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        sa.CheckConstraint("allowance_amount >= 0", name="allowance_not_negative"),
        sa.CheckConstraint("admission IN " + _in(ADMISSIONS), name="admission_known"),
    )

    id: Mapped[intpk]
    program_id: Mapped[int] = mapped_column(ForeignKey("training_programs.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    venue: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int]
    enrolled_count: Mapped[int] = mapped_column(default=0)
    #: Trainers, one per line (names and institutions).
    trainers: Mapped[str | None] = mapped_column(Text)
    #: Uang saku per participant (0 = none).
    allowance_amount: Mapped[int] = mapped_column(Money, default=0)
    admission: Mapped[str] = mapped_column(String(12), default="pmi")
    is_open: Mapped[bool] = mapped_column(default=True)

    program: Mapped[Program] = relationship(back_populates="cohorts", lazy="joined")
    sessions: Mapped[list[CohortSession]] = relationship(back_populates="cohort", order_by="CohortSession.held_on")


class CohortSession(TenantMixin, Base):
    """One day (session) of a cohort; attendance is marked per session."""

    __tablename__ = "training_sessions"
    __table_args__ = (UniqueConstraint("cohort_id", "held_on"),)

    id: Mapped[intpk]
    cohort_id: Mapped[int] = mapped_column(ForeignKey("training_cohorts.id"), index=True)
    held_on: Mapped[date] = mapped_column(sa.Date)
    topic: Mapped[str | None] = mapped_column(String(200))

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")


class Enrolment(TenantMixin, TimestampMixin, Base):
    """A resident's application to a cohort. ``seq`` is the application order within the cohort
    (the waitlist is promoted in ``seq`` order)."""

    __tablename__ = "training_enrolments"
    __table_args__ = (
        colocated_target("training_enrolments"),
        UniqueConstraint("cohort_id", "resident_id"),
        UniqueConstraint("cohort_id", "seq"),
        sa.CheckConstraint("status IN " + _in(ENROLMENT_STATUSES), name="status_known"),
        sa.CheckConstraint("channel IN ('self', 'officer', 'api')", name="channel_known"),
    )

    id: Mapped[intpk]
    cohort_id: Mapped[int] = mapped_column(ForeignKey("training_cohorts.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    seq: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(8), default="officer")
    applied_on: Mapped[date] = mapped_column(sa.Date)
    #: Reason of a rejection or cancellation.
    reason: Mapped[str | None] = mapped_column(String(300))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_on: Mapped[date | None] = mapped_column(sa.Date, index=True)

    cohort: Mapped[Cohort] = relationship(lazy="joined")
    certificate: Mapped[Certificate | None] = relationship(back_populates="enrolment", uselist=False)


class Attendance(TenantMixin, Base):
    """Present or absent at one session (one row per enrolment and session once marked)."""

    __tablename__ = "training_attendance"
    __table_args__ = (UniqueConstraint("session_id", "enrolment_id"),)

    id: Mapped[intpk]
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("training_enrolments.id"), index=True)
    is_present: Mapped[bool]
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CertificateCounter(Base):
    """Certificate numbers per cooperative and year, allocated under this row's lock (gapless)."""

    __tablename__ = "training_certificate_counters"

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)


class Certificate(TenantMixin, TimestampMixin, Base):
    """A numbered completion certificate. ``token`` is the unguessable key of the public verification
    page (``/p/sertifikat/<token>``), so the page reveals nothing that is not on the paper itself.

    A manager or admin can revoke it (``is_revoked``) with a reason; who, when and why are kept on the
    row (and in the audit log), and a CHECK keeps the flag and those facts together."""

    __tablename__ = "training_certificates"
    __table_args__ = (UniqueConstraint("cooperative_id", "number"),
                      UniqueConstraint("cooperative_id", "year", "seq"),
                      sa.CheckConstraint("(is_revoked AND revoked_at IS NOT NULL AND revocation_reason IS NOT NULL)"
                                         " OR (NOT is_revoked AND revoked_at IS NULL AND revocation_reason IS NULL)",
                                         name="revocation_complete"))

    id: Mapped[intpk]
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("training_enrolments.id"), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(40))
    token: Mapped[str] = mapped_column(String(40), unique=True)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    is_revoked: Mapped[bool] = mapped_column(default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revocation_reason: Mapped[str | None] = mapped_column(String(300))

    enrolment: Mapped[Enrolment] = relationship(back_populates="certificate")


class AllowancePayment(TenantMixin, TimestampMixin, Base):
    """Uang saku paid to one participant: its journal entry (Dr 5202 Beban Pelatihan, Cr 1101 Kas)."""

    __tablename__ = "training_allowance_payments"
    __table_args__ = (
        colocated_fk("training_allowance_payments", "enrolment_id", "training_enrolments"),
        UniqueConstraint("enrolment_id", "cooperative_id"),
        *colocated_keys("training_allowance_payments", referenced=False),
        colocated_fk("training_allowance_payments", "entry_id", "journal_entries"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    enrolment_id: Mapped[int] = mapped_column()
    amount: Mapped[int] = mapped_column(Money)
    paid_on: Mapped[date] = mapped_column(sa.Date)
    entry_id: Mapped[int] = mapped_column(BigId)
    voucher_number: Mapped[str] = mapped_column(String(32))
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    enrolment: Mapped[Enrolment] = relationship(primaryjoin="Enrolment.id == AllowancePayment.enrolment_id",
                                                foreign_keys="AllowancePayment.enrolment_id")


class Business(TenantMixin, TimestampMixin, Base):
    """A business (usaha) a resident runs, usually started after training. Loans can point at it.

    ``nib`` business registration number (OSS), ``pirt`` home-industry food permit number, ``halal``
    halal certificate number; ``business_group`` the kelompok usaha it belongs to.
    """

    __tablename__ = "training_businesses"
    __table_args__ = (
        colocated_target("training_businesses"),
        sa.CheckConstraint("monthly_revenue >= 0", name="revenue_not_negative"),
                      sa.CheckConstraint("workers >= 0", name="workers_not_negative"))

    id: Mapped[intpk]
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("training_enrolments.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: What kind of business (free text, e.g. "keripik pisang").
    kind: Mapped[str] = mapped_column(String(120))
    #: Sector: pangan, kerajinan, peternakan, pertanian, jasa, perdagangan, lainnya.
    sector: Mapped[str] = mapped_column(String(40), default="lainnya")
    nib: Mapped[str | None] = mapped_column(String(20))
    pirt: Mapped[str | None] = mapped_column(String(30))
    halal: Mapped[str | None] = mapped_column(String(40))
    monthly_revenue: Mapped[int] = mapped_column(Money, default=0)
    workers: Mapped[int] = mapped_column(default=1)
    business_group: Mapped[str | None] = mapped_column(String(200))
    started_on: Mapped[date | None] = mapped_column(sa.Date)
    is_active: Mapped[bool] = mapped_column(default=True)


class FollowUp(TenantMixin, TimestampMixin, Base):
    """A follow-up task (pendampingan) 3 or 6 months after completion, and its recorded outcome."""

    __tablename__ = "training_followups"
    __table_args__ = (UniqueConstraint("enrolment_id", "months"),
                      sa.CheckConstraint("months IN (3, 6)", name="months_known"),
                      sa.CheckConstraint("status IN ('open', 'done')", name="status_known"))

    id: Mapped[intpk]
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("training_enrolments.id"), index=True)
    months: Mapped[int]
    due_on: Mapped[date] = mapped_column(sa.Date, index=True)
    status: Mapped[str] = mapped_column(String(5), default="open")
    done_on: Mapped[date | None] = mapped_column(sa.Date)
    is_business_started: Mapped[bool | None]
    business_id: Mapped[int | None] = mapped_column(ForeignKey("training_businesses.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    enrolment: Mapped[Enrolment] = relationship(lazy="joined")
    business: Mapped[Business | None] = relationship()
