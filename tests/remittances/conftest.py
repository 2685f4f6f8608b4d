"""Fixtures of the remittance tests: a family (member with a sukarela account) and a sender."""
from __future__ import annotations

import pytest


@pytest.fixture
def family(coop, make_member, make_resident):
    """``family()`` -> (member, sukarela account, sender resident) of ``coop``."""
    from coop.savings import services as savings

    def _make():
        member = make_member(coop)
        sender = make_resident(coop, sex="F", birth_date="1994-03-03")
        return member, savings.account_for(coop.id, member.id, "sukarela"), sender
    return _make


@pytest.fixture
def remit(app, coop):
    """``remit(account, sender, amount, received_on, **fields)`` -> a Remittance through the service."""
    from decimal import Decimal

    from coop.db import atomic
    from coop.remittances.services import record_remittance

    def _remit(acc, sender, amount, received_on, *, country="HK", channel="agent", currency="HKD",
               foreign_amount="1000", fee=0, goal_id=None, key=None):
        return atomic(record_remittance, coop.id, {
            "savings_account_id": acc.id, "sender_resident_id": sender.id, "country": country, "channel": channel,
            "currency": currency, "foreign_amount": Decimal(foreign_amount), "amount": amount, "fee": fee,
            "received_on": received_on, "goal_id": goal_id}, actor=None, idempotency_key=key)
    return _remit
