"""Loss years and income tax across two book years (issue 13): a loss stays on 3302 SHU Belum Dibagi until
a later RAT covers it, from cadangan and/or the later surplus (setting ``loss_coverage_order``); only what
is left is shared. SHU is after PPh badan (UU 25/1992 Pasal 45(1)).

Worked example, checked by hand: cadangan brought in 1.000.000 (Feb 2026); 2026 spends 5.000.000: a loss
of 5.000.000, no tax. 2027 earns 20.000.000: PPh badan 22 % = 4.400.000, SHU 15.600.000. The RAT of
20 March 2028 (default order, cadangan first) covers 1.000.000 from cadangan and 4.000.000 from the
surplus and shares 11.600.000: cadangan 40 % = 4.640.000, jasa anggota 4.640.000, four funds 580.000 each.
Afterwards 3302 holds 0 (-5.000.000 + 1.000.000 + 15.600.000 - 11.600.000) and cadangan 4.640.000.
"""
from __future__ import annotations

from datetime import date

import pytest

from coop import clock
from coop import settings as coop_settings
from coop.db import atomic
from coop.ledger import chart
from coop.ledger.services import Line, account_by_code, post_entry
from coop.yearend import closing as yearend
from coop.yearend import shu


@pytest.fixture
def two_years(coop, users):
    """The worked example's postings and closings, on the business date 30 April 2028."""
    def acc(code):
        return account_by_code(coop.id, code).id

    def post(dr, cr, amount, day, memo):
        atomic(post_entry, coop.id, [Line.dr(acc(dr), amount), Line.cr(acc(cr), amount)], actor=users["treasurer"],
               memo=memo, value_date=day)

    with clock.frozen(date(2028, 4, 30)):
        post(chart.KAS, chart.SALDO_AWAL, 10_000_000, date(2026, 1, 5), "Modal awal")
        post(chart.KAS, chart.CADANGAN, 1_000_000, date(2026, 2, 1), "Cadangan dari buku lama")
        post(chart.BEBAN_OPERASIONAL, chart.KAS, 5_000_000, date(2026, 6, 1), "Perbaikan gedung")
        loss = atomic(yearend.close_year, coop.id, 2026, actor=users["admin"])
        post(chart.KAS, chart.PENDAPATAN_LAIN, 20_000_000, date(2027, 3, 1), "Sewa gedung")
        yield loss


def _bal(coop, code):
    return account_by_code(coop.id, code).natural_balance()


def test_later_surplus_is_shared_only_after_the_loss_is_covered(app, coop, users, two_years):
    """Is the 2026 loss (5.000.000, no tax) covered at the 2027 RAT from cadangan (1.000.000) and then the
    after-tax surplus (4.000.000 of 15.600.000), sharing 11.600.000, and does 3302 end at zero?"""
    assert (two_years.surplus, two_years.income_tax) == (-5_000_000, 0)
    assert _bal(coop, chart.SHU_BELUM_DIBAGI) == -5_000_000  # the loss waits on 3302
    ye = atomic(yearend.close_year, coop.id, 2027, actor=users["admin"])
    assert (ye.surplus, ye.income_tax) == (15_600_000, 4_400_000)
    assert _bal(coop, chart.UTANG_PPH_BADAN) == 4_400_000
    plan = shu.compute_plan(coop.id, 2027)
    assert (plan.loss_from_reserves, plan.loss_from_surplus, plan.surplus) == (1_000_000, 4_000_000, 11_600_000)
    dist = atomic(shu.allocate, coop.id, 2027, actor=users["manager"], decided_on=date(2028, 3, 20))
    assert (dist.loss_from_reserves, dist.loss_from_surplus, dist.surplus) == (1_000_000, 4_000_000, 11_600_000)
    assert (dist.cadangan, dist.jasa_anggota, dist.pengurus, dist.sosial) == (4_640_000, 4_640_000, 580_000, 580_000)
    assert dist.coverage_entry_id is not None
    assert _bal(coop, chart.SHU_BELUM_DIBAGI) == 0
    assert _bal(coop, chart.CADANGAN) == 4_640_000
    assert shu.uncovered_losses(coop.id, 2028) == 0


def test_surplus_first_order_leaves_the_reserves_alone(app, coop, users, two_years):
    """With ``loss_coverage_order`` = surplus,cadangan the 15.600.000 surplus covers the whole 5.000.000 and
    10.600.000 is shared (cadangan part 4.240.000): cadangan ends at 1.000.000 + 4.240.000 = 5.240.000."""
    with clock.frozen(date(2028, 4, 30)):
        atomic(coop_settings.set_value, coop.id, "loss_coverage_order",
               coop_settings.parse_value("loss_coverage_order", "surplus,cadangan"), effective_on=date(2026, 1, 1))
        atomic(yearend.close_year, coop.id, 2027, actor=users["admin"])
        dist = atomic(shu.allocate, coop.id, 2027, actor=users["manager"], decided_on=date(2028, 3, 20))
    assert (dist.loss_from_reserves, dist.loss_from_surplus, dist.surplus, dist.cadangan) == (
        0, 5_000_000, 10_600_000, 4_240_000)
    assert dist.coverage_entry_id is None
    assert (_bal(coop, chart.SHU_BELUM_DIBAGI), _bal(coop, chart.CADANGAN)) == (0, 5_240_000)


def test_a_surplus_smaller_than_the_loss_is_all_used_to_cover_it(app, coop, users, two_years):
    """Order "surplus", and 2027 spends 15.000.000 of its 20.000.000: pre-tax 5.000.000, tax 1.100.000, SHU
    3.900.000. Does all of it cover the loss, nothing get shared, and 1.100.000 stay uncovered on 3302?"""
    with clock.frozen(date(2028, 4, 30)):
        atomic(coop_settings.set_value, coop.id, "loss_coverage_order",
               coop_settings.parse_value("loss_coverage_order", "surplus"), effective_on=date(2026, 1, 1))
        atomic(post_entry, coop.id, [Line.dr(account_by_code(coop.id, chart.BEBAN_OPERASIONAL).id, 15_000_000),
                                     Line.cr(account_by_code(coop.id, chart.KAS).id, 15_000_000)],
               actor=users["treasurer"], memo="Renovasi", value_date=date(2027, 9, 1))
        ye = atomic(yearend.close_year, coop.id, 2027, actor=users["admin"])
        dist = atomic(shu.allocate, coop.id, 2027, actor=users["manager"], decided_on=date(2028, 3, 20))
    assert (ye.surplus, ye.income_tax) == (3_900_000, 1_100_000)
    assert (dist.loss_from_reserves, dist.loss_from_surplus, dist.surplus, dist.entry_id) == (0, 3_900_000, 0, None)
    assert _bal(coop, chart.SHU_BELUM_DIBAGI) == -1_100_000
    assert _bal(coop, chart.CADANGAN) == 1_000_000
    assert shu.uncovered_losses(coop.id, 2028) == 1_100_000


def test_income_tax_rate_is_a_setting(app, coop, users, two_years):
    """At ``income_tax_rate`` 0 nothing is accrued: the 2027 SHU is the whole 20.000.000 and 2402 stays 0."""
    with clock.frozen(date(2028, 4, 30)):
        atomic(coop_settings.set_value, coop.id, "income_tax_rate",
               coop_settings.parse_value("income_tax_rate", "0"), effective_on=date(2027, 1, 1))
        ye = atomic(yearend.close_year, coop.id, 2027, actor=users["admin"])
    assert (ye.surplus, ye.income_tax, ye.tax_entry_id) == (20_000_000, 0, None)
    assert _bal(coop, chart.UTANG_PPH_BADAN) == 0
