"""Year-end closing, SHU allocation and payouts on a small cooperative whose numbers are hand-checked.

Two members join 2025-01-02 and pay simpanan pokok 100.000 each. A saves wajib 100.000, B 300.000.
A borrows 9.000.000 (flat 1 %/month, 12 months) and pays one instalment of 840.000 (jasa 90.000).
One operating expense of 10.000. So the 2026 surplus before tax is 90.000 - 10.000 = 80.000; PPh badan
22 % = 17.600 (accrued at the closing: Dr 5301 / Cr 2402), SHU after tax 62.400 (UU 25/1992 Pasal 45(1)):
cadangan 24.960, jasa anggota 24.960, pengurus/karyawan/pendidikan/sosial 3.120 each;
jasa usaha 70 % = 17.472 (all to A, the only borrower); jasa modal 7.488 by pokok+wajib at 31-12:
A 200.000 : B 400.000 -> A 2.496, B 4.992.
"""
from __future__ import annotations

from datetime import date

import pytest

from coop.db import atomic, db
from coop.errors import Conflict, PeriodClosed
from coop.ledger import chart
from coop.ledger.services import Line, account_by_code, post_entry
from coop.yearend import closing as yearend
from coop.yearend import shu


def _bal(coop, code):
    return account_by_code(coop.id, code).natural_balance()


def test_preview_plan_matches_hand_computation(app, coop, year2026):
    """Does the SHU plan for 2026 match the hand computation: surplus 62.400; cadangan and jasa anggota 24.960
    each, pengurus, karyawan, pendidikan and sosial 3.120 each; jasa usaha 17.472 and jasa modal 7.488, member
    A getting 17.472 + 2.496 and member B 0 + 4.992?"""
    a, b = year2026
    plan = shu.compute_plan(coop.id, 2026)
    assert plan.surplus == 62_400
    assert plan.parts == {"cadangan": 24_960, "jasa_anggota": 24_960, "pengurus": 3_120, "karyawan": 3_120,
                          "pendidikan": 3_120, "sosial": 3_120}
    assert (plan.jasa_usaha, plan.jasa_modal) == (17_472, 7_488)
    assert (plan.members[a.id].jasa_usaha, plan.members[a.id].jasa_modal) == (17_472, 2_496)
    assert (plan.members[b.id].jasa_usaha, plan.members[b.id].jasa_modal) == (0, 4_992)


def test_year_end_closes_into_shu_and_carries_forward(app, coop, users, year2026, rat_season):
    """Closing accrues PPh badan 17.600 (Dr 5301 / Cr 2402, 31-12), zeroes income and expenses into 3301,
    closes 2026, and moves the 62.400 to 3302 on 1-1-2027; the ledger's PHU still shows the closed year's
    figures (tax included); a second close is refused."""
    from coop.ledger.reports import phu, trial_balance

    ye = atomic(yearend.close_year, coop.id, 2026, actor=users["admin"])
    assert (ye.surplus, ye.income_tax) == (62_400, 17_600)
    tb = {r["code"]: r for r in trial_balance(coop.id, date(2026, 12, 31))["accounts"]}
    assert tb["4101"]["credit"] == 0 and tb["5201"]["debit"] == 0 and tb["5301"]["debit"] == 0
    assert tb["3301"]["credit"] == 62_400 and tb["2402"]["credit"] == 17_600
    tb27 = {r["code"]: r for r in trial_balance(coop.id, date(2027, 1, 1))["accounts"]}
    assert tb27["3301"]["credit"] == 0 and tb27["3302"]["credit"] == 62_400
    p = phu(coop.id, date(2026, 1, 1), date(2026, 12, 31))
    assert p["surplus"] == 62_400 and {r["code"]: r["amount"] for r in p["expenses"]}["5301"] == 17_600
    with pytest.raises(PeriodClosed):
        atomic(post_entry, coop.id, [Line.dr(account_by_code(coop.id, chart.BEBAN_OPERASIONAL).id, 1),
                                     Line.cr(account_by_code(coop.id, chart.KAS).id, 1)],
               actor=users["treasurer"], memo="terlambat", value_date=date(2026, 12, 30))
    with pytest.raises(Conflict):
        atomic(yearend.close_year, coop.id, 2026, actor=users["admin"])


def test_allocation_and_payout_into_sukarela(app, coop, users, year2026, rat_season):
    """The RAT's allocation credits every fund; shares sum exactly to the members' part; paying into
    sukarela empties 2301 and raises each member's sukarela by their share."""
    from coop.savings.services import account_for
    from coop.yearend.models import ShuMemberShare

    a, b = year2026
    atomic(yearend.close_year, coop.id, 2026, actor=users["admin"])
    dist = atomic(shu.allocate, coop.id, 2026, actor=users["manager"], decided_on=date(2027, 3, 20))
    assert (dist.cadangan, dist.jasa_anggota, dist.residue) == (24_960, 24_960, 0)
    assert _bal(coop, chart.SHU_BELUM_DIBAGI) == 0
    assert _bal(coop, chart.CADANGAN) == 24_960 and _bal(coop, chart.DANA_SOSIAL) == 3_120
    assert _bal(coop, chart.SHU_ANGGOTA) == 24_960
    shares = {s.member_id: s.total for s in db.session.scalars(
        db.select(ShuMemberShare).where(ShuMemberShare.distribution_id == dist.id))}
    assert shares == {a.id: 19_968, b.id: 4_992}
    from coop.ledger.models import Account

    sukarela_b = db.session.get(Account, account_for(coop.id, b.id, "sukarela").ledger_account_id)
    before = sukarela_b.natural_balance()
    paid = atomic(shu.pay, coop.id, 2026, actor=users["treasurer"], value_date=date(2027, 3, 25), via="sukarela")
    assert paid == 2
    assert _bal(coop, chart.SHU_ANGGOTA) == 0
    db.session.refresh(sukarela_b)
    assert sukarela_b.natural_balance() == before + 4_992
    assert atomic(shu.pay, coop.id, 2026, actor=users["treasurer"], value_date=date(2027, 3, 25), via="cash") == 0
    with pytest.raises(Conflict):
        atomic(shu.allocate, coop.id, 2026, actor=users["manager"], decided_on=date(2027, 3, 21))
    rows = shu.member_rows(coop.id, 2026)
    assert sorted(r["total"] for r in rows) == [4_992, 19_968]
    assert all(r["paid_via"] == "sukarela" for r in rows)


def test_cash_payout_one_receipt_per_member(app, coop, users, year2026, rat_season):
    """After closing 2026 and allocating, does a cash SHU payout make 2 payments (one per member) and take Rp
    24.960 out of Kas?"""
    atomic(yearend.close_year, coop.id, 2026, actor=users["admin"])
    atomic(shu.allocate, coop.id, 2026, actor=users["manager"], decided_on=date(2027, 3, 20))
    kas = _bal(coop, chart.KAS)
    assert atomic(shu.pay, coop.id, 2026, actor=users["treasurer"], value_date=date(2027, 4, 1), via="cash") == 2
    assert _bal(coop, chart.KAS) == kas - 24_960


def test_allocation_needs_a_closed_year(app, coop, users, year2026):
    """Is allocating SHU for 2026 before the year is closed refused with NotFound?"""
    from coop.errors import NotFound

    with pytest.raises(NotFound):
        atomic(shu.allocate, coop.id, 2026, actor=users["manager"], decided_on=date(2027, 3, 20))
