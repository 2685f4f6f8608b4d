"""Remittance figures for a set of cooperatives over a period: a pure read (no writes, no clock), used
by the remittance summary (API and page) and by programme monitoring.

``saved_share`` (API.md: "share still in savings 30 days after receipt"), precisely:

- a remittance counts (is *measured*) when it was received in ``[start, end]`` AND its 30th day after
  receipt (``received_on + 30``) is on or before the horizon: ``end``, or ``as_of`` when that is earlier
  (a remittance whose 30 days have not run yet says nothing about saving);
- what it left saved is ``rules.retained``: the growth of its account's balance from the evening before
  ``received_on`` to the evening of ``received_on + 30``, at least 0 and at most its amount (balances
  from the journal: every posting on the account dated on or before each day);
- ``saved_share`` = sum of what was left saved / sum of the measured amounts, 4 decimals rounded down,
  ``None`` when nothing is measured.

Two remittances to one account close together are each capped at their own amount, so money that
stayed is never counted twice beyond what came in.
"""
from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from coop.ledger.models import JournalEntry, Posting
from coop.remittances import rules
from coop.remittances.models import Remittance
from coop.savings.models import SavingsAccount

CHUNK = 500


def _balances(session: Session, ledger_ids: list[int], upto: date) -> dict[int, tuple[list[date], list[int]]]:
    """{ledger account id: (days, balance on the evening of each day)} from the postings up to ``upto``
    (credit minus debit: savings accounts are credit-normal)."""
    out: dict[int, tuple[list[date], list[int]]] = {}
    for start in range(0, len(ledger_ids), CHUNK):
        rows = session.execute(
            sa.select(Posting.account_id, JournalEntry.value_date, sa.func.sum(Posting.credit - Posting.debit))
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(Posting.account_id.in_(ledger_ids[start:start + CHUNK]), JournalEntry.value_date <= upto)
            .group_by(Posting.account_id, JournalEntry.value_date)
            .order_by(Posting.account_id, JournalEntry.value_date))
        for acc_id, day, delta in rows:
            days, running = out.setdefault(acc_id, ([], []))
            days.append(day)
            running.append((running[-1] if running else 0) + int(delta))
    return out


def _balance_on(series: tuple[list[date], list[int]] | None, day: date) -> int:
    if not series:
        return 0
    i = bisect.bisect_right(series[0], day)
    return series[1][i - 1] if i else 0


def figures(session: Session, cooperative_ids, start: date, end: date, as_of: date | None = None) -> dict:
    """``{"count", "amount", "fee", "by_country": {code: {"count", "amount"}}, "by_channel": {...},
    "saved_share", "measured": {"count", "amount", "saved"}}`` of the remittances received in
    ``[start, end]`` by the cooperatives ``cooperative_ids`` (see the module docstring for saved_share)."""
    ids = list(cooperative_ids)
    rows = session.execute(
        sa.select(Remittance.country, Remittance.channel, Remittance.amount, Remittance.fee, Remittance.received_on,
                  SavingsAccount.ledger_account_id)
        .join(SavingsAccount, SavingsAccount.id == Remittance.savings_account_id)
        .where(Remittance.cooperative_id.in_(ids), Remittance.received_on >= start, Remittance.received_on <= end)
        .order_by(Remittance.received_on, Remittance.id)).all() if ids else []
    by_country: dict[str, dict] = defaultdict(lambda: {"count": 0, "amount": 0})
    by_channel: dict[str, dict] = defaultdict(lambda: {"count": 0, "amount": 0})
    total = fee = 0
    for country, channel, amount, row_fee, _on, _acc in rows:
        total += amount
        fee += row_fee
        for bucket, key in ((by_country, country), (by_channel, channel)):
            bucket[key]["count"] += 1
            bucket[key]["amount"] += amount
    horizon = min(end, as_of) if as_of is not None else end
    after = timedelta(days=rules.SAVED_AFTER_DAYS)
    measured = [r for r in rows if r.received_on + after <= horizon]
    saved = measured_amount = 0
    if measured:
        series = _balances(session, sorted({r.ledger_account_id for r in measured}),
                           max(r.received_on for r in measured) + after)
        for r in measured:
            s = series.get(r.ledger_account_id)
            saved += rules.retained(r.amount, _balance_on(s, r.received_on - timedelta(days=1)),
                                    _balance_on(s, r.received_on + after))
            measured_amount += r.amount
    return {"count": len(rows), "amount": total, "fee": fee,
            "by_country": dict(sorted(by_country.items())), "by_channel": dict(sorted(by_channel.items())),
            "saved_share": rules.share(saved, measured_amount),
            "measured": {"count": len(measured), "amount": measured_amount, "saved": saved}}


def remittance_indicators(session: Session, cooperative_ids, start: date, end: date, *,
                          as_of: date | None = None) -> dict:
    """Programme monitoring: ``{"count", "amount", "by_country", "saved_share"}`` for the cooperatives
    ``cooperative_ids`` over ``[start, end]`` (``by_country``: {ISO code: {"count", "amount"}};
    ``saved_share`` a ``Decimal`` fraction 0..1 or ``None``, defined in the module docstring). Pure read."""
    f = figures(session, cooperative_ids, start, end, as_of)
    return {k: f[k] for k in ("count", "amount", "by_country", "saved_share")}


def by_cooperative(session: Session, cooperative_ids, start: date | None, end: date | None,
                   as_of: date) -> dict[int, dict]:
    """Programme monitoring's per-cooperative figures, in one pass over the remittances of every
    cooperative in ``cooperative_ids`` (a list or a subquery) received in ``[start, end]`` (either open):
    ``{cooperative_id: {"count", "amount", "by_country": {code: count}, "measured", "saved"}}`` where
    ``measured``/``saved`` are the amounts behind ``saved_share`` (module docstring; the horizon is
    ``end`` or ``as_of``, whichever is earlier), kept apart so that shares add up across villages."""
    conds = [Remittance.cooperative_id.in_(cooperative_ids)]
    if start is not None:
        conds.append(Remittance.received_on >= start)
    if end is not None:
        conds.append(Remittance.received_on <= end)
    rows = session.execute(
        sa.select(Remittance.cooperative_id, Remittance.country, Remittance.amount, Remittance.received_on,
                  SavingsAccount.ledger_account_id)
        .join(SavingsAccount, SavingsAccount.id == Remittance.savings_account_id).where(*conds)).all()
    out: dict[int, dict] = {}
    horizon = min(end, as_of) if end is not None else as_of
    after = timedelta(days=rules.SAVED_AFTER_DAYS)
    measured = [r for r in rows if r.received_on + after <= horizon]
    series = (_balances(session, sorted({r.ledger_account_id for r in measured}),
                        max(r.received_on for r in measured) + after) if measured else {})
    for cid, country, amount, _on, _acc in rows:
        fig = out.setdefault(cid, {"count": 0, "amount": 0, "by_country": defaultdict(int), "measured": 0, "saved": 0})
        fig["count"] += 1
        fig["amount"] += amount
        fig["by_country"][country] += 1
    for r in measured:
        s = series.get(r.ledger_account_id)
        out[r.cooperative_id]["measured"] += r.amount
        out[r.cooperative_id]["saved"] += rules.retained(
            r.amount, _balance_on(s, r.received_on - timedelta(days=1)), _balance_on(s, r.received_on + after))
    return out
