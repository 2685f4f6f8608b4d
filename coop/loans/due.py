"""What a member owes on a loan today: the figure the cash desk asks for and prefills (pure, no DB).

``due`` is everything unpaid on instalments due on or before ``as_of`` (arrears, penalties and today's
instalment); when nothing is due yet, the next instalment is what a member paying ahead brings.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class AmountDue:
    #: unpaid on instalments due on or before the day (penalties included)
    due: int
    #: the first instalment after the day still owing something (None: none left)
    next_on: date | None
    next_amount: int

    @property
    def suggested(self) -> int:
        """The amount to prefill: what is due, else the next instalment."""
        return self.due or self.next_amount


def amount_due(insts, as_of: date) -> AmountDue:
    """``insts``: the loan's current schedule (objects with ``due_on`` and ``remaining``), in order.

    Worked example: instalments of Rp 110.000 due 27 Oct (paid 60.000) and 27 Nov, and 27 Dec; on 27 Nov
    the due amount is 50.000 + 110.000 = 160.000, the next instalment 27 Dec for 110.000."""
    due = sum(i.remaining for i in insts if i.due_on <= as_of)
    nxt = next((i for i in insts if i.due_on > as_of and i.remaining > 0), None)
    return AmountDue(due=due, next_on=nxt.due_on if nxt else None, next_amount=nxt.remaining if nxt else 0)
