"""Bea meterai (UU 10/2020): a receipt or agreement for more than the threshold carries a stamp. Both
figures are stored settings (``stamp_duty_threshold``, ``stamp_duty_amount``), read as of the
document's date. One rule for the cash-desk kuitansi and the loan documents."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coop import settings


@dataclass(frozen=True)
class StampDuty:
    required: bool
    #: the stamp's value (Rp 10.000 by default)
    amount: int
    #: documents above this amount need one (Rp 5.000.000 by default)
    threshold: int


def stamp_duty(cooperative_id: int, amount: int, on: date | None = None) -> StampDuty:
    threshold = int(settings.get(cooperative_id, "stamp_duty_threshold", on))
    return StampDuty(required=amount > threshold, amount=int(settings.get(cooperative_id, "stamp_duty_amount", on)),
                     threshold=threshold)
