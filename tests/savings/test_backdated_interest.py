"""Backdated postings in a month whose interest already ran (issue 13 item 7): the interest difference is
posted as an adjustment entry dated that month's end, with PPh recomputed on the member's month total
(DOMAIN.md is silent; a cash desk must be able to record a forgotten slip). Worked examples by hand."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from coop.db import atomic, db
from coop.ledger import chart
from coop.ledger.models import JournalEntry
from coop.ledger.services import account_by_code
from coop.reports import withholding
from coop.savings import interest
from coop.savings import services as savings
from coop.savings.models import SavingsInterest


def _paid(acc) -> tuple[int, int]:
    gross, tax = db.session.execute(sa.select(sa.func.sum(SavingsInterest.gross), sa.func.sum(SavingsInterest.tax))
                                    .where(SavingsInterest.account_id == acc.id)).one()
    return int(gross or 0), int(tax or 0)


def test_forgotten_deposit_in_june_posts_the_june_interest_difference(coop, make_member, fund):
    """Daily balance at 3 %/yr. Rp 10.000.000 all June: the run pays 300.000.000 x 0,03 / 365 = Rp 24.658.
    A slip of Rp 5.000.000 dated 16 June is recorded later: June's balances are 10 jt for 15 days and 15 jt
    for 15 days, (150.000.000 + 225.000.000) x 0,03 / 365 = 30.821,92 -> Rp 30.822, so an adjustment of
    Rp 6.164 is posted on 30 June (still untaxed)."""
    m = make_member(coop)
    fund(m, "sukarela", 10_000_000, date(2025, 5, 31))
    atomic(interest.post_monthly_interest, coop.id, date(2025, 6, 30))
    acc = savings.account_for(coop.id, m.id, "sukarela")
    assert _paid(acc) == (24_658, 0)
    atomic(savings.deposit, coop.id, acc.id, 5_000_000, actor=None, value_date=date(2025, 6, 16))
    assert _paid(acc) == (30_822, 0)
    adj = db.session.scalar(sa.select(JournalEntry).where(JournalEntry.source == "savings.interest_adjustment"))
    assert adj.value_date == date(2025, 6, 30)
    assert acc.balance == 15_000_000 + 30_822
    assert [r["gross"] for r in interest.compute_interest(coop.id, date(2025, 6, 30))] == [30_822]


def test_backdated_deposit_that_crosses_the_pph_threshold_recomputes_the_tax(coop, make_member, fund):
    """Lowest monthly balance at 12 %/yr: Rp 24.000.000 in February earns exactly Rp 240.000, untaxed.
    A Rp 100 deposit dated 1 February raises the lowest balance to 24.000.100: Rp 240.001, over the
    threshold, so PPh is 10 % of the whole gross = Rp 24.000. The adjustment: gross +1, PPh +24.000,
    the member's account -23.999 (balance 24.000.000 + 240.000 + 100 - 23.999 = 24.216.101)."""
    p = savings.default_product(coop.id, "sukarela")
    p.interest_method, p.interest_rate = "lowest_monthly_balance", Decimal("12")
    db.session.flush()
    m = make_member(coop)
    fund(m, "sukarela", 24_000_000, date(2025, 1, 20))
    atomic(interest.post_monthly_interest, coop.id, date(2025, 2, 28))
    acc = savings.account_for(coop.id, m.id, "sukarela")
    assert _paid(acc) == (240_000, 0)
    atomic(savings.deposit, coop.id, acc.id, 100, actor=None, value_date=date(2025, 2, 1))
    assert _paid(acc) == (240_001, 24_000)
    assert acc.balance == 24_216_101
    assert account_by_code(coop.id, chart.UTANG_PPH).natural_balance() == 24_000


def test_backdated_withdrawal_claws_back_every_month_run_since(coop, make_member, fund):
    """Daily balance at 3 %/yr, Rp 10.000.000 from 31 May; June and July run (June Rp 24.658 credited
    on 30 June; July (10.024.658 x 31) x 0,03 / 365 = 25.542,27 -> Rp 25.542). A withdrawal of
    Rp 2.000.000 dated 1 July recorded later: July becomes (8.024.658 x 31) x 0,03 / 365 = 20.446,39
    -> Rp 20.446, an adjustment of -5.096; June is untouched (the withdrawal is after it)."""
    m = make_member(coop)
    fund(m, "sukarela", 10_000_000, date(2025, 5, 31))
    atomic(interest.post_monthly_interest, coop.id, date(2025, 6, 30))
    atomic(interest.post_monthly_interest, coop.id, date(2025, 7, 31))
    acc = savings.account_for(coop.id, m.id, "sukarela")
    assert _paid(acc) == (24_658 + 25_542, 0)
    atomic(savings.withdraw, coop.id, acc.id, 2_000_000, actor=None, value_date=date(2025, 7, 1))
    assert _paid(acc) == (24_658 + 20_446, 0)
    assert acc.balance == 8_000_000 + 24_658 + 20_446


def test_a_deposit_dated_after_the_last_run_posts_no_adjustment(coop, make_member, fund):
    """A deposit in a month whose interest has not run yet changes nothing already paid."""
    m = make_member(coop)
    fund(m, "sukarela", 10_000_000, date(2025, 5, 31))
    atomic(interest.post_monthly_interest, coop.id, date(2025, 6, 30))
    acc = savings.account_for(coop.id, m.id, "sukarela")
    atomic(savings.deposit, coop.id, acc.id, 5_000_000, actor=None, value_date=date(2025, 7, 1))
    assert _paid(acc) == (24_658, 0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(
        JournalEntry.source == "savings.interest_adjustment")) == 0


def test_the_bukti_potong_of_a_corrected_month_shows_the_recomputed_tax(coop, make_member, fund):
    """The February case above as the member's withholding slip: before the backdated Rp 100 the slip
    says gross 240.000, PPh 0 (rate 0 %); after it, the same slip number says gross 240.001, PPh 24.000,
    net 216.001, and the month's totals agree with what the entries credited to 2401 (24.000)."""
    p = savings.default_product(coop.id, "sukarela")
    p.interest_method, p.interest_rate = "lowest_monthly_balance", Decimal("12")
    db.session.flush()
    m = make_member(coop)
    fund(m, "sukarela", 24_000_000, date(2025, 1, 20))
    atomic(interest.post_monthly_interest, coop.id, date(2025, 2, 28))
    acc = savings.account_for(coop.id, m.id, "sukarela")
    [before] = withholding.slips(coop.id, 2025, 2)
    assert (before.gross, before.tax, before.net, before.rate_percent) == (240_000, 0, 240_000, Decimal(0))
    atomic(savings.deposit, coop.id, acc.id, 100, actor=None, value_date=date(2025, 2, 1))
    [after] = withholding.slips(coop.id, 2025, 2)
    assert after.number == before.number
    assert (after.gross, after.tax, after.net) == (240_001, 24_000, 216_001)
    feb = withholding.monthly_totals(coop.id, 2025)[1]
    assert (feb["gross"], feb["tax"], feb["ledger_tax"]) == (240_001, 24_000, 24_000)
