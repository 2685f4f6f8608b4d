"""Shared fixtures of the loans area (usable by every test).

- ``make_loan_product(coop, **settings)`` -> a ``LoanProduct`` (default: flat 1 % a month, 1-36 months,
  rounding Rp 100, no fee, penalty 1 % of the overdue instalment after 15 days).
- ``make_loan(coop, member, principal=9_000_000, term_months=12, status="active", product=None,
  applied_on=date(2026, 1, 5), disbursed_on=None, first_due_date=None, mode="cash", **apply_kw)`` -> a loan
  taken through apply (treasurer), approve (manager, a second one above the two-approver limit) and
  disburse (treasurer). ``status`` is ``"applied"``, ``"approved"`` or ``"active"``. A cash disbursement
  first tops Kas up to the principal with paid-in capital when the box holds less (cash may not go
  negative; ``fund_cash=False`` leaves the box as it is).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest


@pytest.fixture
def make_loan_product(app):
    from coop.db import atomic
    from coop.loans import services as loans

    counter = {"n": 0}

    def _make(coop, **settings):
        counter["n"] += 1
        values = {"name": f"Pinjaman Uji {counter['n']}", "method": "flat",
                  "rate_percent_per_month": Decimal("1"), "min_term_months": 1, "max_term_months": 36,
                  "fee_percent": Decimal(0), "fee_fixed": 0} | settings
        return atomic(loans.create_product, coop.id, actor=None, **values)
    return _make


@pytest.fixture
def loan_staff(app, make_user):
    """``loan_staff(coop)`` -> ``{"treasurer", "manager", "manager2"}`` users of ``coop`` (cached)."""
    cache: dict = {}

    def _staff(coop):
        if coop.id not in cache:
            cache[coop.id] = {"treasurer": make_user(coop, "treasurer"), "manager": make_user(coop, "manager"),
                              "manager2": make_user(coop, "manager")}
        return cache[coop.id]
    return _staff


@pytest.fixture
def make_loan(app, make_loan_product, loan_staff):
    from coop import settings as coop_settings
    from coop.db import atomic
    from coop.loans import services as loans

    products: dict = {}

    def _make(coop, member, principal: int = 9_000_000, term_months: int = 12, status: str = "active",
              product=None, applied_on: date = date(2026, 1, 5), disbursed_on: date | None = None,
              first_due_date: date | None = None, mode: str = "cash", purpose: str = "Modal usaha",
              fund_cash: bool = True, **apply_kw):
        staff = loan_staff(coop)
        if product is None:
            if coop.id not in products:
                products[coop.id] = make_loan_product(coop)
            product = products[coop.id]
        loan = atomic(loans.apply, coop.id, actor=staff["treasurer"], member_id=member.id, product_id=product.id,
                      principal=principal, term_months=term_months, purpose=purpose, applied_on=applied_on,
                      **apply_kw)
        if status == "applied":
            return loan
        atomic(loans.decide, coop.id, loan.id, actor=staff["manager"], decision="approve", note=None, on=applied_on)
        if principal > coop_settings.get(coop.id, "loan_two_approvers_above"):
            atomic(loans.decide, coop.id, loan.id, actor=staff["manager2"], decision="approve", note=None,
                   on=applied_on)
        if status == "approved":
            return loan
        on = disbursed_on or applied_on
        due = first_due_date or date(on.year + (on.month // 12), on.month % 12 + 1, min(on.day, 28))
        if mode == "cash" and fund_cash:
            from tests.fixtures_ledger import top_up_cash

            atomic(top_up_cash, coop.id, principal, on)
        return atomic(loans.disburse, coop.id, loan.id, actor=staff["treasurer"], disbursed_on=on,
                      first_due_date=due, mode=mode)
    return _make
