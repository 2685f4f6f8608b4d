"""The parenting demo step on a small registry: a facilitator login, 2 groups, 12 sessions, children of
PMI households with consent, attendance, one scored workshop; the same twice (deterministic)."""
from __future__ import annotations

import random

import sqlalchemy as sa

from coop.db import db
from coop.parenting.models import Child, ParentingGroup, ParentingSession, SessionAttendance


def _run(coop, pmi_family, today, prefix):
    from coop.demo import DemoContext
    from coop.parenting import demo

    fams = [pmi_family(coop, "aktif" if i % 2 else "purna") for i in range(6)]
    ctx = DemoContext(cooperative=coop, users={}, rng=random.Random(1), today=today, echo=lambda *_: None,
                      password="rahasia-123")
    demo.FACILITATOR_LOGIN = (f"{prefix}pendamping", "Rina")
    demo.load(ctx)
    return fams


def test_demo_step(coop, pmi_family, today, monkeypatch):
    """Does the step register every eligible child (6 here, under the cap of 30), 2 groups, 12 sessions,
    scores only at the caregiver workshop, and never a child from a household without a PMI parent?"""
    from coop.parenting import demo

    monkeypatch.setattr(demo, "FACILITATOR_LOGIN", demo.FACILITATOR_LOGIN)
    fams = _run(coop, pmi_family, today, "a")
    kids = list(db.session.scalars(sa.select(Child).where(Child.cooperative_id == coop.id)))
    assert sorted(c.resident_id for c in kids) == sorted(f.child.id for f in fams)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ParentingGroup).where(
        ParentingGroup.cooperative_id == coop.id)) == 2
    sessions = list(db.session.scalars(sa.select(ParentingSession).where(ParentingSession.cooperative_id == coop.id)))
    assert len(sessions) == 12 and all(s.held_on < today for s in sessions)
    scored = db.session.execute(sa.select(ParentingSession.kind, SessionAttendance.pre_score).join(
        SessionAttendance, SessionAttendance.session_id == ParentingSession.id).where(
        ParentingSession.cooperative_id == coop.id, SessionAttendance.pre_score.is_not(None))).all()
    assert scored and {k for k, _ in scored} == {"caregiver_workshop"}
