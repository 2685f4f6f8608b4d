"""Figures of the manager and auditor dashboards: savings growth, loan portfolio by class, PAR trend,
cash position, training outcomes. Read-only; each series is a list of ``(label, int)`` for the SVG
``bar_chart`` macro."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from coop.db import db, reads_replica
from coop.ledger import chart
from coop.ledger.models import Account, JournalEntry, LedgerHead, Posting
from coop.ledger.reports import cash_position
from coop.loans.services import portfolio_by_class
from coop.reports.models import PortfolioSnapshot
from coop.training.reports import funnel
from coop.yearend.rat import CLASS_LABELS

SAVINGS_ROOTS = (chart.SIMPANAN_SUKARELA, chart.SIMPANAN_BERJANGKA, chart.SIMPANAN_POKOK, chart.SIMPANAN_WAJIB,
                 chart.SIMPANAN_POKOK_LIAB, chart.SIMPANAN_WAJIB_LIAB)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]


def month_ends(as_of: date, n: int = 12) -> list[date]:
    """The last ``n`` month ends up to ``as_of`` (the current month counts with ``as_of`` itself)."""
    out = [as_of]
    d = as_of.replace(day=1) - timedelta(days=1)
    while len(out) < n:
        out.append(d)
        d = d.replace(day=1) - timedelta(days=1)
    return list(reversed(out))


def _label(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.year % 100:02d}"


def _series(cooperative_id: int, account_ids: list[int], ends: list[date], sign: int) -> list[tuple[str, int]]:
    if not account_ids:
        return [(_label(d), 0) for d in ends]
    out = []
    for d in ends:
        total = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Posting.debit - Posting.credit), 0))
                                  .join(JournalEntry, JournalEntry.id == Posting.entry_id)
                                  .where(JournalEntry.cooperative_id == cooperative_id, JournalEntry.value_date <= d,
                                         Posting.account_id.in_(account_ids)))
        out.append((_label(d), sign * int(total or 0)))
    return out


def savings_growth(cooperative_id: int, as_of: date) -> list[tuple[str, int]]:
    parents = sa.select(Account.id).where(Account.cooperative_id == cooperative_id, Account.code.in_(SAVINGS_ROOTS))
    ids = list(db.session.scalars(sa.select(Account.id).where(Account.parent_id.in_(parents))))
    return _series(cooperative_id, ids, month_ends(as_of), -1)


def cash_trend(cooperative_id: int, as_of: date) -> list[tuple[str, int]]:
    ids = list(db.session.scalars(sa.select(Account.id).where(Account.cooperative_id == cooperative_id,
                                                              Account.code.in_((chart.KAS, chart.BANK)))))
    return _series(cooperative_id, ids, month_ends(as_of, 6), 1)


def par_trend(cooperative_id: int) -> list[dict]:
    snaps = list(db.session.scalars(sa.select(PortfolioSnapshot).where(PortfolioSnapshot.cooperative_id == cooperative_id)
                                    .order_by(PortfolioSnapshot.as_of.desc()).limit(12)))
    rows = []
    for s in reversed(snaps):
        # PAR in basis points (1/100 %), integer arithmetic, half up
        bp = (s.at_risk * 10_000 * 2 + s.outstanding) // (2 * s.outstanding) if s.outstanding else 0
        rows.append({"label": _label(s.as_of), "at_risk": s.at_risk, "outstanding": s.outstanding, "par_bp": bp,
                     "par_text": f"{bp // 100},{bp % 100:02d} %"})
    return rows


@reads_replica
def dashboard(cooperative_id: int, as_of: date) -> dict:
    by_class = portfolio_by_class(cooperative_id, as_of)
    training = funnel(cooperative_id, as_of)
    head = db.session.get(LedgerHead, cooperative_id)
    par = par_trend(cooperative_id)
    return {
        "savings": savings_growth(cooperative_id, as_of),
        "portfolio": [(CLASS_LABELS.get(k, str(k)), v["outstanding"]) for k, v in sorted(by_class.items())],
        "portfolio_counts": {CLASS_LABELS.get(k, str(k)): v["count"] for k, v in by_class.items()},
        "par": par, "par_chart": [(r["label"], r["par_bp"]) for r in par],
        "cash": cash_position(cooperative_id),
        "cash_trend": cash_trend(cooperative_id, as_of),
        "training": [("Lulus pelatihan", training.get("trained", 0)),
                     ("Mulai usaha", training.get("businesses_started", 0)),
                     ("Ambil pinjaman", training.get("loans_taken", 0)),
                     ("Angsuran lancar", training.get("repaying_on_time", 0))],
        "head_hash": head.head_hash if head else "", "chain_seq": head.chain_seq if head else 0,
    }
