"""Savings jobs: monthly jasa simpanan (with PPh final), daily berjangka maturity, daily dormancy.

Each is ``fn(cooperative_id, as_of) -> summary``, idempotent: interest by its per-month idempotency key
(and the ``job_runs`` row), maturities by ``next_action_date``, dormancy by account status.
"""
from __future__ import annotations

from datetime import date

from coop.jobs import Job, register


def interest(cooperative_id: int, as_of: date) -> str:
    """Post jasa simpanan for the month that ends on ``as_of`` (the job runner passes month ends)."""
    from coop.savings.interest import post_monthly_interest

    return post_monthly_interest(cooperative_id, as_of)


def maturities(cooperative_id: int, as_of: date) -> str:
    from coop.savings.interest import process_maturities

    return process_maturities(cooperative_id, as_of)


def dormancy(cooperative_id: int, as_of: date) -> str:
    from coop.savings.services import mark_dormant

    return f"{mark_dormant(cooperative_id, as_of)} rekening menjadi dormant"


register(Job(id="savings.interest", target="coop.savings.jobs:interest", frequency="monthly",
             cron={"day": 1, "hour": 1, "minute": 0},
             description="Jasa simpanan bulanan per metode produk, dipotong PPh final (PP 15/2009)"))
register(Job(id="savings.maturity", target="coop.savings.jobs:maturities", frequency="daily",
             cron={"hour": 1, "minute": 10},
             description="Simpanan berjangka jatuh tempo: perpanjang atau cairkan ke sukarela"))
register(Job(id="savings.dormancy", target="coop.savings.jobs:dormancy", frequency="daily",
             cron={"hour": 1, "minute": 20},
             description="Rekening sukarela tanpa transaksi selama dormancy_months menjadi dormant"))
