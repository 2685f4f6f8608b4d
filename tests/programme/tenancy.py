"""Tenant factories of the programme area: a snapshot of cooperative B's regency, and cooperative B
itself (the start-up checklist). Cooperative users of A get 403 for both (service-admin and coordinator
routes); coordinators outside the region get 404 for the snapshot (tests/programme/test_snapshots.py)."""
from __future__ import annotations

import uuid

from tests.tenancy_objects import factory


@factory("programme_snapshot_id")
def _snapshot(ctx):
    from coop.auth.services import create_user
    from coop.db import atomic
    from coop.programme.services import take_snapshot

    admin = atomic(create_user, cooperative_id=None, username=f"layanan{uuid.uuid4().hex[:6]}",
                   full_name="Admin Layanan", role="service_admin", password="rahasia-123")
    period = f"{ctx.today.year}-S{1 if ctx.today.month <= 6 else 2}"
    return atomic(take_snapshot, admin, ctx.coop.village_code[:4], period, today=ctx.today).id


@factory("cooperative_id")
def _cooperative(ctx):
    return ctx.coop.id
