"""The resignation preview shows the refund the member will get: the closing pays the savings interest up
to the day before the closing (DOMAIN.md), so the preview includes it, without writing anything."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from coop.db import atomic, db
from coop.ledger.models import JournalEntry
from coop.membership import services as membership


def test_preview_includes_the_closing_interest_and_equals_the_refund(coop, make_member, fund, users):
    """Pokok 100.000 + sukarela 10.000.000 from 2 January 2026 at the default 3 % a year on the daily
    balance; resignation on 12 February. February's interest up to the day before: 10.000.000 x 0,03 x
    11 / 365 = 9.041,09 -> Rp 9.041 (under the PPh threshold: no tax). January's run has not been posted,
    so the closing pays only February. Preview and resignation both say 10.109.041, and the preview
    writes no entry."""
    member = make_member(coop, joined_on=date(2026, 1, 2))
    fund(member, "sukarela", 10_000_000, date(2026, 1, 2))
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))
    preview = membership.settlement_preview(coop.id, member.id, date(2026, 2, 12))
    assert (preview.savings_total, preview.loans_total, preview.refund) == (10_109_041, 0, 10_109_041)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == entries
    assert all(acc.closed_on is None for acc, _ in preview.savings)
    fund(make_member(coop, joined_on=date(2026, 1, 2)), "sukarela", 50_000, date(2026, 1, 2))  # Kas for the jasa
    s = atomic(membership.resign, coop.id, member.id, date(2026, 2, 12), actor=users["treasurer"])
    assert (s.savings_total, s.refund) == (10_109_041, 10_109_041)
