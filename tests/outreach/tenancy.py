"""Tenant factories of outreach: a queued message in cooperative B (ctx.coop)."""
from __future__ import annotations

from tests.tenancy_objects import factory


@factory("message_id")
def _message(ctx):
    if "outreach_message" not in ctx.cache:
        from coop.db import atomic
        from coop.outreach import services
        from tests.registry.tenancy import _resident

        resident = _resident(ctx)

        def _do():
            consent = services.record_consent(ctx.coop.id, resident.id, {
                "channel": "whatsapp", "phone": "081234567890", "given_on": ctx.today, "purposes": ["rat"]},
                method="form", actor=None)
            return services.queue(ctx.coop.id, consent, kind="rat_invitation", due_on=ctx.today,
                                  values={"nama": "B"}, member_id=None).id
        ctx.cache["outreach_message"] = atomic(_do)
    return ctx.cache["outreach_message"]
