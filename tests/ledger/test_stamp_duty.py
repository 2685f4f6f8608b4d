"""Bea meterai (UU 10/2020), one rule for every printed document: agreements at any amount, receipts over
Rp 5.000.000, savings documents exempt (Pasal 7 huruf g)."""
from __future__ import annotations

import pytest

from coop.db import atomic
from coop.ledger.stamp_duty import AGREEMENT, RECEIPT, SAVINGS, stamp_duty
from coop.membership import services as membership
from coop.savings import cash
from coop.savings import services as savings


@pytest.mark.parametrize("document,amount,required", [
    (AGREEMENT, 1_000_000, True),     # Pasal 3(2)(a): a loan agreement at any amount
    (AGREEMENT, 9_000_000, True),
    (RECEIPT, 5_000_000, False),      # a repayment receipt of exactly Rp 5.000.000 is not over the threshold
    (RECEIPT, 5_000_001, True),       # one rupiah more is
    (SAVINGS, 5_500_000, False),      # Pasal 7 huruf g: savings slips exempt whatever the amount
    (SAVINGS, 250_000_000, False),
])
def test_which_documents_carry_a_stamp(coop, today, document, amount, required):
    """Does a document carry the Rp 10.000 stamp exactly when UU 10/2020 makes it dutiable?"""
    duty = stamp_duty(coop.id, amount, today, document=document)
    assert (duty.required, duty.amount, duty.threshold) == (required, 10_000, 5_000_000)


def test_an_unknown_document_kind_is_refused(coop, today):
    """Does the rule refuse a document kind it does not know rather than guess?"""
    with pytest.raises(ValueError):
        stamp_duty(coop.id, 1, today, document="kuitansi")


def test_a_resignation_refund_over_5_million_carries_no_stamp(coop, today, make_member, fund):
    """Is the kuitansi of a resignation refund of pokok 100.000 + sukarela 7.000.000 = Rp 7.100.000 free of
    bea meterai (a payment of savings to a depositor, Pasal 7 huruf g)?"""
    m = make_member(coop)
    savings.default_product(coop.id, "sukarela").interest_method = "none"  # no closing jasa: a round refund
    fund(m, "sukarela", 7_000_000)
    s = atomic(membership.resign, coop.id, m.id, today, actor=None)
    view = cash.receipt(coop.id, s.entry.id)
    assert view.amount == s.refund == 7_100_000
    assert view.stamp_duty is False
