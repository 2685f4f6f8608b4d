"""What jasa simpanan an account-month earns, what was paid for it, and the entry that settles the
difference (DOMAIN.md, Cooperative law and savings).

Interest accrues from the opening day to the day before the closing day (the closing day's end-of-day
balance is after the payout), so a partial first or last month earns for the days held. Every posting
of interest writes :class:`SavingsInterest` rows (gross and PPh per account and month), so one
function serves the month's run, a closing (paid with the closing) and a backdated transaction in a
month whose interest already ran (the difference is posted as an adjustment, PPh recomputed on the
member's month total): :func:`settle` posts ``expected - recorded``.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

import sqlalchemy as sa

from coop import settings
from coop.db import db, utcnow
from coop.ledger import chart
from coop.ledger.models import JournalEntry, Posting
from coop.ledger.services import Line, account_by_code, entry_dates_since, lock_head, post_entry
from coop.savings import rules
from coop.savings.models import SavingsAccount, SavingsInterest, SavingsProduct

#: Entry sources that carry interest: a month's own interest never earns interest in that month.
MONTHLY_SOURCE = "savings.interest"
CLOSING_SOURCE = "savings.interest_closing"
ADJUSTMENT_SOURCE = "savings.interest_adjustment"
INTEREST_SOURCES = (MONTHLY_SOURCE, CLOSING_SOURCE, ADJUSTMENT_SOURCE)
MONTHLY_KEY = "savings.interest:"


def held_days(acc: SavingsAccount, start: date, end: date) -> tuple[date, date] | None:
    """First and last day of ``start..end`` on which the account earns, or None."""
    first = max(start, acc.opened_on)
    last = end if acc.closed_on is None else min(end, acc.closed_on - timedelta(days=1))
    return (first, last) if first <= last else None


def interest_accounts(cooperative_id: int, month_end: date) -> list[SavingsAccount]:
    """Interest-bearing accounts held on some day of the month ending ``month_end``."""
    start, end = rules.month_bounds(month_end)
    return list(db.session.scalars(
        sa.select(SavingsAccount).join(SavingsProduct, SavingsProduct.id == SavingsAccount.product_id)
        .where(SavingsAccount.cooperative_id == cooperative_id, SavingsAccount.opened_on <= end,
               sa.or_(SavingsAccount.closed_on.is_(None), SavingsAccount.closed_on > start),
               SavingsProduct.interest_method != "none")
        .order_by(SavingsAccount.id)))


def _rate(acc: SavingsAccount) -> Decimal:
    return Decimal(acc.rate if acc.kind == "berjangka" and acc.rate is not None else acc.product.interest_rate)


def gross_by_account(accounts: Iterable[SavingsAccount], month_end: date) -> dict[int, int]:
    """Gross interest each account earns in the month ending ``month_end``, from its postings
    (two queries per 500 accounts). Accounts earning nothing map to 0."""
    start, end = rules.month_bounds(month_end)
    accts = [a for a in accounts if a.product.interest_method != "none" and held_days(a, start, end)]
    out = {a.id: 0 for a in accounts}
    opening: dict[int, int] = defaultdict(int)
    moves: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    per_coop: dict[int, list[int]] = defaultdict(list)
    for a in accts:
        per_coop[a.cooperative_id].append(a.ledger_account_id)
    chunks = [(cid, ids[i:i + 500]) for cid, ids in per_coop.items() for i in range(0, len(ids), 500)]
    for cid, chunk in chunks:
        for acc_id, total in db.session.execute(
                sa.select(Posting.account_id, sa.func.sum(Posting.credit - Posting.debit))
                .join(JournalEntry, JournalEntry.id == Posting.entry_id)
                .where(Posting.account_id.in_(chunk), JournalEntry.value_date < start)
                .group_by(Posting.account_id)):
            opening[acc_id] = int(total)
        for acc_id, vd, total in db.session.execute(
                sa.select(Posting.account_id, JournalEntry.value_date, sa.func.sum(Posting.credit - Posting.debit))
                .join(JournalEntry, JournalEntry.id == Posting.entry_id)
                # the cooperative bounds the month's entries: on PostgreSQL the same statement text comes
                # back for every cooperative, psycopg prepares it, and the generic plan of the date range
                # alone hashed EVERY cooperative's entries of the month (317 ms a call at 370 cooperatives,
                # growing with their number: a month end quadratic in the cooperatives; issue 20)
                .where(JournalEntry.cooperative_id == cid, Posting.account_id.in_(chunk),
                       JournalEntry.value_date >= start, JournalEntry.value_date <= end,
                       JournalEntry.source.not_in(INTEREST_SOURCES))
                .group_by(Posting.account_id, JournalEntry.value_date)):
            moves[acc_id][vd] = int(total)
    days_in_month = (end - start).days + 1
    for acc in accts:
        held_range = held_days(acc, start, end)
        assert held_range is not None, "accts keeps only accounts held in the month"
        first, last = held_range
        balances = rules.daily_balances(opening[acc.ledger_account_id], moves[acc.ledger_account_id], start, end)
        held = balances[(first - start).days:(last - start).days + 1]
        out[acc.id] = rules.interest_for_month(acc.product.interest_method, _rate(acc), held, days_in_month)
    return out


def recorded(cooperative_id: int, member_ids: Iterable[int], month_end: date) -> dict[int, tuple[int, int]]:
    """``{account_id: (gross, tax)}`` already paid for the month to the members' accounts."""
    member_ids = list(set(member_ids))
    out: dict[int, tuple[int, int]] = {}
    for i in range(0, len(member_ids), 500):
        for acc_id, gross, tax in db.session.execute(
                sa.select(SavingsInterest.account_id, sa.func.sum(SavingsInterest.gross),
                          sa.func.sum(SavingsInterest.tax))
                .where(SavingsInterest.cooperative_id == cooperative_id,
                       SavingsInterest.member_id.in_(member_ids[i:i + 500]),
                       SavingsInterest.month_end == month_end)
                .group_by(SavingsInterest.account_id)):
            out[acc_id] = (int(gross), int(tax))
    return out


def payee_ledger(cooperative_id: int, acc: SavingsAccount, cache: dict[int, int | None]) -> int:
    """Where an account's interest is credited: itself, or for berjangka the member's sukarela.
    ``cache``: member id -> the sukarela's ledger account id (None: the member has none)."""
    if acc.kind != "berjangka":
        return acc.ledger_account_id
    if acc.member_id not in cache:
        cache[acc.member_id] = db.session.scalar(
            sa.select(SavingsAccount.ledger_account_id).where(
                SavingsAccount.cooperative_id == cooperative_id, SavingsAccount.member_id == acc.member_id,
                SavingsAccount.kind == "sukarela")
            .order_by((SavingsAccount.status == "closed"), SavingsAccount.id).limit(1))
    return cache[acc.member_id] or acc.ledger_account_id


def _differences(cooperative_id: int, accounts: list[SavingsAccount], month_end: date) -> list[tuple]:
    """``[(account, gross difference, tax difference)]`` between what ``accounts`` earn in the month ending
    ``month_end`` and what was paid for it, PPh recomputed on each member's month total (reads only)."""
    _, end = rules.month_bounds(month_end)
    expected = gross_by_account(accounts, end)
    paid = recorded(cooperative_id, (a.member_id for a in accounts), end)
    by_id = {a.id: a for a in accounts}
    missing = [i for i in paid if i not in by_id]
    if missing:
        for a in db.session.scalars(sa.select(SavingsAccount).where(SavingsAccount.id.in_(missing))):
            by_id[a.id] = a
    new_gross = {i: expected.get(i, paid.get(i, (0, 0))[0]) for i in by_id}
    threshold = settings.get_int(cooperative_id, "pph_savings_interest_threshold", end)
    pph_rate = settings.get_decimal(cooperative_id, "pph_savings_interest_rate", end)
    per_member: dict[int, dict[int, int]] = defaultdict(dict)
    for i, g in new_gross.items():
        per_member[by_id[i].member_id][i] = g
    new_tax: dict[int, int] = {}
    for grosses in per_member.values():
        new_tax.update(rules.split_tax(grosses, threshold, pph_rate))
    rows: list = []
    for i in sorted(by_id):
        g0, t0 = paid.get(i, (0, 0))
        dg, dt = new_gross[i] - g0, new_tax[i] - t0
        if dg or dt:
            rows.append((by_id[i], dg, dt))
    return rows


def settle(cooperative_id: int, accounts: list[SavingsAccount], month_end: date, *, kind: str,
           value_date: date, memo: str, idempotency_key: str | None = None, actor=None) -> dict:
    """Post the difference between what ``accounts`` earn in the month and what was paid for it.

    PPh final is recomputed on each member's month total (all their accounts, paid or not in this
    call: PP 15/2009's threshold is per member and month) and split over the accounts by
    :func:`rules.split_tax`; the entry carries the differences of gross, tax and net, signed.

    The ledger's chain head is locked BEFORE the balances and what was paid are read (they are read at
    the head, as the posting is written): a backdated posting into the month that committed first is
    counted here, and one that commits after waits for this entry and sees the month as run (it posts
    its own adjustment). Read before the lock, a posting committing in between would be in neither.

    :returns: ``{"entry", "accounts", "gross", "tax"}`` (``entry`` None when nothing differs).
    """
    _, end = rules.month_bounds(month_end)
    lock_head(cooperative_id)
    rows = _differences(cooperative_id, accounts, end)
    # one pass over the rows: each payee's net and the accounts it pays for (in account order), so a month
    # of thousands of accounts costs the same per account as a month of ten
    net_by_payee: dict[int, int] = defaultdict(int)
    names_by_payee: dict[int, list[str]] = defaultdict(list)
    cache: dict[int, int | None] = {}
    for acc, dg, dt in rows:
        payee = payee_ledger(cooperative_id, acc, cache)
        net_by_payee[payee] += dg - dt
        names_by_payee[payee].append(f"jasa {acc.account_number} {dg} pph {dt}")
    gross = sum(r[1] for r in rows)
    tax = sum(r[2] for r in rows)
    if not rows:
        return {"entry": None, "accounts": 0, "gross": 0, "tax": 0}
    expense = account_by_code(cooperative_id, chart.BEBAN_JASA_SIMPANAN).id
    lines = [Line.dr(expense, gross) if gross > 0 else Line.cr(expense, -gross)] if gross else []
    for payee, net in net_by_payee.items():
        if net:
            names = " ".join(names_by_payee[payee])
            lines.append(Line.cr(payee, net, names[:200]) if net > 0 else Line.dr(payee, -net, names[:200]))
    if tax:
        utang = account_by_code(cooperative_id, chart.UTANG_PPH).id
        lines.append(Line.cr(utang, tax, "PPh final jasa simpanan") if tax > 0
                     else Line.dr(utang, -tax, "PPh final jasa simpanan"))
    source = {"monthly": MONTHLY_SOURCE, "closing": CLOSING_SOURCE}.get(kind, ADJUSTMENT_SOURCE)
    entry = post_entry(cooperative_id, lines, actor=actor, memo=memo, value_date=value_date,
                       idempotency_key=idempotency_key, source=source, source_ref=f"{end:%Y-%m}")
    # the per-account record in one Core INSERT (one executemany), not an ORM object flushed per account
    now = utcnow()
    db.session.execute(sa.insert(cast(sa.Table, SavingsInterest.__table__)), [
        {"cooperative_id": cooperative_id, "account_id": acc.id, "member_id": acc.member_id, "month_end": end,
         "gross": dg, "tax": dt, "kind": kind, "entry_id": entry.id, "created_at": now} for acc, dg, dt in rows])
    return {"entry": entry, "accounts": len(rows), "gross": gross, "tax": tax}


def months_run_since(cooperative_id: int, day: date) -> list[date]:
    """Month ends, from ``day``'s month on, whose monthly interest run was posted (oldest first)."""
    db.session.flush()  # as the ORM's autoflush would: entries of this unit of work count
    return entry_dates_since(cooperative_id, *runs_since(day))


def runs_since(day: date) -> tuple[str, date]:
    """``post_entry``'s ``dated_since`` for :func:`adjust_backdated`: the monthly runs from ``day``'s month on,
    read under the ledger's head lock in the posting's own statement (no statement of their own while
    every other posting of the cooperative waits for the head)."""
    return MONTHLY_SOURCE, rules.month_bounds(day)[0]


def adjust_backdated(cooperative_id: int, accounts: list[SavingsAccount], value_date: date, *, actor,
                     months: list[date] | None = None) -> list:
    """After a transaction dated ``value_date``: post the interest difference of every month whose
    interest already ran, oldest first (each month's adjustment is dated its month end, so the next
    month's balances include it, as in a replay). :returns: the adjustment entries.

    ``months``: those month ends (:func:`months_run_since`), when the caller read them with its posting
    (``post_entry(..., dated_since=runs_since(value_date))``: under the head lock, so a run that committed
    before the posting is seen and one that commits after it includes the posting); else read here."""
    entries = []
    for end in months_run_since(cooperative_id, value_date) if months is None else months:
        r = settle(cooperative_id, accounts, end, kind="adjustment", value_date=end, actor=actor,
                   memo=f"Koreksi jasa simpanan {end:%m/%Y} (transaksi tanggal {value_date:%d-%m-%Y})")
        if r["entry"] is not None:
            entries.append(r["entry"])
    return entries


def pay_closing(cooperative_id: int, accounts: list[SavingsAccount], closed_on: date, *, actor) -> list:
    """Interest of accounts closing on ``closed_on`` (``closed_on`` already set on them), paid with the
    closing and dated that day: the closing month up to the day before, and the difference of any
    later month that already ran (a backdated closing gives back what those months paid)."""
    entries = []
    months = sorted({rules.month_bounds(closed_on)[1], *months_run_since(cooperative_id, closed_on)})
    for end in months:
        numbers = ",".join(str(a.id) for a in accounts)
        r = settle(cooperative_id, accounts, end, kind="closing" if end == months[0] else "adjustment",
                   value_date=closed_on, actor=actor, idempotency_key=f"savings.interest_closing:{numbers}:{end:%Y-%m}",
                   memo=f"Jasa simpanan {end:%m/%Y} saat penutupan rekening")
        if r["entry"] is not None:
            entries.append(r["entry"])
    return entries


def closing_preview(cooperative_id: int, accounts: list[SavingsAccount], closed_on: date) -> dict[int, int]:
    """``{ledger account id: net interest}`` that :func:`pay_closing` would credit if ``accounts`` closed on
    ``closed_on``: nothing is written (the resignation preview shows the refund the member will get)."""
    saved = [(a, a.closed_on) for a in accounts]
    out: dict[int, int] = defaultdict(int)
    cache: dict[int, int | None] = {}
    with db.session.no_autoflush:
        try:
            for a in accounts:
                a.closed_on = closed_on
            for end in sorted({rules.month_bounds(closed_on)[1], *months_run_since(cooperative_id, closed_on)}):
                for acc, dg, dt in _differences(cooperative_id, accounts, end):
                    out[payee_ledger(cooperative_id, acc, cache)] += dg - dt
        finally:
            for a, was in saved:
                a.closed_on = was
    return dict(out)


def reconcile(cooperative_id: int, since: date | None = None, *, actor=None) -> str:
    """Settle every month whose interest ran (from ``since``'s month), oldest first: posts the difference
    left by transactions that other areas posted on savings accounts with an earlier date (a loan
    disbursed into sukarela, an SHU payout), dated each month's end. Idempotent: a second call posts
    nothing."""
    months = months_run_since(cooperative_id, since or date.min)
    changed = 0
    for end in months:
        r = settle(cooperative_id, interest_accounts(cooperative_id, end), end, kind="adjustment",
                   value_date=end, actor=actor, memo=f"Koreksi jasa simpanan {end:%m/%Y}")
        changed += r["accounts"]
    return f"jasa simpanan: {len(months)} bulan diperiksa, {changed} rekening dikoreksi"
