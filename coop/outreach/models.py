"""Contact consent (UU 27/2022), the outbox with its status history, and editable message templates."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.auth.models import User
from coop.db import Base, TenantMixin, UTCDateTime, colocated_fk, intpk, utcnow

__all__ = ["ContactConsent", "Message", "MessageEvent", "MessageTemplate"]


class ContactConsent(TenantMixin, Base):
    """A resident's consent to be contacted on one channel for some purposes. Withdrawing (or a newer
    consent on the same channel) sets ``withdrawn_at``: the row stays as the record of who, when, how."""

    __tablename__ = "contact_consents"
    __table_args__ = (
        CheckConstraint("channel IN ('whatsapp', 'sms')", name="channel"),
        sa.Index("ix_contact_consents_resident_channel", "resident_id", "channel"),
    )

    id: Mapped[intpk]
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    channel: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str] = mapped_column(String(20))
    #: comma-separated purposes of coop.outreach.rules.PURPOSES
    purposes: Mapped[str] = mapped_column(String(100))
    given_on: Mapped[date] = mapped_column(sa.Date)
    #: how the consent was given: "form" (signed paper), "web", "api"
    method: Mapped[str] = mapped_column(String(20))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: "officer", "api", "sms_stop" or "replaced"
    withdrawn_via: Mapped[str | None] = mapped_column(String(20))
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id], viewonly=True)

    @property
    def purpose_list(self) -> list[str]:
        return [p for p in self.purposes.split(",") if p]


class Message(TenantMixin, Base):
    """One message to one resident: the outbox row and, once sent, the delivery log."""

    __tablename__ = "outreach_messages"
    __table_args__ = (
        colocated_fk("outreach_messages", "member_id", "members"),
        # the same reminder is never queued twice
        UniqueConstraint("cooperative_id", "resident_id", "purpose", "due_on", name="uq_outreach_messages_once"),
        CheckConstraint("status IN ('queued', 'sent', 'failed', 'manual')", name="status"),
        CheckConstraint("channel IN ('whatsapp', 'sms')", name="channel"),
        sa.Index("ix_outreach_messages_coop_status", "cooperative_id", "status"),
    )

    id: Mapped[intpk]
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(index=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("contact_consents.id"))
    channel: Mapped[str] = mapped_column(String(10))
    purpose: Mapped[str] = mapped_column(String(20))
    #: the day the message is about (instalment due date, wajib month end, RAT date, passport expiry)
    due_on: Mapped[date] = mapped_column(sa.Date)
    phone: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    #: template parameters in order (name, amount, date, cooperative phone) for WhatsApp Cloud templates
    params: Mapped[list] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the gateway's id (gammu outbox ID, WhatsApp message id, Kannel: none)
    external_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    events: Mapped[list[MessageEvent]] = relationship(order_by="MessageEvent.id", viewonly=True)


class MessageEvent(TenantMixin, Base):
    """The status history of a message (append-only)."""

    __tablename__ = "outreach_message_events"

    id: Mapped[intpk]
    message_id: Mapped[int] = mapped_column(ForeignKey("outreach_messages.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MessageTemplate(TenantMixin, Base):
    """A cooperative's own wording of one purpose's message (absent: the default of rules.DEFAULT_TEMPLATES)."""

    __tablename__ = "outreach_templates"
    __table_args__ = (UniqueConstraint("cooperative_id", "purpose"),)

    id: Mapped[intpk]
    purpose: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
