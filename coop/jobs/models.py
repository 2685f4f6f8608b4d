"""Job bookkeeping: one row per (job, cooperative, period key) makes every job run idempotent."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.db import Base, UTCDateTime, intpk


class JobRun(Base):
    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job_id", "cooperative_id", "period_key"),
        # the scheduler's one read of every cooperative's last run per job (coop.jobs.last_runs), and one
        # cooperative's (repayments, month close), are index-only scans; it also serves the foreign key
        Index("ix_job_runs_cooperative_id_job_id_as_of", "cooperative_id", "job_id", "as_of"),
    )

    id: Mapped[intpk]
    job_id: Mapped[str] = mapped_column(String(60))
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"))
    #: e.g. ``2026-11-27`` for a daily job, ``2026-11`` for a monthly one.
    period_key: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[date] = mapped_column(sa.Date)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    summary: Mapped[str | None] = mapped_column(String(500))
