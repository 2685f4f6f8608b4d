"""Read-only queries of the outreach pages and API."""
from __future__ import annotations

import sqlalchemy as sa

from coop.db import db
from coop.outreach.models import Message
from coop.registry.models import Resident


def messages_query(cooperative_id: int, *, status: str | None = None, member_id: int | None = None,
                   resident_id: int | None = None):
    """The outbox of the cooperative as a select (optionally of one status, member or resident)."""
    q = sa.select(Message).where(Message.cooperative_id == cooperative_id)
    if status:
        q = q.where(Message.status == status)
    if member_id is not None:
        q = q.where(Message.member_id == member_id)
    if resident_id is not None:
        q = q.where(Message.resident_id == resident_id)
    return q


def recent_messages(cooperative_id: int, resident_id: int, limit: int = 20) -> list[Message]:
    return list(db.session.scalars(messages_query(cooperative_id, resident_id=resident_id)
                                   .order_by(Message.id.desc()).limit(limit)))


def resident_names(cooperative_id: int, ids) -> dict[int, str]:
    ids = list(set(ids))
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Resident.id, Resident.full_name).where(
        Resident.cooperative_id == cooperative_id, Resident.id.in_(ids))).all())
