"""`ledger verify` reconciles remittances with the journal (issue 21, Done when)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from coop.db import db
from coop.ledger.verify import verify
from coop.remittances.models import Remittance
from coop.savings import services as savings


def test_verify_passes_with_remittances_and_fails_on_a_tampered_amount(coop, family, remit, today):
    """With two remittances verify is ok; after someone changes one remittance's recorded rupiah from
    1.000.000 to 1.100.000 (the journal still credits 1.000.000), does verify report that remittance
    (expected 1.000.000, found 1.100.000) and the total (expected 1.750.000, found 1.850.000)?"""
    _member, acc, sender = family()
    r1 = remit(acc, sender, 1_000_000, today - timedelta(days=5))
    remit(acc, sender, 750_000, today, channel="bank")
    assert verify(coop.id)["ok"] is True
    db.session.execute(sa.update(Remittance).where(Remittance.id == r1.id).values(amount=1_100_000))
    result = verify(coop.id)
    assert result["ok"] is False
    found = {(p["code"], p["object"], p["expected"], p["found"]) for p in result["problems"]}
    assert found == {("remittance_amount_mismatch", f"remittance:{r1.id}", 1_000_000, 1_100_000),
                     ("remittance_total_mismatch", "remittances", 1_750_000, 1_850_000)}


def test_verify_names_a_remittance_pointing_at_another_account(coop, family, remit, today):
    """When a remittance's row is moved to the member's wajib account (its entry credited sukarela), does
    verify report it with expected 0 (what the entry credited wajib) and found 300.000?"""
    member, acc, sender = family()
    r = remit(acc, sender, 300_000, today)
    wajib = savings.account_for(coop.id, member.id, "wajib")
    db.session.execute(sa.update(Remittance).where(Remittance.id == r.id).values(savings_account_id=wajib.id))
    problems = verify(coop.id)["problems"]
    assert [(p["code"], p["expected"], p["found"]) for p in problems] == [
        ("remittance_amount_mismatch", 0, 300_000), ("remittance_total_mismatch", 0, 300_000)]
