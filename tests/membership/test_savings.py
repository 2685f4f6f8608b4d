"""Savings on the ledger: interest job with PPh final (worked examples), berjangka maturity, dormancy,
wajib arrears, balances for SHU, statements."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coop import jobs
from coop.db import atomic, db
from coop.errors import RuleViolation
from coop.ledger import chart
from coop.ledger.services import account_by_code
from coop.savings import interest
from coop.savings import services as savings


def _lowest_balance_12_percent(coop):
    p = savings.default_product(coop.id, "sukarela")
    p.interest_method, p.interest_rate = "lowest_monthly_balance", Decimal("12")
    db.session.flush()


def test_interest_job_240000_is_untaxed_240001_pays_ten_percent(coop, make_member, fund):
    """Lowest balance Rp 24.000.000 at 12 %/yr earns exactly Rp 240.000 in February: no PPh.
    Rp 24.000.100 earns Rp 240.001: PPh 10 % of the gross = Rp 24.000, the member gets Rp 216.001.
    The expense is the gross, the tax goes to 2401 Utang PPh Final."""
    _lowest_balance_12_percent(coop)
    a, b = make_member(coop), make_member(coop)
    fund(a, "sukarela", 24_000_000, date(2025, 1, 20))
    fund(b, "sukarela", 24_000_100, date(2025, 1, 20))
    done = atomic(jobs.run_due, coop.id, date(2025, 3, 3), only="savings.interest", echo=lambda *_: None)
    assert done and "2025-02" in done[0]
    sa_a, sa_b = (savings.account_for(coop.id, m.id, "sukarela") for m in (a, b))
    assert sa_a.balance == 24_000_000 + 240_000
    assert sa_b.balance == 24_000_100 + 216_001
    assert account_by_code(coop.id, chart.UTANG_PPH).natural_balance() == 24_000
    assert account_by_code(coop.id, chart.BEBAN_JASA_SIMPANAN).natural_balance() == 480_001
    # idempotent per month; missed months are caught up in order
    assert "sudah" in atomic(interest.post_monthly_interest, coop.id, date(2025, 2, 28))
    done = atomic(jobs.run_due, coop.id, date(2025, 5, 2), only="savings.interest", echo=lambda *_: None)
    assert [d.split()[1].rstrip(":") for d in done] == ["2025-03", "2025-04"]


def test_daily_balance_interest_counts_days_and_ignores_the_months_own_interest(coop, make_member, fund):
    """Default sukarela: 3 %/yr on the daily balance. Rp 10.000.000 from 1 to 30 June = 30 days:
    300.000.000 x 0,03 / 365 = 24.657,53 -> Rp 24.658 (below the threshold: no tax)."""
    m = make_member(coop)
    fund(m, "sukarela", 10_000_000, date(2025, 5, 31))
    atomic(interest.post_monthly_interest, coop.id, date(2025, 6, 30))
    [row] = [r for r in interest.compute_interest(coop.id, date(2025, 6, 30))]
    assert row["gross"] == 24_658 and row["tax"] == 0  # recomputing after posting gives the same


def test_berjangka_rate_fixed_early_withdrawal_and_maturity_into_sukarela(coop, make_member, fund):
    """Does a Rp 5.000.000 berjangka deposit opened 10 Jan 2025 fix its 6 % rate and maturity (10 Jan 2026)
    despite a later product rate of 9 %, refuse top-ups and partial withdrawals, not mature on 9 Jan, and on
    10 Jan close and pay the principal plus Rp 7.258 interest (5.000.000 x 0,06 x 9 / (12 x 31)) into
    sukarela?"""
    m = make_member(coop)
    fund(m, "sukarela", 1_000, date(2025, 1, 2))
    product = savings.default_product(coop.id, "berjangka")
    r = atomic(interest.open_berjangka, coop.id, m.id, product.id, 5_000_000, actor=None,
               opened_on=date(2025, 1, 10))
    acc = r.account
    assert (acc.maturity_on, acc.rate, acc.balance) == (date(2026, 1, 10), Decimal("6"), 5_000_000)
    product.interest_rate = Decimal("9")  # a later rate change does not touch the open deposit
    db.session.flush()
    with pytest.raises(RuleViolation, match="tidak bisa ditambah"):
        atomic(savings.deposit, coop.id, acc.id, 1, actor=None, value_date=date(2025, 2, 1))
    with pytest.raises(RuleViolation, match="seluruh saldo"):
        atomic(savings.withdraw, coop.id, acc.id, 1_000, actor=None, value_date=date(2025, 2, 1))
    assert atomic(interest.process_maturities, coop.id, date(2026, 1, 9)).startswith("berjangka jatuh tempo: 0")
    atomic(interest.process_maturities, coop.id, date(2026, 1, 10))
    assert savings.get_account(coop.id, acc.id).status == "closed"
    # the closing pays 1-9 January 2026 into sukarela (the months before never ran here): lowest balance
    # 5.000.000 x 0,06 x 9 / (12 x 31) = 7.258,06 -> Rp 7.258
    assert savings.account_for(coop.id, m.id, "sukarela").balance == 5_001_000 + 7_258


def test_early_berjangka_withdrawal_pays_the_penalty_to_other_income(coop, make_member):
    """1 % penalty on Rp 2.000.000 withdrawn before maturity: Rp 20.000 to 4201, Rp 1.980.000 in cash."""
    m = make_member(coop)
    product = savings.default_product(coop.id, "berjangka")
    acc = atomic(interest.open_berjangka, coop.id, m.id, product.id, 2_000_000, actor=None,
                 opened_on=date(2025, 1, 10)).account
    kas_before = account_by_code(coop.id, chart.KAS).natural_balance()
    atomic(savings.withdraw, coop.id, acc.id, 2_000_000, actor=None, value_date=date(2025, 3, 1))
    assert account_by_code(coop.id, chart.PENDAPATAN_LAIN).natural_balance() == 20_000
    assert account_by_code(coop.id, chart.KAS).natural_balance() == kas_before - 1_980_000


def test_dormancy_blocks_withdrawals_until_reactivated(coop, make_member, fund):
    """Is a sukarela account untouched for exactly 12 months still active but dormant a day later (member
    dormant too), are withdrawals refused while dormant, and after reactivation does a Rp 10.000 withdrawal
    leave 40.000 and the member active?"""
    m = make_member(coop)
    fund(m, "sukarela", 50_000, date(2025, 1, 2))
    acc = savings.account_for(coop.id, m.id, "sukarela")
    assert atomic(savings.mark_dormant, coop.id, date(2026, 1, 2)) == 0  # exactly 12 months: not yet
    assert atomic(savings.mark_dormant, coop.id, date(2026, 1, 3)) == 1
    assert savings.get_account(coop.id, acc.id).status == "dormant"
    assert acc.member.status == "dormant"
    with pytest.raises(RuleViolation, match="dormant"):
        atomic(savings.withdraw, coop.id, acc.id, 10_000, actor=None, value_date=date(2026, 1, 5))
    atomic(savings.reactivate, coop.id, acc.id, actor=None, on=date(2026, 1, 5))
    atomic(savings.withdraw, coop.id, acc.id, 10_000, actor=None, value_date=date(2026, 1, 5))
    assert acc.member.status == "active" and acc.balance == 40_000


def test_wajib_arrears_oldest_month_first_and_balances_for_shu(coop, make_member, fund):
    """Joined 2 Jan 2025, Rp 20.000 a month; Rp 50.000 paid: Jan, Feb paid, Mar half. On 10 June 2025
    three past months (Mar-May) are in arrears, Rp 50.000; with June, Rp 70.000 is due now. The next
    payment of Rp 30.000 covers (the rest of) Mar and Apr."""
    m = make_member(coop)
    fund(m, "wajib", 50_000, date(2025, 2, 1))
    st = savings.wajib_status(coop.id, m, date(2025, 6, 10))
    assert (st["months"], st["amount"], st["due_months"], st["due_amount"]) == (3, 50_000, 4, 70_000)
    [row] = savings.arrears_list(coop.id, date(2025, 6, 10))
    assert (row["months"], row["amount"], row["oldest"]) == (3, 50_000, date(2025, 3, 1))
    r = atomic(savings.pay_wajib, coop.id, m.id, 30_000, actor=None, value_date=date(2025, 6, 10))
    assert r.wajib_months == [date(2025, 3, 1), date(2025, 4, 1)]
    assert savings.balances_by_member(coop.id, ["pokok", "wajib"], date(2025, 3, 1)) == {m.id: 150_000}
    assert savings.balances_by_member(coop.id, ["pokok", "wajib"], None) == {m.id: 180_000}


def test_statement_running_balance_and_opening(coop, make_member, fund):
    """Does the February statement open at Rp 100.000 and show +50.000 (150.000) then -30.000 (120.000)?"""
    m = make_member(coop)
    fund(m, "sukarela", 100_000, date(2025, 1, 5))
    fund(m, "sukarela", 50_000, date(2025, 2, 5))
    acc = savings.account_for(coop.id, m.id, "sukarela")
    atomic(savings.withdraw, coop.id, acc.id, 30_000, actor=None, value_date=date(2025, 2, 6))
    _, opening, rows = savings.statement(coop.id, acc.id, date(2025, 2, 1), date(2025, 2, 28))
    assert opening == 100_000
    assert [(r.deposit, r.withdrawal, r.balance) for r in rows] == [(50_000, 0, 150_000), (0, 30_000, 120_000)]


def test_wajib_amount_change_applies_from_its_month_only(coop, make_member, fund):
    """Wajib Rp 20.000, raised to Rp 25.000 from April 2025 (setting with an effective date). Paid
    Rp 60.000 (Jan-Mar). On 10 June: April and May are in arrears at the NEW amount, Rp 50.000; with
    June Rp 75.000 is due; January to March stay at Rp 20.000."""
    from coop import settings

    m = make_member(coop)
    atomic(settings.set_value, coop.id, "simpanan_wajib_amount", 25_000, effective_on=date(2025, 4, 1))
    fund(m, "wajib", 60_000, date(2025, 3, 5))
    st = savings.wajib_status(coop.id, m, date(2025, 6, 10))
    assert [d.amount for d in st["dues"]] == [20_000] * 3 + [25_000] * 3
    assert (st["months"], st["amount"], st["due_amount"], st["monthly"]) == (2, 50_000, 75_000, 25_000)
    r = atomic(savings.pay_wajib, coop.id, m.id, 30_000, actor=None, value_date=date(2025, 6, 10))
    assert r.wajib_months == [date(2025, 4, 1), date(2025, 5, 1)]


def test_cash_count_over_credits_selisih_and_day_book_totals(coop, make_member, fund):
    """Kas Rp 100.000 + 250.000 on 2 Jan 2025; counted Rp 352.000: Rp 2.000 over, Dr Kas / Cr 5204."""
    from coop.savings import cash

    m = make_member(coop)
    fund(m, "sukarela", 250_000, date(2025, 1, 2))
    book = cash.day_book(coop.id, date(2025, 1, 2))
    assert (book.opening, book.total_in, book.total_out, book.closing) == (0, 350_000, 0, 350_000)
    row = atomic(cash.record_cash_count, coop.id, date(2025, 1, 2), 352_000, actor=None)
    assert (row.expected, row.difference) == (350_000, 2_000)
    assert account_by_code(coop.id, chart.SELISIH_KAS).balance == -2_000  # a credit on an expense account
    assert cash.day_book(coop.id, date(2025, 1, 2)).closing == 352_000


def test_berjangka_rollover_refixes_the_rate_for_the_next_term(coop, make_member):
    """Does a rollover berjangka deposit opened 31 Jan 2025 stay active at maturity with the new term to 31
    Jan 2027, the product's new 5 % rate and the balance Rp 1.000.000?"""
    m = make_member(coop)
    product = savings.default_product(coop.id, "berjangka")
    product.maturity_action = "rollover"
    db.session.flush()
    acc = atomic(interest.open_berjangka, coop.id, m.id, product.id, 1_000_000, actor=None,
                 opened_on=date(2025, 1, 31)).account
    product.interest_rate = Decimal("5")
    db.session.flush()
    atomic(interest.process_maturities, coop.id, date(2026, 2, 1))
    acc = savings.get_account(coop.id, acc.id)
    assert (acc.status, acc.maturity_on, acc.rate, acc.balance) == ("active", date(2027, 1, 31), Decimal("5"),
                                                                    1_000_000)
