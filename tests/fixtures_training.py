"""Shared fixtures of the training area (usable by every test).

- ``make_program(coop, **overrides)`` -> a programme.
- ``make_cohort(coop, program=None, capacity=5, sessions=5, starts_on=date(2026, 10, 5), admission="pmi",
  allowance_amount=0, **overrides)`` -> a cohort with ``sessions`` consecutive daily sessions.
- ``make_business(coop, resident, **overrides)`` -> a business (``training_businesses``) of a resident.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest


@pytest.fixture
def make_program(app):
    from coop.db import atomic
    from coop.training.services import create_program

    def _make(coop, **overrides):
        data = {"name": "Pengolahan Pangan Lokal", "topic": "Keripik dan sambal", "organiser": "Disnaker Kabupaten",
                "funder": "APBD", **overrides}
        return atomic(create_program, coop.id, **data)
    return _make


@pytest.fixture
def make_cohort(app, make_program):
    from coop.db import atomic
    from coop.training.services import create_cohort

    def _make(coop, program=None, *, capacity: int = 5, sessions: int = 5, starts_on: date = date(2026, 10, 5),
              **overrides):
        program = program or make_program(coop)
        days = [starts_on + timedelta(days=i) for i in range(sessions)]
        data = {"program_id": program.id, "starts_on": starts_on, "ends_on": days[-1], "capacity": capacity,
                "venue": "Balai Desa", "sessions": days, **overrides}
        return atomic(create_cohort, coop.id, **data)
    return _make


@pytest.fixture
def make_business(app):
    from coop.db import atomic
    from coop.training.followup import create_business

    def _make(coop, resident, **overrides):
        data = {"name": "Keripik Mbak Sri", "kind": "keripik pisang", "sector": "pangan", **overrides}
        return atomic(create_business, coop.id, resident_id=resident.id, **data)
    return _make
