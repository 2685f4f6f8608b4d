"""Pure loan rules: allocation order, penalties, collectibility at exactly the threshold day, PPAP, NPL."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from coop.loans import rules
from coop.loans.rules import Due


def test_default_allocation_settles_oldest_instalment_first_penalty_fee_interest_principal():
    """Paying 900.000 against two late instalments (each 750.000 + 90.000 interest, the first with
    8.400 penalty): the first is settled fully (8.400 + 90.000 + 750.000 = 848.400), the remaining
    51.600 goes to the second's interest."""
    dues = [Due(2, date(2026, 3, 5), interest=90_000, principal=750_000),
            Due(1, date(2026, 2, 5), penalty=8_400, interest=90_000, principal=750_000)]
    res = rules.allocate(900_000, dues)
    assert [(a.number, a.component, a.amount) for a in res.allocations] == [
        (1, "penalty", 8_400), (1, "interest", 90_000), (1, "principal", 750_000), (2, "interest", 51_600)]
    assert res.unapplied == 0
    assert res.by_component() == {"penalty": 8_400, "fee": 0, "interest": 141_600, "principal": 750_000}


def test_component_strategy_pays_all_interest_before_any_principal():
    """Does the component strategy allocate Rp 200.000 to interest 90.000 of instalment 1, interest 90.000 of
    instalment 2, then principal 20.000 of instalment 1?"""
    dues = [Due(1, date(2026, 2, 5), interest=90_000, principal=750_000),
            Due(2, date(2026, 3, 5), interest=90_000, principal=750_000)]
    res = rules.allocate(200_000, dues, "interest,principal,penalty,fee", "component")
    assert [(a.number, a.component, a.amount) for a in res.allocations] == [
        (1, "interest", 90_000), (2, "interest", 90_000), (1, "principal", 20_000)]


def test_overpayment_is_left_unapplied():
    """Is Rp 1.000 paid against 300 interest + 500 principal allocated with 200 left unapplied?"""
    res = rules.allocate(1_000, [Due(1, date(2026, 1, 1), interest=300, principal=500)])
    assert res.unapplied == 200


def test_allocation_order_must_name_every_component_once():
    """Is an allocation order that names only interest and principal refused with ValueError?"""
    with pytest.raises(ValueError):
        rules.parse_order("interest,principal")


KOPERASI4_MONTHLY = (None, *rules.DEFAULT_THRESHOLDS["monthly"])  # (DPK, KL, D, M) = (-, 90, 180, 810)
BANK5 = (0, 90, 120, 180)  # the settings' defaults for the bank scheme


@pytest.mark.parametrize("dpd,klass", [(0, 1), (1, 1), (90, 1), (91, 3), (180, 3), (181, 4), (810, 4), (811, 5)])
def test_monthly_collectibility_changes_the_day_after_each_threshold(dpd, klass):
    """4-class scheme (scale 1 L, 3 KL, 4 D, 5 M; never 2): Lancar up to 3 months (90 days) late, Kurang
    Lancar from day 91, Diragukan from day 181, Macet from 811."""
    assert rules.collectibility(dpd, KOPERASI4_MONTHLY) == klass


@pytest.mark.parametrize("dpd,klass", [(30, 1), (31, 3), (60, 3), (61, 4), (690, 4), (691, 5)])
def test_weekly_collectibility_thresholds(dpd, klass):
    """Under the weekly thresholds, is a loan class 1 at 30 days past due, 3 at 31 and 60, 4 at 61 and 690,
    and 5 at 691?"""
    assert rules.collectibility(dpd, (None, *rules.DEFAULT_THRESHOLDS["weekly"])) == klass


@pytest.mark.parametrize("dpd,klass", [(0, 1), (1, 2), (90, 2), (91, 3), (120, 3), (121, 4), (180, 4), (181, 5)])
def test_bank_scheme_has_dpk_from_the_first_day_late(dpd, klass):
    """5-class scheme: Lancar on time, DPK 1-90 days past due, KL 91-120, D 121-180, Macet from day 181."""
    assert rules.collectibility(dpd, BANK5) == klass


def test_the_same_90_and_91_days_late_differ_by_scheme():
    """90 days late: Lancar in the 4-class scheme, DPK in the bank scheme; 91 days: KL in both."""
    assert [rules.CLASSES[rules.collectibility(90, th)] for th in (KOPERASI4_MONTHLY, BANK5)] == [
        "Lancar", "Dalam Perhatian Khusus"]
    assert {rules.collectibility(91, th) for th in (KOPERASI4_MONTHLY, BANK5)} == {rules.KURANG_LANCAR}


def test_penalties():
    """Default 1 % of the overdue 840.000 after 15 grace days = 8.400 once; per day every day; fixed once."""
    kw = {"overdue": 840_000, "grace_days": 15, "percent": D("1"), "fixed": 25_000}
    assert rules.penalty_today("percent_overdue", dpd=15, already_charged=False, **kw) == 0
    assert rules.penalty_today("percent_overdue", dpd=16, already_charged=False, **kw) == 8_400
    assert rules.penalty_today("percent_overdue", dpd=17, already_charged=True, **kw) == 0
    assert rules.penalty_today("percent_per_day", dpd=40, already_charged=True, **kw) == 8_400
    assert rules.penalty_today("fixed", dpd=16, already_charged=False, **kw) == 25_000
    assert rules.penalty_today("none", dpd=99, already_charged=False, **kw) == 0


def test_days_past_due_counts_from_the_oldest_unpaid_instalment():
    """Are days past due 0 on the due date, 30 on 7 March for a 5 February due date, and 0 when nothing is
    unpaid?"""
    assert rules.days_past_due(date(2026, 2, 5), date(2026, 2, 5)) == 0
    assert rules.days_past_due(date(2026, 2, 5), date(2026, 3, 7)) == 30
    assert rules.days_past_due(None, date(2026, 3, 7)) == 0


def test_next_action_date_is_the_next_day_anything_changes():
    """Nothing late: the day after the next due date. Late (monthly, penalty once after 15 days, not yet
    charged): the penalty day comes first."""
    th = KOPERASI4_MONTHLY
    assert rules.next_action_date(as_of=date(2026, 1, 10), unpaid_due_dates=[date(2026, 2, 5)], thresholds=th,
                                  penalty_kind="percent_overdue", grace_days=15,
                                  uncharged_overdue_due_dates=[]) == date(2026, 2, 6)
    assert rules.next_action_date(as_of=date(2026, 2, 6), unpaid_due_dates=[date(2026, 2, 5), date(2026, 3, 5)],
                                  thresholds=th, penalty_kind="percent_overdue", grace_days=15,
                                  uncharged_overdue_due_dates=[date(2026, 2, 5)]) == date(2026, 2, 21)
    assert rules.next_action_date(as_of=date(2026, 2, 6), unpaid_due_dates=[], thresholds=th,
                                  penalty_kind="none", grace_days=0, uncharged_overdue_due_dates=[]) is None


def test_provision_npl_and_health():
    """PPAP 0.5 / 3 (DPK) / 10 / 50 / 100 %; NPL = (KL+D+M)/total, DPK excluded; 12 % NPL is kurang sehat."""
    rates = rules.DEFAULT_PROVISION_RATES
    assert [rules.provision_required(10_000_000, k, rates) for k in (1, 2, 3, 4, 5)] == [
        50_000, 300_000, 1_000_000, 5_000_000, 10_000_000]
    by_class = {1: 88_000_000, 3: 6_000_000, 4: 4_000_000, 5: 2_000_000}
    assert rules.npl_ratio(by_class) == D("12.00")
    assert rules.health_rating(D("12.00")) == "kurang sehat"
    assert rules.health_rating(D("5")) == "sehat" and rules.health_rating(D("15.01")) == "tidak sehat"
    assert rules.risk_weighted_bad_loans(by_class) == 3_000_000 + 3_000_000 + 2_000_000


def test_dpk_is_not_npl():
    """80 M Lancar + 10 M DPK + 10 M KL: NPL is 10 % (KL only), not 20 %; DPK carries no risk weight."""
    by_class = {1: 80_000_000, 2: 10_000_000, 3: 10_000_000}
    assert rules.npl_ratio(by_class) == D("10.00")
    assert rules.risk_weighted_bad_loans(by_class) == 5_000_000


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(amount=st.integers(1, 5_000_000), order=st.permutations(rules.COMPONENTS),
       strategy=st.sampled_from(["instalment", "component"]),
       owed=st.lists(st.tuples(*[st.integers(0, 900_000)] * 4), min_size=1, max_size=6))
def test_allocation_never_over_allocates_and_accounts_for_every_rupiah(amount, order, strategy, owed):
    """Allocated + unapplied == paid; no component gets more than it owes; leftover only when all is paid."""
    dues = [Due(n + 1, date(2026, 1, 1 + n), penalty=p, fee=f, interest=i, principal=pr)
            for n, (p, f, i, pr) in enumerate(owed)]
    res = rules.allocate(amount, dues, ",".join(order), strategy)
    assert sum(a.amount for a in res.allocations) + res.unapplied == amount
    got: dict = {}
    for a in res.allocations:
        got[(a.number, a.component)] = got.get((a.number, a.component), 0) + a.amount
    for d in dues:
        for c in rules.COMPONENTS:
            assert got.get((d.number, c), 0) <= getattr(d, c)
    if res.unapplied:
        assert sum(got.values()) == sum(d.total for d in dues)
