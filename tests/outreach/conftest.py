"""Fixtures of the outreach tests: consent in one call, a clock instant in the cooperative's time zone."""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest


@pytest.fixture
def consent(app, today):
    """``consent(coop, resident, channel="whatsapp", purposes=(...), phone=...)`` -> the ContactConsent."""
    from coop.db import atomic
    from coop.outreach import services

    def _give(coop, resident, channel="whatsapp", purposes=("instalment", "savings", "rat", "desk"),
              phone="0812-3456-7890", actor=None):
        return atomic(services.record_consent, coop.id, resident.id, {
            "channel": channel, "phone": phone, "given_on": today, "purposes": list(purposes)},
            method="form", actor=actor)
    return _give


@pytest.fixture
def at(today):
    """``at(hour, minute=0)`` -> that wall time of the business date in Asia/Jakarta (as an aware datetime)."""
    def _at(hour, minute=0, day=None):
        return datetime.combine(day or today, time(hour, minute), tzinfo=ZoneInfo("Asia/Jakarta"))
    return _at


def messages(coop_id, **where):
    from sqlalchemy import select

    from coop.db import db
    from coop.outreach.models import Message

    q = select(Message).where(Message.cooperative_id == coop_id)
    for k, v in where.items():
        q = q.where(getattr(Message, k) == v)
    return list(db.session.scalars(q.order_by(Message.id)))
