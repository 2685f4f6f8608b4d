"""Tenant-isolation factories of the remittances routes: a savings goal and a KUR referral of a member of
ANOTHER cooperative (tests/test_tenancy.py)."""
from __future__ import annotations

from datetime import timedelta

from tests.membership.tenancy import _member
from tests.tenancy_objects import factory


@factory("goal_id")
def _goal(ctx):
    if "remittances.goal" not in ctx.cache:
        from coop.db import atomic
        from coop.remittances.services import create_goal

        member, _entry = _member(ctx)
        ctx.cache["remittances.goal"] = atomic(lambda: create_goal(ctx.coop.id, {
            "member_id": member.id, "purpose": "school", "target_amount": 1_000_000,
            "target_date": ctx.today + timedelta(days=365)}, actor=None, as_of=ctx.today).id)
    return ctx.cache["remittances.goal"]


@factory("kur_referral_id")
def _kur(ctx):
    if "remittances.kur" not in ctx.cache:
        from coop.db import atomic
        from coop.remittances.services import refer_to_kur

        member, _entry = _member(ctx)
        ctx.cache["remittances.kur"] = atomic(lambda: refer_to_kur(ctx.coop.id, {
            "member_id": member.id, "bank": "BNI", "amount_requested": 25_000_000,
            "referred_on": ctx.today}, actor=None).id)
    return ctx.cache["remittances.kur"]
