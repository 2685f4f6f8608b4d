"""Tenancy factories for the ledger routes: objects created in ANOTHER cooperative."""
from __future__ import annotations

from tests.tenancy_objects import factory


def _entry_of(ctx):
    if "ledger_entry" not in ctx.cache:
        from coop.db import atomic
        from coop.ledger.rules import Line
        from coop.ledger.services import account_by_code, post_entry

        kas = account_by_code(ctx.coop.id, "1101").id
        other = account_by_code(ctx.coop.id, "4201").id
        ctx.cache["ledger_entry"] = atomic(post_entry, ctx.coop.id, [Line.dr(kas, 1_000), Line.cr(other, 1_000)],
                                           actor=None, memo="tenancy", value_date=ctx.today).id
    return ctx.cache["ledger_entry"]


@factory("entry_id")
def _entry(ctx):
    return _entry_of(ctx)


@factory("period_id")
def _period(ctx):
    from coop.db import atomic
    from coop.ledger.periods import close_period

    return atomic(close_period, ctx.coop.id, actor=ctx.users["manager"], year=2020, month=1).id


@factory("approval_id")
def _approval(ctx):
    from coop.db import atomic
    from coop.ledger.periods import request_reversal

    return atomic(request_reversal, ctx.coop.id, _entry_of(ctx), actor=ctx.users["treasurer"], reason="tenancy").id
