"""Ledger tables. Entries and postings are append-only (triggers in the migrations reject UPDATE/DELETE)."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
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
    intpk,
)

ACCOUNT_TYPES = ("asset", "liability", "equity", "income", "expense")


class Account(TenantMixin, TimestampMixin, Base):
    """A ledger account: a chart account, or a sub-account (a member's savings account, a loan).

    ``balance`` is the running balance as debits minus credits, updated in the same transaction as the
    postings, so a balance read is O(1). ``min_balance`` (on the account's normal side) is enforced by
    ``post_entry``: a member's savings can never go below it.

    Keys colocated by ``cooperative_id`` for Citus (:func:`coop.db.colocated_keys`, migration 0023).
    """

    __tablename__ = "accounts"
    __table_args__ = (
        *colocated_keys("accounts"),
        colocated_fk("accounts", "parent_id", "accounts"),
        UniqueConstraint("cooperative_id", "code"),
        CheckConstraint("normal_side IN ('D', 'C')", name="normal_side"),
        CheckConstraint("type IN ('asset', 'liability', 'equity', 'income', 'expense')", name="type"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    #: no index of its own: ``uq_accounts_cooperative_id_id`` leads with it
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(10))
    normal_side: Mapped[str] = mapped_column(String(1))
    parent_id: Mapped[int | None] = mapped_column(index=True)
    #: True for chart accounts that only group sub-accounts (no direct postings expected).
    is_control: Mapped[bool] = mapped_column(default=False)
    is_open: Mapped[bool] = mapped_column(default=True)
    balance: Mapped[int] = mapped_column(Money, default=0)
    min_balance: Mapped[int | None] = mapped_column(Money)

    # joined on the id alone (ids are unique across cooperatives), as before the composite key
    parent: Mapped[Account | None] = relationship(remote_side="Account.id", foreign_keys="Account.parent_id",
                                                  primaryjoin="Account.parent_id == Account.id")

    __mapper_args__ = {"primary_key": [id]}

    def natural_balance(self) -> int:
        """The balance on the account's normal side (positive for a healthy asset or liability)."""
        return self.balance if self.normal_side == "D" else -self.balance


class JournalEntry(TenantMixin, Base):
    """A balanced journal entry (voucher). Numbered gaplessly per cooperative and year; hash-chained.
    Keys colocated by ``cooperative_id`` (:func:`coop.db.colocated_keys`)."""

    __tablename__ = "journal_entries"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "voucher_year", "voucher_seq"),
        UniqueConstraint("cooperative_id", "chain_seq"),
        UniqueConstraint("cooperative_id", "idempotency_key"),
        *colocated_keys("journal_entries"),
        colocated_fk("journal_entries", "reverses_id", "journal_entries"),
        UniqueConstraint("reverses_id", "cooperative_id"),
        # the monthly interest runs a deposit looks for (coop.savings.accrual.months_run_since), migration 0020
        Index("ix_journal_entries_cooperative_id_source_value_date", "cooperative_id", "source", "value_date"),
        # the receipt finds its entry by voucher number (coop.reports.receipts), migration 0021
        Index("ix_journal_entries_cooperative_id_voucher_number", "cooperative_id", "voucher_number"),
        # the day book: one cooperative's entries of a day (coop.savings.cash.day_book_page), migration 0021
        Index("ix_journal_entries_cooperative_id_value_date", "cooperative_id", "value_date"),
    )

    id: Mapped[int] = mapped_column(BigId, autoincrement=True)
    #: no index of its own: ``uq_journal_entries_cooperative_id_id`` leads with it
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"))
    voucher_year: Mapped[int]
    voucher_seq: Mapped[int]
    voucher_number: Mapped[str] = mapped_column(String(32))
    #: Position in the cooperative's hash chain (1, 2, 3 ...).
    chain_seq: Mapped[int]
    value_date: Mapped[date] = mapped_column(sa.Date, index=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    memo: Mapped[str] = mapped_column(Text)
    #: What produced it, e.g. ``savings.deposit``, ``loan.repayment``, ``manual``.
    source: Mapped[str] = mapped_column(String(60))
    source_ref: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    payload_hash: Mapped[str] = mapped_column(String(64))
    reverses_id: Mapped[int | None] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    postings: Mapped[list[Posting]] = relationship(back_populates="entry", order_by="Posting.line_no",
                                                   lazy="selectin", foreign_keys="Posting.entry_id",
                                                   primaryjoin="JournalEntry.id == Posting.entry_id")

    __mapper_args__ = {"primary_key": [id]}

    #: Not a column: on an entry ``post_entry`` has just posted, each account's first posting id (a savings
    #: receipt's transaction id, without a query); None on an entry loaded from the database. Annotated
    #: for the type checker only (declarative would read a runtime annotation as a column).
    if TYPE_CHECKING:
        posting_ids: dict[int, int] | None
    posting_ids = None
    #: Not a column either: the value dates ``post_entry(..., dated_since=...)`` read under the head lock.
    if TYPE_CHECKING:
        dated_since: list[date] | None
    dated_since = None


class Posting(Base):
    """One line of an entry: a debit or a credit of a positive whole-rupiah amount to one account.

    ``cooperative_id`` is the entry's (written by ``post_entries``; migration 0023 filled it for older rows):
    the distribution column, with keys colocated like the entry's and the account's. Nothing references a
    posting, so it has no ``(cooperative_id, id)`` unique key."""

    __tablename__ = "postings"
    __table_args__ = (
        *colocated_keys("postings", referenced=False),
        colocated_fk("postings", "entry_id", "journal_entries"),
        colocated_fk("postings", "account_id", "accounts"),
        CheckConstraint("debit >= 0 AND credit >= 0", name="non_negative"),
        CheckConstraint("(debit = 0) <> (credit = 0)", name="one_side"),
        # cooperative_id last: the key still finds an entry's lines by entry_id (Citus only asks that it be in)
        UniqueConstraint("entry_id", "line_no", "cooperative_id"),
        Index("ix_postings_account_id_entry_id", "account_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(BigId, autoincrement=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"))
    entry_id: Mapped[int] = mapped_column()
    line_no: Mapped[int]
    account_id: Mapped[int] = mapped_column()
    debit: Mapped[int] = mapped_column(Money, default=0)
    credit: Mapped[int] = mapped_column(Money, default=0)
    memo: Mapped[str | None] = mapped_column(String(200))

    entry: Mapped[JournalEntry] = relationship(back_populates="postings", foreign_keys="Posting.entry_id",
                                               primaryjoin="JournalEntry.id == Posting.entry_id")
    account: Mapped[Account] = relationship(lazy="joined", primaryjoin="Account.id == Posting.account_id",
                                            foreign_keys="Posting.account_id")

    __mapper_args__ = {"primary_key": [id]}


class LedgerHead(Base):
    """Per-cooperative chain head; its row is locked by every posting (serialises the chain)."""

    __tablename__ = "ledger_heads"

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), primary_key=True)
    chain_seq: Mapped[int] = mapped_column(default=0)
    head_hash: Mapped[str] = mapped_column(String(64))


class VoucherCounter(Base):
    """Gapless voucher numbers per cooperative and year (allocated under the head lock)."""

    __tablename__ = "voucher_counters"

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)


class AccountingPeriod(TenantMixin, Base):
    """A month or year. Postings dated inside a closed period are refused."""

    __tablename__ = "accounting_periods"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "start_on", "end_on"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
    )

    id: Mapped[intpk]
    start_on: Mapped[date] = mapped_column(sa.Date)
    end_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LedgerApproval(TenantMixin, Base):
    """Maker-checker request: a reversal of an entry or the re-opening of a closed period.

    The maker files it; a DIFFERENT user (the checker) approves or rejects it. Only an approval acts.
    """

    __tablename__ = "ledger_approvals"
    __table_args__ = (
        *colocated_keys("ledger_approvals", referenced=False),
        CheckConstraint("kind IN ('reversal', 'reopen')", name="kind"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> requested_by_id", name="four_eyes"),
        colocated_fk("ledger_approvals", "result_entry_id", "journal_entries"),
    )

    id: Mapped[int] = mapped_column(autoincrement=True)
    __mapper_args__ = {"primary_key": [id]}  # the table's key is (id, cooperative_id): colocated_keys
    kind: Mapped[str] = mapped_column(String(10))
    #: The journal entry to reverse, or the accounting period to re-open.
    target_id: Mapped[int] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(Text)
    #: For a reversal: the value date of the reversing entry (default: the original's).
    value_date: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result_entry_id: Mapped[int | None] = mapped_column()
