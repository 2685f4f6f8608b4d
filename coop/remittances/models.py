"""Remittances received for a member's family, savings goals on sukarela accounts and KUR referrals.

A remittance is metadata about ONE journal entry (``entry_id``, unique): the money itself moved as a
deposit into the recipient's sukarela account (Dr Kas or Bank, Cr the account) through the ledger's one
writer. ``ledger verify`` checks that the rupiah recorded here is what that entry credited.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import (
    Base,
    Money,
    TenantMixin,
    TimestampMixin,
    UTCDateTime,
    colocated_fk,
    colocated_keys,
    colocated_target,
    intpk,
    utcnow,
)
from coop.remittances.rules import CHANNELS, KUR_STATUSES, PURPOSES

__all__ = ["Remittance", "SavingsGoal", "KurReferral"]


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class SavingsGoal(TenantMixin, TimestampMixin, Base):
    """A member's earmarked savings goal on a sukarela account (business capital on return, school ...)."""

    __tablename__ = "savings_goals"
    __table_args__ = (
        colocated_target("savings_goals"),
        colocated_fk("savings_goals", "member_id", "members"),
        colocated_fk("savings_goals", "savings_account_id", "savings_accounts"),
        CheckConstraint("purpose IN " + _in(PURPOSES), name="purpose_known"),
        CheckConstraint("target_amount > 0", name="target_positive"),
    )

    id: Mapped[intpk]
    member_id: Mapped[int] = mapped_column(index=True)
    savings_account_id: Mapped[int] = mapped_column(index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    target_amount: Mapped[int] = mapped_column(Money)
    target_date: Mapped[date] = mapped_column(sa.Date)
    created_on: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str | None] = mapped_column(String(200))

    account = relationship("SavingsAccount", primaryjoin="SavingsAccount.id == SavingsGoal.savings_account_id",
                           foreign_keys="SavingsGoal.savings_account_id")


class Remittance(TenantMixin, TimestampMixin, Base):
    """Money a migrant sent home, credited to the family's (the member's) sukarela account."""

    __tablename__ = "remittances"
    __table_args__ = (
        colocated_fk("remittances", "savings_account_id", "savings_accounts"),
        colocated_fk("remittances", "member_id", "members"),
        colocated_fk("remittances", "sender_resident_id", "residents"),
        colocated_fk("remittances", "goal_id", "savings_goals"),
        *colocated_keys("remittances", referenced=False),
        colocated_fk("remittances", "entry_id", "journal_entries"),
        UniqueConstraint("entry_id", "cooperative_id"),
        CheckConstraint("channel IN " + _in(CHANNELS), name="channel_known"),
        CheckConstraint("length(country) = 2", name="country_alpha2"),
        CheckConstraint("length(currency) = 3", name="currency_alpha3"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("fee >= 0", name="fee_not_negative"),
        CheckConstraint("foreign_amount > 0", name="foreign_amount_positive"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    savings_account_id: Mapped[int] = mapped_column(index=True)
    member_id: Mapped[int] = mapped_column(index=True)
    sender_resident_id: Mapped[int] = mapped_column(index=True)
    country: Mapped[str] = mapped_column(String(2))
    channel: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    foreign_amount: Mapped[Decimal] = mapped_column(sa.Numeric(18, 4))
    #: rupiah credited to the account (what the journal entry moved)
    amount: Mapped[int] = mapped_column(Money)
    #: what the sender paid the channel (information for comparing channels; not booked by the cooperative)
    fee: Mapped[int] = mapped_column(Money, default=0)
    received_on: Mapped[date] = mapped_column(sa.Date, index=True)
    goal_id: Mapped[int | None] = mapped_column(index=True)
    entry_id: Mapped[int] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # joined on the id alone (ids are unique across cooperatives; the keys are composite, colocated_fk)
    account = relationship("SavingsAccount", primaryjoin="SavingsAccount.id == Remittance.savings_account_id",
                           foreign_keys="Remittance.savings_account_id")
    member = relationship("Member", primaryjoin="Member.id == Remittance.member_id",
                          foreign_keys="Remittance.member_id")
    sender = relationship("Resident", primaryjoin="Resident.id == Remittance.sender_resident_id",
                          foreign_keys="Remittance.sender_resident_id")
    entry = relationship("JournalEntry", primaryjoin="JournalEntry.id == Remittance.entry_id",
                         foreign_keys="Remittance.entry_id")


class KurReferral(TenantMixin, TimestampMixin, Base):
    """A member referred to a bank for KUR Penempatan (placement credit) and what became of it."""

    __tablename__ = "kur_referrals"
    __table_args__ = (
        colocated_fk("kur_referrals", "member_id", "members"),
        CheckConstraint("status IN " + _in(KUR_STATUSES), name="status_known"),
        CheckConstraint("amount_requested > 0", name="amount_positive"),
    )

    id: Mapped[intpk]
    member_id: Mapped[int] = mapped_column(index=True)
    bank: Mapped[str] = mapped_column(String(100))
    amount_requested: Mapped[int] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(10), default="referred")
    referred_on: Mapped[date] = mapped_column(sa.Date)
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    disbursed_on: Mapped[date | None] = mapped_column(sa.Date)
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
