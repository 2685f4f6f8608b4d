"""Reads of the remittances area for pages and the API: lists (newest first) and the summary."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from coop.db import db
from coop.remittances import indicators
from coop.remittances.models import Remittance


def remittances_stmt(cooperative_id: int, member_id: int | None = None):
    """Newest first (received_on, then id), for ``paginate``."""
    q = sa.select(Remittance).where(Remittance.cooperative_id == cooperative_id)
    if member_id is not None:
        q = q.where(Remittance.member_id == member_id)
    return q.order_by(Remittance.received_on.desc(), Remittance.id.desc())


def recent(cooperative_id: int, member_id: int, limit: int = 5) -> list[Remittance]:
    return list(db.session.scalars(remittances_stmt(cooperative_id, member_id).limit(limit)))


def summary(cooperative_id: int, start: date, end: date, as_of: date) -> dict:
    """The API's summary of one cooperative (see coop.remittances.indicators for ``saved_share``)."""
    return indicators.figures(db.session, [cooperative_id], start, end, as_of)
