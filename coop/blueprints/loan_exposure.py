"""The applicant's exposure on the loan decision page (issue 15, item 4): what a manager weighs before
saying yes. Read-only; composed here, in the web layer, because it spans areas that never import one
another (loans, savings, training): their other loans with class and days past due, their savings
balances, wajib arrears and the trainings they completed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from coop.db import db
from coop.loans import services as loans
from coop.savings import services as savings
from coop.training.models import Enrolment


@dataclass
class Exposure:
    other_loans: list[dict] = field(default_factory=list)
    savings: list = field(default_factory=list)
    savings_total: int = 0
    wajib_months: int = 0
    wajib_amount: int = 0
    trainings: list = field(default_factory=list)

    @property
    def running_principal(self) -> int:
        """Outstanding principal of the applicant's running loans."""
        return sum(row["outstanding"] for row in self.other_loans if row["loan"].status == "active")


def applicant_exposure(cooperative_id: int, loan, member, as_of: date) -> Exposure:
    """Everything else the member ``member`` (the applicant of ``loan``) owes or holds on ``as_of``."""
    out = Exposure()
    for other in loans.loans_of_member(cooperative_id, member.id):
        if other.id == loan.id or other.status in ("rejected",):
            continue
        insts = loans.instalments(other) if other.ledger_account_id else []
        out.other_loans.append({
            "loan": other, "outstanding": loans.outstanding_principal(other),
            "arrears": loans.arrears(insts, as_of) if other.status == "active" else 0,
            "dpd": loans.days_past_due(other, as_of, insts)})
    out.savings = savings.accounts_of(cooperative_id, member.id, include_closed=False)
    out.savings_total = sum(acc.balance for acc in out.savings)
    wajib = savings.wajib_status(cooperative_id, member, as_of)
    out.wajib_months, out.wajib_amount = wajib["months"], wajib["amount"]
    out.trainings = list(db.session.scalars(sa.select(Enrolment).where(
        Enrolment.cooperative_id == cooperative_id, Enrolment.resident_id == member.resident_id,
        Enrolment.status == "completed").order_by(Enrolment.completed_on.desc()).limit(20)))
    return out
