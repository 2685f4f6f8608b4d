"""Loan models: products, loans (each a ledger sub-account under 1201), the schedule, repayments and
their allocations, penalties, collectibility history, provisions.

The outstanding principal of an active loan IS the balance of its ledger sub-account; the instalment
rows say which instalment a payment settled (allocations point at the journal entry that moved the money).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import (
    Base,
    BigId,
    Money,
    Rate,
    TenantMixin,
    TimestampMixin,
    colocated_fk,
    colocated_keys,
    colocated_target,
    intpk,
)
from coop.ledger.models import Account

__all__ = ["LoanProduct", "Loan", "LoanInstalment", "LoanRepayment", "LoanAllocation", "LoanPenalty",
           "LoanClassChange", "LoanProvision", "LoanRecovery"]

LOAN_STATUSES = ("applied", "approved", "rejected", "active", "closed", "written_off")


class LoanProduct(TenantMixin, TimestampMixin, Base):
    """A loan product: every setting is copied onto a loan at application (rate changes never touch
    existing loans)."""

    __tablename__ = "loan_products"
    __table_args__ = (
        colocated_target("loan_products"),
        UniqueConstraint("cooperative_id", "name"),
        CheckConstraint("method IN ('flat', 'efektif', 'anuitas')", name="method"),
        CheckConstraint("frequency IN ('monthly', 'weekly')", name="frequency"),
        CheckConstraint("min_term_months >= 1 AND max_term_months >= min_term_months", name="terms"),
        CheckConstraint("rounding_multiple >= 1", name="rounding"),
        CheckConstraint("rate_percent_per_month >= 0", name="rate"),
    )

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(120))
    method: Mapped[str] = mapped_column(String(10))
    rate_percent_per_month: Mapped[Decimal] = mapped_column(Rate)
    min_term_months: Mapped[int] = mapped_column(default=1)
    max_term_months: Mapped[int] = mapped_column(default=36)
    min_principal: Mapped[int] = mapped_column(Money, default=100_000)
    max_principal: Mapped[int] = mapped_column(Money, default=100_000_000)
    frequency: Mapped[str] = mapped_column(String(10), default="monthly")
    grace_periods: Mapped[int] = mapped_column(default=0)
    rounding_multiple: Mapped[int] = mapped_column(default=100)
    rounding_mode: Mapped[str] = mapped_column(String(10), default="half_up")
    #: provisi/administrasi: percent of principal plus a fixed amount; deducted from the disbursement or
    #: charged (owed with the first instalment).
    fee_percent: Mapped[Decimal] = mapped_column(Rate, default=Decimal(0))
    fee_fixed: Mapped[int] = mapped_column(Money, default=0)
    fee_deducted: Mapped[bool] = mapped_column(default=True)
    #: denda: none / fixed / percent_overdue / percent_per_day, after ``penalty_grace_days``.
    penalty_kind: Mapped[str] = mapped_column(String(20), default="percent_overdue")
    penalty_percent: Mapped[Decimal] = mapped_column(Rate, default=Decimal(1))
    penalty_fixed: Mapped[int] = mapped_column(Money, default=0)
    penalty_grace_days: Mapped[int] = mapped_column(default=15)
    allocation_order: Mapped[str] = mapped_column(String(60), default="penalty,fee,interest,principal")
    allocation_strategy: Mapped[str] = mapped_column(String(12), default="instalment")
    #: days past due after which a loan becomes Kurang Lancar / Diragukan / Macet.
    kl_after_days: Mapped[int] = mapped_column(default=90)
    d_after_days: Mapped[int] = mapped_column(default=180)
    m_after_days: Mapped[int] = mapped_column(default=810)
    provision_lancar: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0.5"))
    provision_kl: Mapped[Decimal] = mapped_column(Rate, default=Decimal(10))
    provision_d: Mapped[Decimal] = mapped_column(Rate, default=Decimal(50))
    provision_m: Mapped[Decimal] = mapped_column(Rate, default=Decimal(100))
    is_active: Mapped[bool] = mapped_column(default=True)


class Loan(TenantMixin, TimestampMixin, Base):
    __tablename__ = "loans"
    __table_args__ = (
        *colocated_keys("loans"),
        colocated_fk("loans", "member_id", "members"),
        colocated_fk("loans", "product_id", "loan_products"),
        colocated_fk("loans", "business_id", "training_businesses"),
        colocated_fk("loans", "guarantor_member_id", "members"),
        colocated_fk("loans", "ledger_account_id", "accounts"),
        colocated_fk("loans", "disbursement_entry_id", "journal_entries"),
        UniqueConstraint("cooperative_id", "number"),
        CheckConstraint("principal > 0", name="principal_positive"),
        CheckConstraint("status IN ('applied', 'approved', 'rejected', 'active', 'closed', 'written_off')",
                        name="status"),
        CheckConstraint("collectibility BETWEEN 1 AND 5", name="collectibility"),
        Index("ix_loans_due", "cooperative_id", "status", "next_action_date"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    number: Mapped[str] = mapped_column(String(30))
    member_id: Mapped[int] = mapped_column(index=True)
    product_id: Mapped[int] = mapped_column()
    business_id: Mapped[int | None] = mapped_column(index=True)
    guarantor_member_id: Mapped[int | None] = mapped_column()
    purpose: Mapped[str] = mapped_column(String(300))
    business_description: Mapped[str | None] = mapped_column(Text)
    collateral_description: Mapped[str | None] = mapped_column(String(300))
    collateral_value: Mapped[int | None] = mapped_column(Money)
    principal: Mapped[int] = mapped_column(Money)
    term_months: Mapped[int]
    #: the product's terms at application (JSON copy; decimals as strings).
    terms: Mapped[dict] = mapped_column(sa.JSON)
    method: Mapped[str] = mapped_column(String(10))
    rate_percent_per_month: Mapped[Decimal] = mapped_column(Rate)
    frequency: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="applied")
    applied_on: Mapped[date] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    second_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    disbursed_on: Mapped[date | None] = mapped_column(sa.Date)
    disbursed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_due_date: Mapped[date | None] = mapped_column(sa.Date)
    disbursement_mode: Mapped[str | None] = mapped_column(String(10))
    fee_amount: Mapped[int] = mapped_column(Money, default=0)
    ledger_account_id: Mapped[int | None] = mapped_column()
    disbursement_entry_id: Mapped[int | None] = mapped_column(BigId)
    schedule_version: Mapped[int] = mapped_column(default=1)
    collectibility: Mapped[int] = mapped_column(default=1)
    days_past_due: Mapped[int] = mapped_column(default=0)
    next_action_date: Mapped[date | None] = mapped_column(sa.Date)
    last_processed_on: Mapped[date | None] = mapped_column(sa.Date)
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    close_reason: Mapped[str | None] = mapped_column(String(20))
    write_off_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    write_off_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    written_off_amount: Mapped[int] = mapped_column(Money, default=0)
    rescheduled_on: Mapped[date | None] = mapped_column(sa.Date)

    instalments: Mapped[list[LoanInstalment]] = relationship(
        back_populates="loan", order_by="LoanInstalment.number", lazy="select",
        primaryjoin="and_(Loan.id == LoanInstalment.loan_id, Loan.schedule_version == LoanInstalment.version)",
        viewonly=True)
    product: Mapped[LoanProduct] = relationship(primaryjoin="LoanProduct.id == Loan.product_id",
                                                foreign_keys="Loan.product_id")

    @property
    def outstanding_principal(self) -> int:
        """The balance of the loan's ledger sub-account (0 before disbursement)."""
        if self.ledger_account_id is None:
            return 0

        session = sa.orm.object_session(self)
        assert session is not None, "a disbursed loan's balance is read from a loan in a session"
        return session.get_one(Account, self.ledger_account_id).natural_balance()


class LoanInstalment(TenantMixin, Base):
    """One instalment of one schedule version (a reschedule starts a new version)."""

    __tablename__ = "loan_instalments"
    __table_args__ = (
        colocated_target("loan_instalments"),
        colocated_fk("loan_instalments", "loan_id", "loans"),
        UniqueConstraint("loan_id", "version", "number"),
        CheckConstraint("principal_paid >= 0 AND principal_paid <= principal_due", name="principal_paid"),
        CheckConstraint("interest_paid >= 0 AND interest_paid <= interest_due", name="interest_paid"),
        CheckConstraint("fee_paid >= 0 AND fee_paid <= fee_due", name="fee_paid"),
        CheckConstraint("penalty_paid >= 0 AND penalty_paid <= penalty_due", name="penalty_paid"),
    )

    id: Mapped[intpk]
    loan_id: Mapped[int] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1)
    number: Mapped[int]
    due_on: Mapped[date] = mapped_column(sa.Date)
    principal_due: Mapped[int] = mapped_column(Money)
    interest_due: Mapped[int] = mapped_column(Money)
    fee_due: Mapped[int] = mapped_column(Money, default=0)
    penalty_due: Mapped[int] = mapped_column(Money, default=0)
    principal_paid: Mapped[int] = mapped_column(Money, default=0)
    interest_paid: Mapped[int] = mapped_column(Money, default=0)
    fee_paid: Mapped[int] = mapped_column(Money, default=0)
    penalty_paid: Mapped[int] = mapped_column(Money, default=0)
    #: interest of a future instalment forgiven at early payoff.
    interest_waived: Mapped[int] = mapped_column(Money, default=0)
    paid_on: Mapped[date | None] = mapped_column(sa.Date)

    loan: Mapped[Loan] = relationship(back_populates="instalments", foreign_keys=[loan_id], viewonly=True,
                                         primaryjoin="Loan.id == LoanInstalment.loan_id")

    def owed(self, component: str) -> int:
        if component == "interest":
            return self.interest_due - self.interest_paid - self.interest_waived
        return getattr(self, f"{component}_due") - getattr(self, f"{component}_paid")

    @property
    def remaining(self) -> int:
        return sum(self.owed(c) for c in ("penalty", "fee", "interest", "principal"))


class LoanRepayment(TenantMixin, TimestampMixin, Base):
    """One payment (or payoff, or resignation netting); replaced by reversal when replayed."""

    __tablename__ = "loan_repayments"
    __table_args__ = (
        *colocated_keys("loan_repayments"),
        colocated_fk("loan_repayments", "loan_id", "loans"),
        colocated_fk("loan_repayments", "replaces_id", "loan_repayments"),
        colocated_fk("loan_repayments", "entry_id", "journal_entries"),
        colocated_fk("loan_repayments", "reversal_entry_id", "journal_entries"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    loan_id: Mapped[int] = mapped_column(index=True)
    paid_on: Mapped[date] = mapped_column(sa.Date)
    amount: Mapped[int] = mapped_column(Money)
    kind: Mapped[str] = mapped_column(String(12), default="repayment")
    channel: Mapped[str] = mapped_column(String(10), default="cash")
    principal: Mapped[int] = mapped_column(Money, default=0)
    interest: Mapped[int] = mapped_column(Money, default=0)
    fee: Mapped[int] = mapped_column(Money, default=0)
    penalty: Mapped[int] = mapped_column(Money, default=0)
    overpayment: Mapped[int] = mapped_column(Money, default=0)
    outstanding_after: Mapped[int] = mapped_column(Money, default=0)
    entry_id: Mapped[int] = mapped_column(BigId)
    reversal_entry_id: Mapped[int | None] = mapped_column(BigId)
    replaces_id: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class LoanAllocation(TenantMixin, Base):
    __tablename__ = "loan_allocations"
    __table_args__ = (
        colocated_fk("loan_allocations", "repayment_id", "loan_repayments"),
        colocated_fk("loan_allocations", "instalment_id", "loan_instalments"),
        *colocated_keys("loan_allocations", referenced=False),
        colocated_fk("loan_allocations", "entry_id", "journal_entries"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    repayment_id: Mapped[int] = mapped_column(index=True)
    instalment_id: Mapped[int] = mapped_column(index=True)
    entry_id: Mapped[int] = mapped_column(BigId)
    component: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(Money)


class LoanPenalty(TenantMixin, Base):
    """A penalty charged by the daily job (income is booked when it is paid)."""

    __tablename__ = "loan_penalties"
    __table_args__ = (
        colocated_fk("loan_penalties", "loan_id", "loans"),
        UniqueConstraint("instalment_id", "charged_on"),
        CheckConstraint("amount > 0", name="amount"),
    )

    id: Mapped[intpk]
    loan_id: Mapped[int] = mapped_column(index=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("loan_instalments.id"))
    charged_on: Mapped[date] = mapped_column(sa.Date)
    amount: Mapped[int] = mapped_column(Money)


class LoanClassChange(TenantMixin, Base):
    """Collectibility history: one row per CHANGE of class."""

    __tablename__ = "loan_class_changes"
    __table_args__ = (
        colocated_fk("loan_class_changes", "loan_id", "loans"),
    )

    id: Mapped[intpk]
    loan_id: Mapped[int] = mapped_column(index=True)
    changed_on: Mapped[date] = mapped_column(sa.Date)
    from_class: Mapped[int]
    to_class: Mapped[int]
    days_past_due: Mapped[int]


class LoanProvision(TenantMixin, Base):
    """Monthly PPAP adjustment (one per cooperative and month)."""

    __tablename__ = "loan_provisions"
    __table_args__ = (
        *colocated_keys("loan_provisions", referenced=False),
        colocated_fk("loan_provisions", "entry_id", "journal_entries"),
        UniqueConstraint("cooperative_id", "period"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    period: Mapped[str] = mapped_column(String(7))
    as_of: Mapped[date] = mapped_column(sa.Date)
    required: Mapped[int] = mapped_column(Money)
    previous: Mapped[int] = mapped_column(Money)
    adjustment: Mapped[int] = mapped_column(Money)
    entry_id: Mapped[int | None] = mapped_column(BigId)
    detail: Mapped[dict] = mapped_column(sa.JSON)


class LoanRecovery(TenantMixin, TimestampMixin, Base):
    __tablename__ = "loan_recoveries"
    __table_args__ = (
        colocated_fk("loan_recoveries", "loan_id", "loans"),
        *colocated_keys("loan_recoveries", referenced=False),
        colocated_fk("loan_recoveries", "entry_id", "journal_entries"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    loan_id: Mapped[int] = mapped_column(index=True)
    received_on: Mapped[date] = mapped_column(sa.Date)
    amount: Mapped[int] = mapped_column(Money)
    entry_id: Mapped[int] = mapped_column(BigId)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

