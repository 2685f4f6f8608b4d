"""Programme snapshots: the indicators of a region for a semester, frozen when taken (DOMAIN.md,
Programme monitoring). Not a tenant table: a snapshot spans every cooperative of its region."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.db import Base, UTCDateTime, intpk

__all__ = ["ProgrammeSnapshot"]


class ProgrammeSnapshot(Base):
    """The indicators of ``region`` for ``period`` (``2027-S1``) as computed at ``taken_at``: stored JSON
    that nothing updates afterwards (one per region and period)."""

    __tablename__ = "programme_snapshots"
    __table_args__ = (
        UniqueConstraint("region", "period"),
        sa.CheckConstraint("length(region) IN (2, 4, 6)", name="region_code_length"),
    )

    id: Mapped[intpk]
    region: Mapped[str] = mapped_column(String(6))
    period: Mapped[str] = mapped_column(String(7))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    taken_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The indicators (coop.programme.indicators.indicators) as canonical JSON.
    data: Mapped[str] = mapped_column(Text)
