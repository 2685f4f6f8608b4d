"""Reports tables: the reports area writes only its own rows (the month-end portfolio snapshot)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.db import Base, Money, TenantMixin, intpk


class PortfolioSnapshot(TenantMixin, Base):
    """Loan portfolio at a month end (the monthly ``reports.portfolio_snapshot`` job), for the PAR trend:
    the ledger keeps balances, not yesterday's collectibility classes."""

    __tablename__ = "portfolio_snapshots"
    __table_args__ = (UniqueConstraint("cooperative_id", "as_of"),)

    id: Mapped[intpk]
    as_of: Mapped[date] = mapped_column(sa.Date)
    loans: Mapped[int] = mapped_column(default=0)
    outstanding: Mapped[int] = mapped_column(Money, default=0)
    #: Outstanding of loans in class 3-5 (Kurang Lancar, Diragukan, Macet; not DPK): the portfolio at risk (= NPL).
    at_risk: Mapped[int] = mapped_column(Money, default=0)
    savings: Mapped[int] = mapped_column(Money, default=0)
    cash: Mapped[int] = mapped_column(Money, default=0)
