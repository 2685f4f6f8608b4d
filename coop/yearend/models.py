"""Year-end tables: the closing record, the SHU distribution of a year and each member's share."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import Base, Money, TenantMixin, UTCDateTime, colocated_fk, colocated_keys


class YearEnd(TenantMixin, Base):
    """A closed financial year: closing entry (income and expenses into 3301 SHU Tahun Berjalan, dated
    31 December), the year's period closed, and the carry-forward entry (3301 into 3302 SHU Belum
    Dibagi, dated 1 January) that waits for the RAT to allocate it."""

    __tablename__ = "year_ends"
    __table_args__ = (
        *colocated_keys("year_ends", referenced=False),
        colocated_fk("year_ends", "tax_entry_id", "journal_entries"),
        colocated_fk("year_ends", "closing_entry_id", "journal_entries"),
        colocated_fk("year_ends", "carry_entry_id", "journal_entries"),
        UniqueConstraint("cooperative_id", "year"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    year: Mapped[int]
    #: The year's surplus (negative for a loss) as closed, after income tax.
    surplus: Mapped[int] = mapped_column(Money)
    #: PPh badan accrued at the closing (Dr 5301 / Cr 2402, dated 31 December), 0 for a loss year.
    income_tax: Mapped[int] = mapped_column(Money, default=0)
    tax_entry_id: Mapped[int | None] = mapped_column()
    closing_entry_id: Mapped[int | None] = mapped_column()
    carry_entry_id: Mapped[int | None] = mapped_column()
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ShuDistribution(TenantMixin, Base):
    """The SHU allocation of one year as the RAT decided it (percentages copied from settings)."""

    __tablename__ = "shu_distributions"
    __table_args__ = (
        *colocated_keys("shu_distributions"),
        colocated_fk("shu_distributions", "entry_id", "journal_entries"),
        colocated_fk("shu_distributions", "coverage_entry_id", "journal_entries"),
        UniqueConstraint("cooperative_id", "year"),
        CheckConstraint("surplus >= 0", name="surplus_non_negative"),
        CheckConstraint("cadangan + jasa_anggota + pengurus + karyawan + pendidikan + sosial = surplus",
                        name="parts_total"),
        CheckConstraint("jasa_usaha + jasa_modal + undistributed = jasa_anggota", name="members_part_total"),
        CheckConstraint("loss_from_reserves >= 0 AND loss_from_surplus >= 0", name="loss_cover_non_negative"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    year: Mapped[int]
    decided_on: Mapped[date] = mapped_column(sa.Date)
    #: What was shared: the year's surplus less ``loss_from_surplus``.
    surplus: Mapped[int] = mapped_column(Money)
    #: Earlier years' losses covered at this RAT: from cadangan (Dr 3201 / Cr 3302, ``coverage_entry_id``)
    #: and from this year's surplus (it simply stays on 3302 against the loss).
    loss_from_reserves: Mapped[int] = mapped_column(Money, default=0)
    loss_from_surplus: Mapped[int] = mapped_column(Money, default=0)
    coverage_entry_id: Mapped[int | None] = mapped_column()
    cadangan: Mapped[int] = mapped_column(Money)
    jasa_anggota: Mapped[int] = mapped_column(Money)
    pengurus: Mapped[int] = mapped_column(Money)
    karyawan: Mapped[int] = mapped_column(Money)
    pendidikan: Mapped[int] = mapped_column(Money)
    sosial: Mapped[int] = mapped_column(Money)
    #: Rounding residue of the allocation (already included in ``cadangan``).
    residue: Mapped[int] = mapped_column(Money, default=0)
    jasa_usaha: Mapped[int] = mapped_column(Money)
    jasa_modal: Mapped[int] = mapped_column(Money)
    undistributed: Mapped[int] = mapped_column(Money, default=0)
    #: The percentages used, e.g. ``cadangan=40;jasa_anggota=40;...;jasa_usaha=70;jasa_modal=30``.
    percentages: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    entry_id: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    shares: Mapped[list[ShuMemberShare]] = relationship(back_populates="distribution",
                                                        order_by="ShuMemberShare.member_id",
                                                        foreign_keys="ShuMemberShare.distribution_id",
                                                        primaryjoin="ShuDistribution.id == ShuMemberShare.distribution_id")


class ShuMemberShare(TenantMixin, Base):
    """One member's SHU of a year: jasa usaha + jasa modal, and how it was paid out."""

    __tablename__ = "shu_member_shares"
    __table_args__ = (
        colocated_fk("shu_member_shares", "distribution_id", "shu_distributions"),
        colocated_fk("shu_member_shares", "member_id", "members"),
        *colocated_keys("shu_member_shares", referenced=False),
        colocated_fk("shu_member_shares", "paid_entry_id", "journal_entries"),
        UniqueConstraint("distribution_id", "member_id", "cooperative_id"),
        CheckConstraint("jasa_usaha >= 0 AND jasa_modal >= 0", name="non_negative"),
        CheckConstraint("paid_via IS NULL OR paid_via IN ('cash', 'sukarela')", name="paid_via"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    distribution_id: Mapped[int] = mapped_column(index=True)
    member_id: Mapped[int] = mapped_column(index=True)
    base_usaha: Mapped[int] = mapped_column(Money, default=0)
    base_modal: Mapped[int] = mapped_column(Money, default=0)
    jasa_usaha: Mapped[int] = mapped_column(Money, default=0)
    jasa_modal: Mapped[int] = mapped_column(Money, default=0)
    total: Mapped[int] = mapped_column(Money, default=0)
    paid_via: Mapped[str | None] = mapped_column(String(10))
    paid_on: Mapped[date | None] = mapped_column(sa.Date)
    paid_entry_id: Mapped[int | None] = mapped_column()

    distribution: Mapped[ShuDistribution] = relationship(
        back_populates="shares", foreign_keys="ShuMemberShare.distribution_id",
        primaryjoin="ShuDistribution.id == ShuMemberShare.distribution_id")
