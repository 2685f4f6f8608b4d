"""Savings jobs: monthly jasa simpanan (with PPh final), daily berjangka maturity, daily dormancy, daily
wajib arrears.

Each is ``fn(cooperative_id, as_of) -> summary``, idempotent: interest by its per-month idempotency key
(and the ``job_runs`` row), maturities by ``next_action_date``, dormancy by account status.
"""
from __future__ import annotations

from datetime import date

from coop.savings.interest import post_monthly_interest, process_maturities
from coop.savings.services import mark_dormant, refresh_arrears


def interest(cooperative_id: int, as_of: date) -> str:
    """Post jasa simpanan for the month that ends on ``as_of`` (the job runner passes month ends)."""

    return post_monthly_interest(cooperative_id, as_of)


def maturities(cooperative_id: int, as_of: date) -> str:
    return process_maturities(cooperative_id, as_of)


def dormancy(cooperative_id: int, as_of: date) -> str:
    return f"{mark_dormant(cooperative_id, as_of)} rekening menjadi dormant"


def arrears(cooperative_id: int, as_of: date) -> str:
    """Write the stored wajib arrears of the accounts a posting or a change of the dues marked stale since
    the last run (the arrears list reads them live until then)."""
    return f"{refresh_arrears(cooperative_id)} rekening wajib dihitung ulang"
