"""The loan portfolio "as of" a past day is the portfolio as the books stood at the end of that day
(issue 13, Deliver 6): loans disbursed later are out, loans paid off since are in, balances and classes are
those of that day, not today's."""
from __future__ import annotations

from datetime import date

from coop.db import atomic
from coop.loans import services as loans
from coop.loans.reports import portfolio
from coop.yearend import rat


def _by_class(p) -> dict[int, int]:
    return {k: v["outstanding"] for k, v in p.by_class.items() if v["count"]}


def test_portfolio_as_of_uses_the_loans_and_balances_of_that_day(app, coop, users, make_member, make_loan):
    """Loan A 9.000.000 (flat 1 %, 12 months, instalment 840.000 = 750.000 + 90.000) disbursed 5 Jan,
    one instalment paid 5 Feb, paid off 1 Jun; loan B 6.000.000 disbursed 10 Jun. As of 4 Feb: A alone,
    9.000.000; as of 5 Feb: 8.250.000; as of 31 May: still A alone, 8.250.000 (B not yet disbursed, A not
    yet paid off); as of 30 Jun: B alone, 6.000.000."""
    a = make_loan(coop, make_member(coop), principal=9_000_000, applied_on=date(2026, 1, 5),
                  first_due_date=date(2026, 2, 5))
    atomic(loans.repay, coop.id, a.id, 840_000, actor=users["treasurer"], paid_on=date(2026, 2, 5))
    atomic(loans.pay_off, coop.id, a.id, actor=users["treasurer"], paid_on=date(2026, 6, 1))
    make_loan(coop, make_member(coop), principal=6_000_000, applied_on=date(2026, 6, 10))

    figures = {day: (portfolio(coop.id, day).total, portfolio(coop.id, day).count)
               for day in (date(2026, 2, 4), date(2026, 2, 5), date(2026, 5, 31), date(2026, 6, 30))}
    assert figures == {date(2026, 2, 4): (9_000_000, 1), date(2026, 2, 5): (8_250_000, 1),
                       date(2026, 5, 31): (8_250_000, 1), date(2026, 6, 30): (6_000_000, 1)}
    assert (loans.portfolio_by_class(coop.id, date(2026, 5, 31)) ==
            portfolio(coop.id, date(2026, 5, 31)).by_class)


def test_portfolio_as_of_classes_by_the_arrears_of_that_day(app, coop, users, make_member, make_loan):
    """A 9.000.000 loan (first due 5 Feb) pays nothing until 20 May, then 2.520.000 = instalments 1-3.
    On 7 May the oldest unpaid instalment was 5 Feb's: 91 days late, Kurang Lancar (over 90 days), the
    whole 9.000.000; a report for 7 May run after the payment still says so. On 20 May the oldest unpaid is
    5 Jun's: Lancar, 9.000.000 - 3 x 750.000 = 6.750.000."""
    loan = make_loan(coop, make_member(coop), principal=9_000_000, applied_on=date(2026, 1, 5),
                     first_due_date=date(2026, 2, 5))
    before = _by_class(portfolio(coop.id, date(2026, 5, 7)))
    atomic(loans.repay, coop.id, loan.id, 2_520_000, actor=users["treasurer"], paid_on=date(2026, 5, 20))
    assert before == _by_class(portfolio(coop.id, date(2026, 5, 7))) == {3: 9_000_000}
    assert _by_class(portfolio(coop.id, date(2026, 5, 20))) == {1: 6_750_000}


def test_rat_pack_portfolio_is_the_book_years_end(app, coop, users, make_member, make_loan, rat_season):
    """A loan disbursed on 10 Jan 2027 is not in the 2026 RAT pack's portfolio (DOMAIN.md: every figure
    as of the book year's end); the 2026 loan of 9.000.000, paid off in February 2027, is, at 9.000.000."""
    old = make_loan(coop, make_member(coop), principal=9_000_000, applied_on=date(2026, 12, 1),
                    first_due_date=date(2027, 1, 1))
    make_loan(coop, make_member(coop), principal=4_000_000, applied_on=date(2027, 1, 10))
    atomic(loans.pay_off, coop.id, old.id, actor=users["treasurer"], paid_on=date(2027, 2, 1))
    pf = rat.rat_data(coop.id, 2026)["portfolio"]
    assert (pf["total"], pf["count"]) == (9_000_000, 1)
