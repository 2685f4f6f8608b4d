"""Bea meterai (UU 10/2020), one rule for every document the cooperative prints:

* a loan agreement (surat perjanjian) is dutiable at ANY amount (Pasal 3(2)(a));
* a receipt stating an amount over the threshold is dutiable (Pasal 3(2)(g)): loan repayments, fees, the
  loan disbursement kuitansi;
* documents about savings and payments of savings to depositors by a cooperative are EXEMPT whatever the
  amount (Pasal 7 huruf g): savings deposit and withdrawal slips, interest, resignation refunds.

The threshold and the stamp's value are stored settings (``stamp_duty_threshold``, ``stamp_duty_amount``),
read as of the document's date."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coop import settings

#: a loan agreement: dutiable at any amount
AGREEMENT = "agreement"
#: a receipt of a loan repayment, disbursement or fee: dutiable above the threshold
RECEIPT = "receipt"
#: a savings slip or a resignation refund: exempt (Pasal 7 huruf g)
SAVINGS = "savings"
DOCUMENTS = (AGREEMENT, RECEIPT, SAVINGS)


@dataclass(frozen=True)
class StampDuty:
    required: bool
    #: the stamp's value (Rp 10.000 by default)
    amount: int
    #: receipts above this amount need one (Rp 5.000.000 by default); agreements need one at any amount
    threshold: int


def stamp_duty(cooperative_id: int, amount: int, on: date | None = None, *, document: str) -> StampDuty:
    """Whether ``document`` (:data:`AGREEMENT`, :data:`RECEIPT` or :data:`SAVINGS`) stating ``amount``
    rupiah on ``on`` carries a stamp, and its value."""
    if document not in DOCUMENTS:
        raise ValueError(f"unknown document for bea meterai: {document!r}")
    threshold = settings.get_int(cooperative_id, "stamp_duty_threshold", on)
    if document == AGREEMENT:
        required = True
    elif document == SAVINGS:
        required = False
    else:
        required = amount > threshold
    return StampDuty(required=required, amount=settings.get_int(cooperative_id, "stamp_duty_amount", on),
                     threshold=threshold)
