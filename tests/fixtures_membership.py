"""Shared fixtures of the membership area (usable by every test).

- ``make_member(coop, resident=None, pay_pokok=True, actor=None, joined_on=date(2025, 1, 2))`` -> an
  ``active`` member (``applied`` when ``pay_pokok=False``) with pokok, wajib and sukarela accounts.
  Without ``resident`` a fresh eligible resident of the cooperative's village is created.
- ``fund(member, kind, amount, value_date=None)`` -> deposits through ``savings.deposit``.
- ``seed_savings(coop)`` -> the default savings products.
"""
from __future__ import annotations

from datetime import date

import pytest

DEFAULT_JOINED_ON = date(2025, 1, 2)


@pytest.fixture
def seed_savings(app):
    from coop.db import atomic
    from coop.savings.services import seed_defaults

    def _seed(coop):
        return atomic(seed_defaults, coop.id)
    return _seed


@pytest.fixture
def make_member(app, request, seed_savings):
    from coop.db import atomic
    from coop.membership.services import register_member
    from coop.savings import services as savings

    def _make(coop, resident=None, pay_pokok: bool = True, actor=None, joined_on: date = DEFAULT_JOINED_ON,
              **resident_overrides):
        seed_savings(coop)
        if resident is None:
            make_resident = request.getfixturevalue("make_resident")
            resident_overrides.setdefault("birth_date", date(1990, 5, 17))
            resident = make_resident(coop, **resident_overrides)

        def _do():
            member = register_member(coop.id, resident.id, joined_on, actor=actor)
            if pay_pokok:
                acc = savings.account_for(coop.id, member.id, "pokok")
                savings.deposit(coop.id, acc.id, acc.product.amount, actor=actor, value_date=joined_on,
                                memo="Simpanan pokok")
            return member
        return atomic(_do)
    return _make


@pytest.fixture
def fund(app):
    from coop.db import atomic
    from coop.savings import services as savings

    def _fund(member, kind: str, amount: int, value_date: date | None = None, actor=None):
        def _do():
            acc = savings.account_for(member.cooperative_id, member.id, kind)
            return savings.deposit(member.cooperative_id, acc.id, amount, actor=actor,
                                   value_date=value_date or member.joined_on)
        return atomic(_do)
    return _fund
