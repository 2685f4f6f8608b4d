"""The demo does not contradict its own jasa simpanan (issue 13 item 7): every account-month's interest
paid equals a recomputation from the account's transactions, done here independently of the service's
queries (day by day from the postings, with the hand-checked arithmetic of ``rules.interest_for_month``)."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from coop import demo
from coop.db import db
from coop.ledger.models import JournalEntry, Posting
from coop.savings import rules
from coop.savings.models import SavingsAccount, SavingsInterest

INTEREST = ("savings.interest", "savings.interest_closing", "savings.interest_adjustment")


def _recompute(acc, postings, month_end) -> int:
    start, end = rules.month_bounds(month_end)
    first = max(start, acc.opened_on)
    last = end if acc.closed_on is None else min(end, acc.closed_on - timedelta(days=1))
    if first > last or acc.product.interest_method == "none":
        return 0
    balances, day = [], start
    bal = sum(amount for vd, amount, _ in postings if vd < start)
    while day <= end:
        bal += sum(amount for vd, amount, source in postings if vd == day and source not in INTEREST)
        if first <= day <= last:
            balances.append(bal)
        day += timedelta(days=1)
    rate = acc.rate if acc.kind == "berjangka" and acc.rate is not None else acc.product.interest_rate
    return rules.interest_for_month(acc.product.interest_method, Decimal(rate), balances, (end - start).days + 1)


def test_demo_interest_matches_a_recomputation_of_every_account_month(app, today):
    """Does every (account, month) of the demo whose interest ran -- berjangka deposits opened in the past,
    the resignation, transactions of other areas -- carry exactly the recomputed gross, with none missing?"""
    coop = demo._load("rahasia-demo-1", today, echo=lambda *_: None)
    runs = sorted(db.session.scalars(sa.select(JournalEntry.value_date).distinct().where(
        JournalEntry.cooperative_id == coop.id, JournalEntry.source == "savings.interest")))
    assert len(runs) >= 12
    accounts = list(db.session.scalars(sa.select(SavingsAccount).where(SavingsAccount.cooperative_id == coop.id)))
    postings = defaultdict(list)
    for acc_id, vd, amount, source in db.session.execute(
            sa.select(Posting.account_id, JournalEntry.value_date, Posting.credit - Posting.debit, JournalEntry.source)
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(JournalEntry.cooperative_id == coop.id)):
        postings[acc_id].append((vd, int(amount), source))
    paid = defaultdict(int)
    for acc_id, end, gross in db.session.execute(
            sa.select(SavingsInterest.account_id, SavingsInterest.month_end, SavingsInterest.gross)
            .where(SavingsInterest.cooperative_id == coop.id)):
        paid[(acc_id, end)] += int(gross)
    checked, differ, earning_berjangka = 0, [], 0
    for acc in accounts:
        for end in runs:
            expected = _recompute(acc, postings[acc.ledger_account_id], end)
            if expected or paid.get((acc.id, end)):
                checked += 1
                if expected != paid.get((acc.id, end), 0):
                    differ.append((acc.account_number, end, expected, paid.get((acc.id, end), 0)))
                if acc.kind == "berjangka" and expected:
                    earning_berjangka += 1
    assert differ == []
    # the demo's history starts on 1 January of last year: about 45-60 interest-bearing accounts a month
    assert checked > 30 * len(runs) and earning_berjangka > 0
