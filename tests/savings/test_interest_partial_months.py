"""Jasa simpanan on partial months (DOMAIN.md: interest accrues from the opening day to the closing day;
an account opened on the 31st earns one day whatever the method; an account closed mid-month earns up to
the closing day, paid with the closing). Worked examples checked by hand."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from coop.db import atomic, db
from coop.ledger.models import JournalEntry
from coop.membership import services as membership
from coop.savings import interest, rules
from coop.savings import services as savings
from coop.savings.models import SavingsInterest
from tests.fixtures_ledger import top_up_cash


def _method(coop, method: str, rate: str) -> None:
    p = savings.default_product(coop.id, "sukarela")
    p.interest_method, p.interest_rate = method, Decimal(rate)
    db.session.flush()


def _paid(acc) -> list[tuple[str, date, int, int]]:
    return [(r.kind, r.month_end, r.gross, r.tax) for r in db.session.scalars(
        sa.select(SavingsInterest).where(SavingsInterest.account_id == acc.id).order_by(SavingsInterest.id))]


def test_one_day_in_a_31_day_month_earns_one_day_by_every_method():
    """Rp 100.000.000 at 6 %/yr held one day of January (31 days):
    lowest monthly balance 100.000.000 x 0,06 x 1 / (12 x 31) = 16.129,03 -> Rp 16.129 (not the month's
    Rp 500.000); daily and average daily 100.000.000 x 0,06 x 1 / 365 = 16.438,36 -> Rp 16.438.
    A full month still earns 100.000.000 x 0,06 / 12 = Rp 500.000."""
    six = Decimal("6")
    assert rules.interest_for_month("lowest_monthly_balance", six, [100_000_000], 31) == 16_129
    assert rules.interest_for_month("daily_balance", six, [100_000_000], 31) == 16_438
    assert rules.interest_for_month("average_daily_balance", six, [100_000_000], 31) == 16_438
    assert rules.interest_for_month("lowest_monthly_balance", six, [100_000_000] * 31, 31) == 500_000


def test_lowest_balance_closed_on_the_30th_earns_29_of_31_days():
    """Rp 50.000.000 at 6 %/yr, lowest monthly balance, held 1-29 January (closed on the 30th):
    50.000.000 x 0,06 x 29 / (12 x 31) = 87.000.000 / 372 = 233.870,97 -> Rp 233.871."""
    assert rules.interest_for_month("lowest_monthly_balance", Decimal("6"), [50_000_000] * 29, 31) == 233_871


def test_account_opened_on_the_31st_is_paid_one_day_by_the_monthly_run(coop, make_member, fund):
    """A member joins on 31 January 2025 and deposits Rp 100.000.000 in sukarela (lowest monthly balance,
    6 %/yr). January's run pays 100.000.000 x 0,06 x 1 / 372 = Rp 16.129, untaxed (at most Rp 240.000)."""
    _method(coop, "lowest_monthly_balance", "6")
    m = make_member(coop, joined_on=date(2025, 1, 31))
    fund(m, "sukarela", 100_000_000, date(2025, 1, 31))
    atomic(interest.post_monthly_interest, coop.id, date(2025, 1, 31))
    acc = savings.account_for(coop.id, m.id, "sukarela")
    assert acc.balance == 100_016_129
    assert _paid(acc) == [("monthly", date(2025, 1, 31), 16_129, 0)]


def test_account_closed_on_30_january_earns_29_days_paid_with_the_closing(coop, make_member, fund):
    """Rp 50.000.000 in sukarela (daily balance, 3 %/yr, the default) since December; the member resigns on
    30 January 2026 (December's interest was not run). The closing pays 1-29 January:
    50.000.000 x 0,03 x 29 / 365 = 119.178,08 -> Rp 119.178 (no PPh), dated the closing day and refunded
    with the savings. January's later run pays the closed account nothing more."""
    m = make_member(coop, joined_on=date(2025, 12, 1))
    fund(m, "sukarela", 50_000_000, date(2025, 12, 1))
    atomic(top_up_cash, coop.id, 60_000_000, date(2025, 12, 1))
    acc = savings.account_for(coop.id, m.id, "sukarela")
    s = atomic(membership.resign, coop.id, m.id, date(2026, 1, 30), actor=None)
    assert _paid(acc) == [("closing", date(2026, 1, 31), 119_178, 0)]
    assert dict((a.kind, amt) for a, amt in s.savings)["sukarela"] == 50_119_178
    entry = db.session.scalar(sa.select(JournalEntry).where(JournalEntry.source == "savings.interest_closing"))
    assert entry.value_date == date(2026, 1, 30)
    assert acc.balance == 0
    atomic(interest.post_monthly_interest, coop.id, date(2026, 1, 31))
    assert _paid(acc) == [("closing", date(2026, 1, 31), 119_178, 0)]
