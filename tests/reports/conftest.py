"""Fixtures of the reports tests: a small ledger whose every figure is checked by hand."""
from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def books(coop, users):
    """Five entries in 2026 (hand-checked balances at 2026-12-31):

    1. 01-05 Modal awal:        Dr Kas 3.000.000 / Cr Saldo Awal 3.000.000
    2. 02-10 Setoran sukarela:  Dr Kas 500.000 / Cr 2101 SS-0001 500.000
    3. 03-15 Pencairan:         Dr 1201 PIN-0001 2.000.000 / Cr Kas 2.000.000
    4. 04-15 Angsuran:          Dr Kas 250.000 / Cr PIN-0001 200.000 / Cr 4101 jasa 50.000
    5. 05-01 Listrik:           Dr 5201 30.000 / Cr Kas 30.000
    Kas = 3.000.000 + 500.000 - 2.000.000 + 250.000 - 30.000 = 1.720.000.
    """
    from coop.db import atomic
    from coop.ledger import chart
    from coop.ledger.services import Line, account_by_code, open_subaccount, post_entry

    actor = users["treasurer"]

    def _do():
        acc = {code: account_by_code(coop.id, code).id for code in
               (chart.KAS, chart.SALDO_AWAL, chart.PENDAPATAN_JASA, chart.BEBAN_OPERASIONAL)}
        ss = open_subaccount(coop.id, chart.SIMPANAN_SUKARELA, "SS-0001", "Sukarela Sri", min_balance=0).id
        loan = open_subaccount(coop.id, chart.PIUTANG_PINJAMAN, "PIN-0001", "Pinjaman Sri").id
        kas = acc[chart.KAS]
        post = post_entry
        post(coop.id, [Line.dr(kas, 3_000_000), Line.cr(acc[chart.SALDO_AWAL], 3_000_000)], actor=actor,
             memo="Modal awal", value_date=date(2026, 1, 5), source="manual")
        post(coop.id, [Line.dr(kas, 500_000), Line.cr(ss, 500_000)], actor=actor, memo="Setoran sukarela",
             value_date=date(2026, 2, 10), source="savings.deposit", source_ref="KW-1")
        post(coop.id, [Line.dr(loan, 2_000_000), Line.cr(kas, 2_000_000)], actor=actor,
             memo="Pencairan pinjaman", value_date=date(2026, 3, 15), source="loan.disbursement")
        post(coop.id, [Line.dr(kas, 250_000), Line.cr(loan, 200_000, memo="pokok"),
                       Line.cr(acc[chart.PENDAPATAN_JASA], 50_000, memo="jasa")], actor=actor,
             memo='Angsuran "April", ke-1\nSri', value_date=date(2026, 4, 15), source="loan.repayment")
        post(coop.id, [Line.dr(acc[chart.BEBAN_OPERASIONAL], 30_000), Line.cr(kas, 30_000)], actor=actor,
             memo="Listrik ✓ Mei", value_date=date(2026, 5, 1), source="manual")
        return {"kas": kas, "ss": ss, "loan": loan, **acc}

    return atomic(_do)


@pytest.fixture
def year2026(coop, users, make_member, fund, make_loan):
    """Two members, one loan with one instalment paid, one expense (see test_shu_yearend.py)."""
    from coop.db import atomic
    from coop.ledger import chart
    from coop.ledger.services import Line, account_by_code, post_entry
    from coop.loans import services as loans


    a = make_member(coop)
    b = make_member(coop)
    fund(a, "wajib", 100_000, date(2026, 1, 10))
    fund(b, "wajib", 300_000, date(2026, 1, 10))
    loan = make_loan(coop, a, principal=9_000_000, term_months=12, applied_on=date(2026, 1, 5))
    atomic(loans.repay, coop.id, loan.id, 840_000, actor=users["treasurer"], paid_on=date(2026, 2, 5))
    atomic(post_entry, coop.id, [Line.dr(account_by_code(coop.id, chart.BEBAN_OPERASIONAL).id, 10_000),
                                 Line.cr(account_by_code(coop.id, chart.KAS).id, 10_000)],
           actor=users["treasurer"], memo="ATK", value_date=date(2026, 3, 1))
    return a, b




@pytest.fixture
def rat_season():
    """The business date of the 2027 RAT season (2027-04-30): the tests that close the book year 2026 and
    allocate and pay its SHU in March-April 2027 run on a day after those dates (a year is closed once it
    has ended; nothing is posted after the business date)."""
    from datetime import date

    from coop import clock

    with clock.frozen(date(2027, 4, 30)) as day:
        yield day
