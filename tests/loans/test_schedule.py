"""Worked examples of the pure schedule engine, every number checked by hand, plus invariants."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop.loans.schedule import (
    ScheduleError,
    Terms,
    add_months,
    annuity_payment,
    build_schedule,
    total_interest,
    weekly_instalments,
)


def rows(s):
    return [(i.principal, i.interest, i.total) for i in s]


def test_flat_9_million_at_1_percent_for_12_months_is_840_000_a_month():
    """DOMAIN.md example: 9.000.000 / 12 = 750.000 principal + 9.000.000 x 1 % = 90.000 interest."""
    s = build_schedule(9_000_000, Terms("flat", D("1"), 12), date(2026, 1, 31))
    assert rows(s) == [(750_000, 90_000, 840_000)] * 12
    assert total_interest(s) == 1_080_000
    # monthly due dates keep the anchor day, clamped to the month's end
    assert [i.due_date for i in s[:3]] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]


def test_flat_rounding_to_100_puts_the_residue_in_the_last_instalment():
    """10.000.000 at 1.5 % x 12: 833.333,33 + 150.000 = 983.333,33 -> 983.300 (half up to Rp 100), so
    principal 833.300 eleven times and the last 10.000.000 - 11 x 833.300 = 833.700 (total 983.700)."""
    s = build_schedule(10_000_000, Terms("flat", D("1.5"), 12), date(2026, 2, 1))
    assert rows(s)[:11] == [(833_300, 150_000, 983_300)] * 11
    assert rows(s)[11] == (833_700, 150_000, 983_700)
    assert sum(i.principal for i in s) == 10_000_000


def test_flat_cumulative_interest_of_exactly_a_half_rounds_up():
    """Does a cumulative flat interest of exactly x,5 round half UP (issue 13)? 48.518.608 at 2,38 % x 12:
    total interest 48.518.608 x 0,0238 x 12 = 13.856.914,4448 -> 13.856.914; cumulative after 2 instalments
    2 x 13.856.914 / 12 = 2.309.485,67 -> 2.309.486, after 3 exactly 3.464.228,5 -> 3.464.229, so instalment
    3 is 3.464.229 - 2.309.486 = 1.154.743 (a 28-digit quotient made it 3.464.228,4999.. -> 1.154.742).
    The total 62.375.522 / 12 = 5.197.960,17 -> 5.198.000; after 4: 4.618.971,33 -> 4.618.971 (1.154.742)."""
    s = build_schedule(48_518_608, Terms("flat", D("2.38"), 12), date(2026, 1, 31))
    assert rows(s)[:4] == [(4_043_257, 1_154_743, 5_198_000)] * 3 + [(4_043_258, 1_154_742, 5_198_000)]
    assert [i.interest for i in s].count(1_154_742) == 2  # instalments 4 and 10 (4.618.971,33 / 11.547.428,33)
    assert total_interest(s) == 13_856_914
    # the last takes the rest: 48.518.608 - 9 x 4.043.257 - 2 x 4.043.258 = 4.042.779
    assert rows(s)[11] == (4_042_779, 1_154_743, 5_197_522)


def test_rounding_up_mode_always_rounds_the_instalment_up():
    """983.333,33 rounded UP to Rp 100 is 983.400; the last takes 10.000.000 - 11 x 833.400 = 832.600."""
    s = build_schedule(10_000_000, Terms("flat", D("1.5"), 12, rounding_mode="up"), date(2026, 2, 1))
    assert s[0].total == 983_400 and s[-1].principal == 832_600


def test_anuitas_worked_example():
    """9.000.000 at 1 % x 12: A = 90.000 / (1 - 1.01^-12) = 799.639,10 -> 799.600.
    Month 1: interest 90.000, principal 709.600; month 2: interest 1 % x 8.290.400 = 82.904,
    principal 716.696. The last: principal = what remains (792.173), interest 7.921,73 -> 7.922."""
    assert annuity_payment(9_000_000, D("0.01"), 12).quantize(D("0.01")) == D("799639.10")
    s = build_schedule(9_000_000, Terms("anuitas", D("1"), 12), date(2026, 1, 31))
    assert rows(s)[:2] == [(709_600, 90_000, 799_600), (716_696, 82_904, 799_600)]
    assert all(i.total == 799_600 for i in s[:11])
    assert (s[-1].principal, s[-1].interest) == (792_173, 7_922)
    assert sum(i.principal for i in s) == 9_000_000
    assert total_interest(s) == 595_695


def test_efektif_worked_example():
    """Efektif (menurun): equal principal 750.000, interest 1 % of the balance before the payment:
    90.000, 82.500, 75.000 ... 7.500; total interest 1 % x 750.000 x (12+11+...+1) = 585.000."""
    s = build_schedule(9_000_000, Terms("efektif", D("1"), 12), date(2026, 1, 31))
    assert [i.interest for i in s] == [90_000 - 7_500 * k for k in range(12)]
    assert all(i.principal == 750_000 for i in s)
    assert total_interest(s) == 585_000


def test_grace_periods_are_interest_only():
    """6.000.000 efektif 1 % x 6 with 2 months principal grace: two instalments of 60.000 interest,
    then 1.500.000 principal with interest 60.000, 45.000, 30.000, 15.000."""
    s = build_schedule(6_000_000, Terms("efektif", D("1"), 6, grace_periods=2), date(2026, 1, 7))
    assert rows(s) == [(0, 60_000, 60_000), (0, 60_000, 60_000), (1_500_000, 60_000, 1_560_000),
                       (1_500_000, 45_000, 1_545_000), (1_500_000, 30_000, 1_530_000),
                       (1_500_000, 15_000, 1_515_000)]


def test_weekly_flat_schedule():
    """5.000.000 flat 2 % a month for 3 months, weekly: 13 weeks (3 x 52 / 12), total interest
    5.000.000 x 2 % x 3 = 300.000, spread by cumulative rounding of 23.076,92 a week (23.077 except
    week 7: 161.538 - 138.462 = 23.076). Instalment 384.615,38 + 23.076,92 = 407.692,31 -> 407.700, so
    principal 384.623 (384.624 in week 7); the last takes 5.000.000 - 4.615.477 = 384.523 principal and
    300.000 - 276.923 = 23.077 interest (total 407.600)."""
    assert weekly_instalments(3) == 13 and weekly_instalments(12) == 52
    s = build_schedule(5_000_000, Terms("flat", D("2"), 3, frequency="weekly"), date(2026, 1, 7))
    assert len(s) == 13
    assert rows(s)[0] == (384_623, 23_077, 407_700)
    assert rows(s)[6] == (384_624, 23_076, 407_700)
    assert all(i.total == 407_700 for i in s[:12])
    assert rows(s)[-1] == (384_523, 23_077, 407_600)
    assert s[1].due_date == date(2026, 1, 14) and s[-1].due_date == date(2026, 4, 1)
    assert total_interest(s) == 300_000


def test_add_months_clamps_to_month_end():
    """Does adding months clamp to the month's end (31 Jan 2026 + 1 = 28 Feb, 31 Jan 2028 + 1 = 29 Feb, 30 Nov
    2026 + 3 = 28 Feb 2027)?"""
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_invalid_terms_are_refused():
    """Is a schedule refused for an unknown method, for grace periods equal to the term, and for a zero
    principal?"""
    with pytest.raises(ScheduleError):
        build_schedule(1_000_000, Terms("bunga_berbunga", D("1"), 12), date(2026, 1, 1))
    with pytest.raises(ScheduleError):
        build_schedule(1_000_000, Terms("flat", D("1"), 3, grace_periods=3), date(2026, 1, 1))
    with pytest.raises(ScheduleError):
        build_schedule(0, Terms("flat", D("1"), 3), date(2026, 1, 1))


@settings(max_examples=150, deadline=None)
@given(principal=st.integers(100_000, 500_000_000), term=st.integers(1, 60),
       method=st.sampled_from(["flat", "efektif", "anuitas"]), rate=st.decimals("0", "4", places=2),
       mult=st.sampled_from([1, 100, 500, 1000]), weekly=st.booleans(), grace=st.integers(0, 3))
def test_schedule_invariants(principal, term, method, rate, mult, weekly, grace):
    """Principal always sums exactly; no negative part; all but the last total are multiples."""
    terms = Terms(method, rate, term, "weekly" if weekly else "monthly", 0, mult)
    n = weekly_instalments(term) if weekly else term
    terms = Terms(method, rate, term, terms.frequency, min(grace, n - 1), mult)
    try:
        s = build_schedule(principal, terms, date(2026, 3, 31))
    except ScheduleError:
        return  # a multiple too coarse for a tiny loan is refused, never mis-booked
    assert len(s) == n
    assert sum(i.principal for i in s) == principal
    assert all(i.principal >= 0 and i.interest >= 0 for i in s)
    assert all(i.total % mult == 0 for i in s[terms.grace_periods:-1])
    assert [i.number for i in s] == list(range(1, n + 1))


@pytest.mark.parametrize("method", ["anuitas", "efektif"])
@pytest.mark.parametrize("multiple", [1, 100, 1_000, 100_000])
def test_an_instalment_that_cannot_cover_its_interest_is_refused_not_a_crash(method, multiple):
    """100 % a month over 178 months on Rp 106.249 (found by schemathesis: a 500): a rounded instalment
    below the month's interest would make the debt grow without end (2^178 overflowed Decimal). The
    schedule is either complete (principal repaid exactly) or refused with ScheduleError, never a crash."""
    terms = Terms(method=method, rate_percent_per_month=D(100), term_months=178, rounding_multiple=multiple)
    try:
        plan = build_schedule(106_249, terms, date(2026, 7, 24))
    except ScheduleError as exc:  # refused with a reason (interest not covered, or the rounding multiple)
        assert str(exc).endswith(".")
    else:
        assert sum(i.principal for i in plan) == 106_249 and all(i.principal >= 0 for i in plan)


def test_schedule_refusal_for_a_growing_debt_is_a_422_over_the_api(coop, users, api):
    """The preview endpoint turns the refusal into a 422 with the reason (the product's rate is legal: up
    to 100 % a month is accepted by the product form)."""
    from coop.db import atomic
    from coop.loans import products

    product = atomic(products.create_product, coop.id, actor=users["manager"], name="Bunga tinggi",
                     method="anuitas", rate_percent_per_month=D(100), min_term_months=1, max_term_months=360,
                     min_principal=1, max_principal=10**9, rounding_multiple=100)
    resp = api(users["manager"]).post("/loan-schedules/preview", json={
        "principal": 106_249, "product_id": product.id, "term_months": 178, "first_due_date": "2026-07-24"})
    assert resp.status_code == 422, resp.json
    assert "bunga" in resp.json["error"]["message"]
