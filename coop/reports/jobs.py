"""Scheduled job of the reports area: the month-end portfolio snapshot (PAR trend on the dashboards)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from coop.db import db
from coop.ledger import chart
from coop.ledger.models import Account
from coop.ledger.reports import balances_as_of
from coop.loans.rules import NPL_FROM
from coop.loans.services import portfolio_by_class
from coop.reports.models import PortfolioSnapshot


def portfolio_snapshot(cooperative_id: int, as_of: date) -> str:
    """Record loans outstanding, at risk (Kurang Lancar, Diragukan,
    Macet: NPL; DPK is not at risk here), savings and cash at ``as_of``. Idempotent: a
    second run for the same date changes nothing."""

    if db.session.scalar(sa.select(PortfolioSnapshot.id).where(PortfolioSnapshot.cooperative_id == cooperative_id,
                                                               PortfolioSnapshot.as_of == as_of)):
        return "sudah ada"
    by_class = portfolio_by_class(cooperative_id, as_of)
    balances = balances_as_of(cooperative_id, as_of)
    accounts = db.session.execute(sa.select(Account.id, Account.code, Account.parent_id).where(
        Account.cooperative_id == cooperative_id)).all()
    codes = {aid: code for aid, code, _ in accounts}
    savings_roots = {chart.SIMPANAN_SUKARELA, chart.SIMPANAN_BERJANGKA, chart.SIMPANAN_POKOK, chart.SIMPANAN_WAJIB,
                     chart.SIMPANAN_POKOK_LIAB, chart.SIMPANAN_WAJIB_LIAB}
    savings = -sum(balances.get(aid, 0) for aid, _, parent in accounts if codes.get(parent) in savings_roots)
    cash = sum(balances.get(aid, 0) for aid, code, _ in accounts if code in (chart.KAS, chart.BANK))
    snap = PortfolioSnapshot(cooperative_id=cooperative_id, as_of=as_of,
                             loans=sum(v["count"] for v in by_class.values()),
                             outstanding=sum(v["outstanding"] for v in by_class.values()),
                             at_risk=sum(v["outstanding"] for k, v in by_class.items() if k >= NPL_FROM),
                             savings=savings, cash=cash)
    db.session.add(snap)
    db.session.flush()
    return f"pinjaman {snap.loans}, sisa pokok {snap.outstanding}, berisiko {snap.at_risk}"
