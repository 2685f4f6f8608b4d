"""Pure SHU arithmetic: worked examples checked by hand, and exact sums for any input (hypothesis)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop.yearend import shu_rules as r

DEFAULT = {"cadangan": Decimal(40), "jasa_anggota": Decimal(40), "pengurus": Decimal(5), "karyawan": Decimal(5),
           "pendidikan": Decimal(5), "sosial": Decimal(5)}


def test_worked_example_allocation_residue_goes_to_cadangan():
    """10.000.003 x 40 % = 4.000.001,2 -> 4.000.001 (twice), x 5 % = 500.000,15 -> 500.000 (four times);
    together 10.000.002, so the 1 rupiah residue goes to cadangan: 4.000.002."""
    parts, residue = r.allocate(10_000_003, DEFAULT)
    assert parts == {"cadangan": 4_000_002, "jasa_anggota": 4_000_001, "pengurus": 500_000, "karyawan": 500_000,
                     "pendidikan": 500_000, "sosial": 500_000}
    assert residue == 1 and sum(parts.values()) == 10_000_003


def test_worked_example_members_part_split():
    """4.000.001 x 70 % = 2.800.000,7 -> 2.800.001 jasa usaha; jasa modal takes the rest 1.200.000."""
    assert r.split_members_part(4_000_001, Decimal(70), Decimal(30)) == (2_800_001, 1_200_000)


def test_largest_remainder_with_ties_and_zero_weight():
    """100 among three equal members: 33 each, the one left rupiah to the smallest key; weight 0 gets 0."""
    assert r.distribute(100, {3: 1, 1: 1, 2: 1, 4: 0}) == {1: 34, 2: 33, 3: 33, 4: 0}
    # 1.000 by 1:2 -> 333,33 / 666,67: the larger remainder (0,67) gets the rupiah
    assert r.distribute(1_000, {"a": 1, "b": 2}) == {"a": 333, "b": 667}


@pytest.mark.parametrize("change", [{"sosial": Decimal(6)}, {"cadangan": Decimal("39.5")}])
def test_percentages_must_total_100(change):
    """Are SHU percentages not totalling 100 (sosial 6, or cadangan 39.5) refused with a message naming
    100?"""
    with pytest.raises(r.ShuRuleError, match="100"):
        r.allocate(1_000_000, {**DEFAULT, **change})


def test_fractional_percentages_totalling_100_are_fine():
    """Do fractional percentages totalling 100 (cadangan 39.5, sosial 5.5) allocate Rp 999 with parts summing
    to 999?"""
    parts, _ = r.allocate(999, {**DEFAULT, "cadangan": Decimal("39.5"), "sosial": Decimal("5.5")})
    assert sum(parts.values()) == 999


def test_plan_moves_a_pool_without_base_and_says_so():
    """Nobody paid loan interest: the whole members' part is shared by savings (jasa modal)."""
    p = r.plan(1_000_000, DEFAULT, Decimal(70), Decimal(30), {}, {10: 300_000, 11: 100_000})
    assert (p.jasa_usaha, p.jasa_modal) == (0, 400_000)
    assert p.members[10].total == 300_000 and p.members[11].total == 100_000
    assert p.notes
    empty = r.plan(1_000_000, DEFAULT, Decimal(70), Decimal(30), {}, {})
    assert empty.undistributed == 400_000 and empty.members == {}


weights = st.dictionaries(st.integers(1, 10_000), st.integers(0, 10**12), min_size=1, max_size=60)


@given(pool=st.integers(0, 10**13), w=weights)
def test_distribute_sums_exactly_and_is_within_one_rupiah(pool, w):
    """Per-member amounts sum exactly to the pool; each is the floor or ceiling of its exact share."""
    if sum(w.values()) == 0:
        w = {**w, 1: 1}
    shares = r.distribute(pool, w)
    assert sum(shares.values()) == pool
    total = sum(w.values())
    for k, v in shares.items():
        exact_floor = pool * w[k] // total
        assert exact_floor <= v <= exact_floor + 1


pct = st.integers(0, 100)


@given(surplus=st.integers(0, 10**13), a=pct, b=pct, c=pct, usaha=st.integers(0, 100),
       interest=st.dictionaries(st.integers(1, 500), st.integers(0, 10**9), max_size=40),
       savings=st.dictionaries(st.integers(1, 500), st.integers(0, 10**10), max_size=40))
def test_plan_sums_exactly(surplus, a, b, c, usaha, interest, savings):
    """Whatever the percentages (totalling 100) and bases: parts sum to the surplus, usaha + modal +
    undistributed to the members' part, and the members' shares to usaha + modal."""
    a, b = min(a, 100), min(b, 100 - min(a, 100))
    c = min(c, 100 - a - b)
    rest = 100 - a - b - c
    percents = {"cadangan": Decimal(a), "jasa_anggota": Decimal(b), "pengurus": Decimal(c), "karyawan": Decimal(rest),
                "pendidikan": Decimal(0), "sosial": Decimal(0)}
    p = r.plan(surplus, percents, Decimal(usaha), Decimal(100 - usaha), interest, savings)
    assert sum(p.parts.values()) == surplus
    assert p.jasa_usaha + p.jasa_modal + p.undistributed == p.parts["jasa_anggota"]
    assert sum(s.jasa_usaha for s in p.members.values()) == p.jasa_usaha
    assert sum(s.jasa_modal for s in p.members.values()) == p.jasa_modal
    assert all(s.jasa_usaha >= 0 and s.jasa_modal >= 0 for s in p.members.values())


def test_worked_example_income_tax():
    """Does PPh badan take 22 % of a positive surplus, half up (80.000 -> 17.600; 12.345 -> 2.715,9 ->
    2.716), and nothing of a loss or at 0 %?"""
    assert r.income_tax(80_000, Decimal(22)) == 17_600
    assert r.income_tax(12_345, Decimal(22)) == 2_716
    assert r.income_tax(-5_000_000, Decimal(22)) == 0
    assert r.income_tax(80_000, Decimal(0)) == 0


@pytest.mark.parametrize("order, expected", [
    ("cadangan,surplus", (1_000_000, 4_000_000)),  # reserves first, the surplus covers the rest
    ("surplus,cadangan", (0, 5_000_000)),  # the surplus alone is enough
    ("surplus", (0, 5_000_000)),
])
def test_worked_example_loss_coverage_orders(order, expected):
    """Which part of a 5.000.000 loss do cadangan (1.000.000) and a 15.600.000 surplus cover, by order?"""
    assert r.cover_losses(5_000_000, 15_600_000, 1_000_000, order) == expected


def test_loss_larger_than_surplus_and_reserves_stays_partly_uncovered():
    """Does a 5.000.000 loss against 1.000.000 reserves and a 3.000.000 surplus leave 1.000.000 uncovered
    in either order (reserves first: 1 + 3; surplus first: 3 + 1)?"""
    assert r.cover_losses(5_000_000, 3_000_000, 1_000_000, "cadangan,surplus") == (1_000_000, 3_000_000)
    assert r.cover_losses(5_000_000, 3_000_000, 1_000_000, "surplus,cadangan") == (1_000_000, 3_000_000)
    assert r.cover_losses(5_000_000, 3_000_000, 1_000_000, "surplus") == (0, 3_000_000)
    with pytest.raises(r.ShuRuleError):
        r.cover_losses(1, 1, 1, "cadangan")
