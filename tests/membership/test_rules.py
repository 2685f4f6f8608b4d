"""Pure savings arithmetic, with worked examples checked by hand (no database)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from coop.savings import rules

TEN = Decimal("10")


def test_pph_is_zero_at_exactly_240000_and_ten_percent_of_gross_above():
    """Rp 240.000 of interest in a month is untaxed; Rp 240.001 pays 10 % of the WHOLE gross
    (24.000,1 -> Rp 24.000 rounded half up)."""
    assert rules.pph_final(240_000, 240_000, TEN) == 0
    assert rules.pph_final(240_001, 240_000, TEN) == 24_000
    assert rules.pph_final(240_005, 240_000, TEN) == 24_001  # 24.000,5 rounds up


def test_lowest_monthly_balance_gives_exactly_the_threshold():
    """Rp 24.000.000 lowest balance at 12 % a year = 1 % a month = Rp 240.000; Rp 24.000.100 -> 240.001."""
    assert rules.interest_for_month("lowest_monthly_balance", Decimal("12"), [24_000_000] * 30) == 240_000
    assert rules.interest_for_month("lowest_monthly_balance", Decimal("12"), [24_000_100] * 30) == 240_001
    assert rules.interest_for_month("lowest_monthly_balance", Decimal("6"),
                                    [5_000_000] * 10 + [2_000_000] * 20) == 10_000


def test_daily_balance_worked_example():
    """Rp 10.000.000 for 30 days at 3 %: 300.000.000 x 0,03 / 365 = 24.657,53 -> Rp 24.658."""
    assert rules.interest_for_month("daily_balance", Decimal("3"), [10_000_000] * 30) == 24_658


def test_average_daily_balance_worked_example():
    """15 days at Rp 1.000.000, 15 at Rp 2.000.000: average 1.500.000 x 0,03 x 30 / 365 = 3.698,63 -> 3.699."""
    bal = [1_000_000] * 15 + [2_000_000] * 15
    assert rules.interest_for_month("average_daily_balance", Decimal("3"), bal) == 3_699
    # average rounded DOWN first: 1.000.001 average of (1, 2.000.001) over 2 days
    assert rules.interest_for_month("average_daily_balance", Decimal("0"), bal) == 0
    assert rules.interest_for_month("none", Decimal("3"), bal) == 0


def test_daily_balances_apply_movements_on_their_value_date():
    """Do daily balances from 1 to 5 February, opening at 100 with +50 on the 2nd and -30 on the 4th, read
    100, 150, 150, 120, 120?"""
    bal = rules.daily_balances(100, {date(2026, 2, 2): 50, date(2026, 2, 4): -30}, date(2026, 2, 1),
                               date(2026, 2, 5))
    assert bal == [100, 150, 150, 120, 120]


def test_wajib_payment_pays_oldest_month_first():
    """Joined 15 Jan, Rp 20.000 a month, Rp 50.000 paid by 10 June: Jan and Feb paid, March half,
    so 4 months in arrears (Mar..Jun) totalling Rp 70.000; the oldest unpaid month is March."""
    dues = rules.wajib_dues(date(2025, 1, 15), date(2025, 6, 10), 20_000, 50_000)
    assert [d.paid for d in dues] == [20_000, 20_000, 10_000, 0, 0, 0]
    assert rules.arrears(dues) == (4, 70_000)
    assert rules.arrears(dues, before=date(2025, 6, 1)) == (3, 50_000)  # June is not over yet
    assert next(d.period for d in dues if d.outstanding) == date(2025, 3, 1)


def test_split_tax_uses_the_members_total_and_sums_exactly():
    """Two accounts earning 200.000 + 100.000 = 300.000 in a month: the member's total is above the
    threshold, so 30.000 tax split 20.000 / 10.000."""
    assert rules.split_tax({1: 200_000, 2: 100_000}, 240_000, TEN) == {1: 20_000, 2: 10_000}
    assert rules.split_tax({1: 200_000, 2: 40_000}, 240_000, TEN) == {1: 0, 2: 0}


@given(st.dictionaries(st.integers(1, 50), st.integers(0, 10_000_000), min_size=1, max_size=6))
def test_split_tax_parts_always_sum_to_the_tax_on_the_total(grosses):
    """For any split of gross interest over up to six accounts, do the non-negative tax parts sum to the final
    PPh on the total (threshold 240.000, rate 10 %)?"""
    parts = rules.split_tax(grosses, 240_000, TEN)
    assert sum(parts.values()) == rules.pph_final(sum(grosses.values()), 240_000, TEN)
    assert all(v >= 0 for v in parts.values())


@given(st.integers(0, 10**12), st.integers(0, 10**12))
def test_pph_never_exceeds_the_rate(gross, threshold):
    """For any gross and threshold, is the final PPh between 0 and a tenth of the gross (plus 1 for rounding),
    and zero exactly when the gross is at most the threshold or under 5?"""
    tax = rules.pph_final(gross, threshold, TEN)
    assert 0 <= tax <= gross // 10 + 1
    assert (tax == 0) == (gross <= threshold or gross < 5)


def test_add_months_clips_to_month_end_and_adulthood():
    """Does add_months clip to the month's end (31 Jan 2026 + 1 = 28 Feb; 30 Nov 2026 + 14 = 30 Jan 2028), and
    is a person adult from their 17th birthday (born 29 Feb 2008: adult on 1 Mar 2025, not on 28 Feb 2025;
    born 27 Nov 2009: adult on 27 Nov 2026, one born a day later not)?"""
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rules.add_months(date(2026, 11, 30), 14) == date(2028, 1, 30)
    assert rules.is_adult(date(2008, 2, 29), date(2025, 3, 1))
    assert not rules.is_adult(date(2008, 2, 29), date(2025, 2, 28))
    assert rules.is_adult(date(2009, 11, 27), date(2026, 11, 27))
    assert not rules.is_adult(date(2009, 11, 28), date(2026, 11, 27))


def test_months_covered_by_a_payment_follow_each_months_amount():
    """Dues 20.000 until March, 25.000 from April; paid total raised from 50.000 to 110.000 covers
    the rest of March (10.000), April (25.000) and May (25.000)."""
    def amount_of(m):
        return 20_000 if m < date(2025, 4, 1) else 25_000
    assert rules.months_covered(date(2025, 1, 2), amount_of, 50_000, 110_000) == [
        date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)]
    assert rules.months_covered(date(2025, 1, 2), amount_of, 60_000, 60_000) == []
