"""The pre-departure loan template: interest-only months until the first salary, repaid from abroad by a
remittance into the family's sukarela account."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from coop.db import atomic, db
from coop.errors import ValidationError
from coop.loans import products
from coop.loans.repayments import repay
from coop.loans.services import outstanding_principal
from coop.remittances.predeparture import create_pre_departure_product
from coop.savings import services as savings


def test_template_schedule_has_three_interest_only_months(coop, today):
    """Rp 9.000.000 over 12 months at 1 % a month declining, 3 months' grace: are instalments 1-3 interest
    only (90.000), then 1.000.000 principal each with interest 90.000, 80.000 ... 10.000 (720.000 in all)?"""
    product = atomic(create_pre_departure_product, coop.id, actor=None)
    assert product.grace_periods == 3 and product.method == "efektif"
    plan = products.preview(coop.id, product.id, 9_000_000, 12, today + timedelta(days=30))
    assert [(i.principal, i.interest) for i in plan[:3]] == [(0, 90_000)] * 3
    assert [i.principal for i in plan[3:]] == [1_000_000] * 9
    assert [i.interest for i in plan[3:]] == [90_000 - 10_000 * k for k in range(9)]
    assert sum(i.interest for i in plan) == 720_000


def test_template_refuses_a_grace_as_long_as_the_term(coop):
    """With 6 months' grace, is a 6-month loan (no month left to repay principal) refused with a 422?"""
    product = atomic(create_pre_departure_product, coop.id, actor=None, name="Pra-penempatan panjang",
                     grace_periods=6)
    with pytest.raises(ValidationError):
        products.preview(coop.id, product.id, 6_000_000, 6, date(2027, 1, 5))


def test_remittance_repays_the_loan_from_the_family_account(coop, make_member, make_resident, make_loan, remit,
                                                           today):
    """Six months after disbursement (3 interest-only instalments and 3 with principal due), a remittance of
    1.090.000 is credited to the family's sukarela account and paid from it to the loan (channel savings):
    does the account end at 0 and the loan's outstanding principal fall?"""
    member = make_member(coop)
    sender = make_resident(coop)
    product = atomic(create_pre_departure_product, coop.id, actor=None)
    loan = make_loan(coop, member, principal=9_000_000, term_months=12, product=product,
                     applied_on=today - timedelta(days=200), disbursed_on=today - timedelta(days=190))
    acc = savings.account_for(coop.id, member.id, "sukarela")
    remit(acc, sender, 1_090_000, today - timedelta(days=5))
    before = outstanding_principal(loan)
    atomic(repay, coop.id, loan.id, 1_090_000, actor=None, paid_on=today - timedelta(days=5), channel="savings")
    db.session.expire_all()
    assert savings.get_account(coop.id, acc.id).balance == 0
    assert outstanding_principal(loan) < before
