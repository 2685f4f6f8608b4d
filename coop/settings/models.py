"""The settings table: a cooperative's business settings, versioned by effective date."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.db import Base, UTCDateTime, intpk


class Setting(Base):
    """A cooperative setting, versioned by effective date (the latest one on or before a date wins)."""

    __tablename__ = "settings"
    __table_args__ = (UniqueConstraint("cooperative_id", "key", "effective_on"),)

    id: Mapped[intpk]
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    #: JSON-encoded value (Decimals as strings).
    value: Mapped[str] = mapped_column(Text)
    effective_on: Mapped[date] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
