"""Reports: trial balance, general ledger, Neraca, PHU on a hand-checked small set of books."""
from __future__ import annotations

from datetime import date

import pytest

from coop.ledger import reports


@pytest.fixture
def worked(coop, books):
    """Hand-checked books (all amounts in rupiah):

    2026-01-02  opening: Kas 5,000,000 / Saldo Awal 5,000,000
    2026-01-10  member A deposits sukarela 1,000,000 (Kas / 2101 sub A)
    2026-01-15  loan to member B 2,000,000 (1201 sub B / Kas)
    2026-02-15  B repays 200,000 principal + 30,000 interest (Kas 230,000 / sub B 200,000, 4101 30,000)
    2026-02-20  bank interest 5,000 (Bank / 4201)  -- non-member income
    2026-02-28  electricity 120,000 (5201 / Kas)
    """
    b = books(coop)
    sa_ = b.sub("2101")
    ln = b.sub("1201")
    b.transfer("1101", "3901", 5_000_000, value_date=date(2026, 1, 2))
    b.transfer("1101", sa_, 1_000_000, value_date=date(2026, 1, 10))
    b.transfer(ln, "1101", 2_000_000, value_date=date(2026, 1, 15))
    b.post([("1101", 230_000, 0), (ln, 0, 200_000), ("4101", 0, 30_000)], value_date=date(2026, 2, 15))
    b.transfer("1102", "4201", 5_000, value_date=date(2026, 2, 20))
    b.transfer("5201", "1101", 120_000, value_date=date(2026, 2, 28))
    return b, sa_, ln


def _row(tb, code):
    return next(r for r in tb["accounts"] if r["code"] == code)


def test_trial_balance_worked(coop, worked):
    """Kas = 5,000,000 + 1,000,000 - 2,000,000 + 230,000 - 120,000 = 4,110,000 debit; loans roll up to
    1201 = 1,800,000; totals 6,035,000 both sides."""
    tb = reports.trial_balance(coop.id, date(2026, 12, 31))
    assert _row(tb, "1101")["debit"] == 4_110_000
    assert _row(tb, "1201")["debit"] == 1_800_000
    assert _row(tb, "2101")["credit"] == 1_000_000
    assert _row(tb, "4101")["credit"] == 30_000
    assert _row(tb, "5201")["debit"] == 120_000
    assert tb["total_debit"] == tb["total_credit"] == 4_110_000 + 5_000 + 1_800_000 + 120_000
    assert not any(r["code"].count(".") for r in tb["accounts"])


def test_trial_balance_as_of_past_date(coop, worked):
    """At 2026-01-31 only January counts: Kas 4,000,000."""
    tb = reports.trial_balance(coop.id, date(2026, 1, 31))
    assert _row(tb, "1101")["debit"] == 4_000_000
    assert tb["total_debit"] == tb["total_credit"] == 6_000_000


def test_general_ledger_running_balance(coop, worked):
    """Kas in February: opening 4,000,000; +230,000 -> 4,230,000; -120,000 -> 4,110,000."""
    b, _, _ = worked
    gl = reports.general_ledger(coop.id, b.acc("1101"), date(2026, 2, 1), date(2026, 2, 28))
    assert gl["opening"] == 4_000_000
    assert [ln["balance"] for ln in gl["lines"]] == [4_230_000, 4_110_000]
    assert gl["closing"] == 4_110_000 and gl["total_debit"] == 230_000 and gl["total_credit"] == 120_000


def test_general_ledger_control_account_includes_subaccounts(coop, worked):
    """2101 (control) shows the member's deposit, credit-normal positive."""
    b, _, _ = worked
    gl = reports.general_ledger(coop.id, b.acc("2101"), date(2026, 1, 1), date(2026, 12, 31))
    assert gl["opening"] == 0 and gl["closing"] == 1_000_000 and len(gl["lines"]) == 1


def test_neraca_balances_with_current_surplus(coop, worked):
    """Assets 4,110,000 + 5,000 + 1,800,000 = 5,915,000 = savings 1,000,000 + Saldo Awal 5,000,000 +
    surplus (30,000 + 5,000 - 120,000 = -85,000)."""
    n = reports.neraca(coop.id, date(2026, 12, 31))
    assert n["total_assets"] == 5_915_000
    assert n["current_surplus"] == -85_000
    assert n["total_liabilities"] == 1_000_000
    assert n["total_liabilities_equity"] == 5_915_000 and n["balanced"]


def test_phu_member_and_non_member(coop, worked):
    """Feb 2026: loan interest 30,000 is member income (entry touches loan sub-account), bank interest
    5,000 non-member; expenses 120,000; surplus -85,000."""
    p = reports.phu(coop.id, date(2026, 2, 1), date(2026, 2, 28))
    r4101 = next(r for r in p["income"] if r["code"] == "4101")
    r4201 = next(r for r in p["income"] if r["code"] == "4201")
    assert (r4101["member"], r4101["non_member"]) == (30_000, 0)
    assert (r4201["member"], r4201["non_member"]) == (0, 5_000)
    assert p["total_income"] == 35_000 and p["total_income_member"] == 30_000
    assert p["total_expenses"] == 120_000 and p["surplus"] == -85_000
    assert reports.phu(coop.id, date(2026, 1, 1), date(2026, 1, 31))["surplus"] == 0


def test_cash_position(coop, worked):
    """Is the cash position of the worked example Kas Rp 4.110.000 + Bank Rp 5.000 = Rp 4.115.000?"""
    assert reports.cash_position(coop.id) == {"kas": 4_110_000, "bank": 5_000, "total": 4_115_000}
