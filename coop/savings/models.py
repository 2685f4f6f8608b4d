"""Savings products and accounts (simpanan pokok, wajib, sukarela, berjangka).

A savings account IS a ledger sub-account (``ledger_account_id``) under its product's control account;
its postings are its transactions, so no separate transaction table is needed (a statement is the
account's postings with a running balance). Rows here carry only product terms and lifecycle state.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, Unmapped, mapped_column, relationship, unmapped_column

from coop.db import (
    Base,
    Money,
    Rate,
    TenantMixin,
    TimestampMixin,
    colocated_fk,
    colocated_keys,
    colocated_target,
    intpk,
)
from coop.text import N_

KINDS = ("pokok", "wajib", "sukarela", "berjangka")
KIND_LABELS = {"pokok": N_("Simpanan Pokok"), "wajib": N_("Simpanan Wajib"), "sukarela": N_("Simpanan Sukarela"),
               "berjangka": N_("Simpanan Berjangka")}
INTEREST_METHODS = ("none", "daily_balance", "average_daily_balance", "lowest_monthly_balance")
METHOD_LABELS = {"none": "Tanpa jasa", "daily_balance": "Saldo harian",
                 "average_daily_balance": "Saldo rata-rata harian",
                 "lowest_monthly_balance": "Saldo terendah bulanan"}
ACCOUNT_STATUSES = ("active", "dormant", "matured", "closed")


class SavingsProduct(TenantMixin, TimestampMixin, Base):
    """A savings product of one kind with its terms (DOMAIN.md, Cooperative law and savings).

    :ivar amount: fixed amount for pokok (once) and wajib (per month); ``None`` for the others.
    :ivar balance_class: ``equity`` (SAK ETAP practice for pokok/wajib) or ``liability`` (SAK EP).
    :ivar control_code: chart account the accounts are opened under (derived from kind and class).
    :ivar interest_rate: jasa simpanan in percent PER YEAR (``Decimal``).
    """

    __tablename__ = "savings_products"
    __table_args__ = (
        colocated_target("savings_products"),
        UniqueConstraint("cooperative_id", "code"),
        CheckConstraint("kind IN ('pokok', 'wajib', 'sukarela', 'berjangka')", name="kind"),
        CheckConstraint("balance_class IN ('equity', 'liability')", name="balance_class"),
        CheckConstraint("interest_method IN ('none', 'daily_balance', 'average_daily_balance', "
                        "'lowest_monthly_balance')", name="interest_method"),
        CheckConstraint("min_balance >= 0", name="min_balance_non_negative"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        CheckConstraint("interest_rate >= 0", name="rate_non_negative"),
        CheckConstraint("maturity_action IN ('rollover', 'sukarela')", name="maturity_action"),
    )

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int | None] = mapped_column(Money)
    balance_class: Mapped[str] = mapped_column(String(10))
    control_code: Mapped[str] = mapped_column(String(10))
    min_balance: Mapped[int] = mapped_column(Money, default=0)
    interest_method: Mapped[str] = mapped_column(String(30), default="none")
    interest_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal(0))
    #: Berjangka: term in months, what happens at maturity, early withdrawal terms.
    term_months: Mapped[int | None]
    maturity_action: Mapped[str] = mapped_column(String(10), default="sukarela")
    allows_early_withdrawal: Mapped[bool] = mapped_column(default=False)
    early_withdrawal_penalty: Mapped[Decimal] = mapped_column(Rate, default=Decimal(0))
    #: The product new members get for this kind.
    is_default: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


class SavingsAccount(TenantMixin, TimestampMixin, Base):
    """A member's savings account: one ledger sub-account plus product terms and lifecycle.

    ``next_action_date`` is the next day a job must look at it (berjangka maturity), so the daily job
    costs what is due, not what exists. ``last_activity_on`` drives dormancy.
    """

    __tablename__ = "savings_accounts"
    __table_args__ = (
        *colocated_keys("savings_accounts"),
        colocated_fk("savings_accounts", "member_id", "members"),
        colocated_fk("savings_accounts", "product_id", "savings_products"),
        colocated_fk("savings_accounts", "ledger_account_id", "accounts"),
        UniqueConstraint("cooperative_id", "account_number"),
        UniqueConstraint("ledger_account_id", "cooperative_id"),
        CheckConstraint("kind IN ('pokok', 'wajib', 'sukarela', 'berjangka')", name="kind"),
        CheckConstraint("status IN ('active', 'dormant', 'matured', 'closed')", name="status"),
        CheckConstraint("closed_on IS NULL OR closed_on >= opened_on", name="closed_after_opened"),
        sa.Index("ix_savings_accounts_arrears", "cooperative_id", "kind", "arrears_stale", "arrears_from",
                 "arrears_seq", "id", "product_id", "arrears_due"),
        # a member's accounts (the cash desk's member page, every deposit's lookups): both equalities in one
        # index, so SQLite without statistics does not walk the cooperative's (revision 0028)
        sa.Index("ix_savings_accounts_member", "cooperative_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    member_id: Mapped[int] = mapped_column(index=True)
    product_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(10))
    account_number: Mapped[str] = mapped_column(String(40))
    ledger_account_id: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="active")
    opened_on: Mapped[date] = mapped_column(sa.Date)
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    last_activity_on: Mapped[date | None] = mapped_column(sa.Date)
    #: Berjangka terms fixed at opening.
    principal: Mapped[int | None] = mapped_column(Money)
    rate: Mapped[Decimal | None] = mapped_column(Rate)
    term_months: Mapped[int | None]
    maturity_on: Mapped[date | None] = mapped_column(sa.Date)
    next_action_date: Mapped[date | None] = mapped_column(sa.Date, index=True)
    #: Wajib arrears, stored (revision 0025): the first month the balance does not cover (``None``: none ever,
    #: or the account is not listed: closed, or its member not current; revision 0027) and what of that month
    #: is unpaid; kept by ``arrears.refresh_arrears``. Triggers raise ``arrears_stale`` on every change they
    #: depend on (the balance, ``joined_on``, the product, its amount, the wajib amount setting, the member's
    #: status and number, the account's closing); a stale row is read live.
    arrears_from: Mapped[date | None] = mapped_column(sa.Date)
    arrears_due: Mapped[int | None] = mapped_column(Money)
    #: The member's ``member_seq`` (revision 0027; 0 until the first refresh), the list's second key: the page
    #: walks ``ix_savings_accounts_arrears`` in the list's order without reading ``members``.
    #: A column of the table only, not mapped: the ORM never writes or reads it (an INSERT would ask for its
    #: server default back), :mod:`coop.savings.arrears` does, through ``SavingsAccount.__table__``.
    arrears_seq: Unmapped[int] = unmapped_column(sa.Integer, server_default="0")
    #: 0 when the two above are right; raised by one (from 1 for a new row) by every change they depend on.
    arrears_stale: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")

    product: Mapped[SavingsProduct] = relationship(lazy="joined", foreign_keys="SavingsAccount.product_id",
                                                   primaryjoin="SavingsProduct.id == SavingsAccount.product_id")
    ledger_account = relationship("Account", lazy="joined")
    member = relationship("Member", lazy="select", primaryjoin="Member.id == SavingsAccount.member_id",
                          foreign_keys="SavingsAccount.member_id")

    @property
    def balance(self) -> int:
        """Natural-side balance of the ledger sub-account (O(1))."""
        return self.ledger_account.natural_balance()

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


class CashCount(TenantMixin, TimestampMixin, Base):
    """A cash count (opname kas): what the books say vs. what the treasurer counted, note by note.

    A difference is booked against 5204 Selisih Kas in ``entry_id``. A day may have several counts (a
    recount, a count at noon and one at closing): each is its own row, in ``id`` order; who counted is
    ``actor_id``, when ``created_at``, the sheet ``denominations`` ({"100000": pieces, ..., "coin500":
    pieces, "other": rupiah}), the witness by name. ``idempotency_key``: the form's one-time nonce (a
    confirmation pressed twice records one count).
    """

    __tablename__ = "cash_counts"
    __table_args__ = (
        *colocated_keys("cash_counts", referenced=False),
        colocated_fk("cash_counts", "entry_id", "journal_entries"),
        UniqueConstraint("cooperative_id", "idempotency_key"),
        sa.Index("ix_cash_counts_cooperative_id_counted_on", "cooperative_id", "counted_on"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    counted_on: Mapped[date] = mapped_column(sa.Date)
    expected: Mapped[int] = mapped_column(Money)
    counted: Mapped[int] = mapped_column(Money)
    difference: Mapped[int] = mapped_column(Money)
    entry_id: Mapped[int | None] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(300))
    denominations: Mapped[dict | None] = mapped_column(sa.JSON)
    witness: Mapped[str | None] = mapped_column(String(120))
    idempotency_key: Mapped[str | None] = mapped_column(String(80))

    actor = relationship("User", lazy="select")


INTEREST_KINDS = ("monthly", "closing", "adjustment")


class SavingsInterest(TenantMixin, TimestampMixin, Base):
    """One posting of jasa simpanan for one account and one month: the month's run (``monthly``), the
    partial month paid with a closing (``closing``) or a difference after a backdated transaction
    (``adjustment``, signed). The sums per account and month are what was paid: gross and PPh withheld.
    """

    __tablename__ = "savings_interest"
    __table_args__ = (
        colocated_fk("savings_interest", "account_id", "savings_accounts"),
        colocated_fk("savings_interest", "member_id", "members"),
        *colocated_keys("savings_interest", referenced=False),
        colocated_fk("savings_interest", "entry_id", "journal_entries"),
        CheckConstraint("kind IN ('monthly', 'closing', 'adjustment')", name="kind"),
        sa.Index("ix_savings_interest_account_month", "account_id", "month_end"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    account_id: Mapped[int] = mapped_column()
    member_id: Mapped[int] = mapped_column(index=True)
    #: Last day of the month the interest is for.
    month_end: Mapped[date] = mapped_column(sa.Date)
    gross: Mapped[int] = mapped_column(Money)
    tax: Mapped[int] = mapped_column(Money)
    kind: Mapped[str] = mapped_column(String(10))
    entry_id: Mapped[int] = mapped_column(index=True)
