"""Members of the cooperative (anggota), each linked to a registry resident.

Lifecycle: ``applied`` (registered, simpanan pokok not yet paid) -> ``active`` (pokok paid) ->
``dormant`` (all savings long inactive; reactivated at the cash desk) -> ``resigned`` (keluar, savings
refunded net of loans) or ``deceased`` (meninggal). Member types: ``biasa`` (ordinary, full rights) and
``luar_biasa`` (associate member without voting rights).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import Base, TenantMixin, TimestampMixin, colocated_fk, colocated_keys
from coop.text import N_

MEMBER_STATUSES = ("applied", "active", "dormant", "resigned", "deceased")
MEMBER_TYPES = ("biasa", "luar_biasa")
STATUS_LABELS = {"applied": N_("Calon (pokok belum lunas)"), "active": N_("Aktif"), "dormant": N_("Dormant"),
                 "resigned": N_("Keluar"), "deceased": N_("Meninggal")}
TYPE_LABELS = {"biasa": "Anggota biasa", "luar_biasa": "Anggota luar biasa"}


class Member(TenantMixin, TimestampMixin, Base):
    """An anggota. ``member_number`` follows the setting ``member_number_format`` (``KDM-000123``)."""

    __tablename__ = "members"
    __table_args__ = (
        *colocated_keys("members"),
        colocated_fk("members", "resident_id", "residents"),
        UniqueConstraint("user_id", "cooperative_id"),
        colocated_fk("members", "settlement_entry_id", "journal_entries"),
        UniqueConstraint("cooperative_id", "resident_id"),
        UniqueConstraint("cooperative_id", "member_number"),
        UniqueConstraint("cooperative_id", "member_seq"),
        CheckConstraint("status IN ('applied', 'active', 'dormant', 'resigned', 'deceased')", name="status"),
        CheckConstraint("member_type IN ('biasa', 'luar_biasa')", name="member_type"),
        CheckConstraint("resigned_on IS NULL OR resigned_on >= joined_on", name="resigned_after_joined"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    resident_id: Mapped[int] = mapped_column(index=True)
    #: Sequence number inside the cooperative (the number part of ``member_number``).
    member_seq: Mapped[int]
    member_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="applied")
    member_type: Mapped[str] = mapped_column(String(10), default="biasa")
    joined_on: Mapped[date] = mapped_column(sa.Date)
    resigned_on: Mapped[date | None] = mapped_column(sa.Date)
    #: The member's own login (role ``member``), if any.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Journal entry of the resignation settlement (the settlement receipt).
    settlement_entry_id: Mapped[int | None] = mapped_column()

    resident = relationship("Resident", lazy="joined", primaryjoin="Resident.id == Member.resident_id",
                            foreign_keys="Member.resident_id")

    @property
    def full_name(self) -> str:
        return self.resident.full_name if self.resident is not None else ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def is_current(self) -> bool:
        """Still a member (may save and borrow)."""
        return self.status in ("applied", "active", "dormant")


class MemberSearchKey(Base):
    """The trigram index of the type-ahead's name search (``coop.membership.services.search``): every three-character
    piece of a member's lower-cased name and member number, one row each (revision 0024).

    Written by the database itself, never by the application: triggers of revision 0024 rebuild a member's rows on
    INSERT into ``members``, on a change of its ``member_number`` or ``resident_id`` and on a change of its
    resident's ``full_name``, whatever writes them (a service, an import's executemany, the bench's bulk insert);
    the rows go with the member (``ON DELETE CASCADE``). The key leads the primary key after the cooperative, so a
    search reads only the members that contain a piece of what was typed (answered from this index alone)."""

    __tablename__ = "member_search_keys"
    __table_args__ = (
        colocated_fk("member_search_keys", "member_id", "members", ondelete="CASCADE"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(12), primary_key=True)
    member_id: Mapped[int] = mapped_column(primary_key=True,
                                           index=True)
