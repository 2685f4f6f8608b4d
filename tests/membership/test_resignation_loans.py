"""Worked example: resignation with an outstanding loan (savings net of the loan payoff, one entry)."""
from __future__ import annotations

from datetime import date

import pytest

from coop.db import atomic
from coop.errors import RuleViolation
from coop.ledger import chart
from coop.ledger.services import account_by_code
from coop.membership import services
from coop.savings import services as savings


def test_resignation_nets_the_outstanding_loan(coop, make_member, fund, make_loan):
    """Savings: pokok 100.000 + wajib 240.000 + sukarela 1.000.000 + the closing's jasa simpanan on the
    sukarela for 1-9 March (1.000.000 x 0,03 x 9 / 365 = 739,73 -> Rp 740) = Rp 1.340.740.
    Loan Rp 1.200.000 flat 1 %/month over 12 months, disbursed 5 Jan 2026 (first due 5 Feb). Leaving on
    10 Mar 2026: two instalments are due, so the payoff is the whole principal 1.200.000 plus two months
    of jasa 2 x 12.000 = Rp 1.224.000. Cash refund = 1.340.740 - 1.224.000 = Rp 116.740, in ONE entry."""
    m = make_member(coop, joined_on=date(2025, 1, 2))
    fund(m, "wajib", 240_000)
    fund(m, "sukarela", 1_000_000)
    loan = make_loan(coop, m, principal=1_200_000, term_months=12, applied_on=date(2026, 1, 5))
    kas_before = account_by_code(coop.id, chart.KAS).natural_balance()
    s = atomic(services.resign, coop.id, m.id, date(2026, 3, 10), actor=None)
    assert (s.savings_total, s.loans_total, s.refund) == (1_340_740, 1_224_000, 116_740)
    assert account_by_code(coop.id, chart.KAS).natural_balance() == kas_before - 116_740
    debits = sum(p.debit for p in s.entry.postings)
    assert debits == 1_340_740 and len({p.entry_id for p in s.entry.postings}) == 1
    from coop.db import db
    from coop.loans.models import Loan

    db.session.expire_all()
    assert db.session.get(Loan, loan.id).status != "active"
    assert all(a.balance == 0 for a in savings.accounts_of(coop.id, m.id))
    assert services.settlement_of(coop.id, m.id).loans_total == 1_224_000


def test_resignation_refused_when_savings_do_not_cover_the_loan(coop, make_member, make_loan):
    """Savings Rp 100.000 (pokok only) against a payoff of Rp 1.224.000: refused, Rp 1.124.000 short;
    nothing is written."""
    m = make_member(coop, joined_on=date(2025, 1, 2))
    make_loan(coop, m, principal=1_200_000, term_months=12, applied_on=date(2026, 1, 5))
    with pytest.raises(RuleViolation, match="melunasi Rp 1.124.000") as exc:
        atomic(services.resign, coop.id, m.id, date(2026, 3, 10), actor=None)
    assert exc.value.code == "loans_exceed_savings"
    assert services.get_member(coop.id, m.id).status == "active"
    assert savings.account_for(coop.id, m.id, "pokok").balance == 100_000
