"""Demo steps of savings: after the areas that post on savings accounts with past dates (loan
disbursements into sukarela, SHU payouts), settle the interest of the months that already ran, so the
demo's jasa simpanan equals a recomputation from its transactions (issue 13 item 7).
"""
from __future__ import annotations

from coop.db import atomic
from coop.savings import accrual


def load(ctx) -> None:
    summary = atomic(accrual.reconcile, ctx.cooperative.id, actor=None)
    ctx.echo(f"    savings: {summary}")
