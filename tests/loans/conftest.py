"""Fixtures shared by the loans tests (each module used to define its own copies)."""
from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def staff(coop, loan_staff):
    """``{"treasurer", "manager", "manager2"}`` of ``coop`` (maker-checker needs two managers)."""
    return loan_staff(coop)


@pytest.fixture
def member(coop, make_member):
    return make_member(coop)


@pytest.fixture
def any_class_may_be_written_off(coop):
    """For tests of the write-off workflow on fresh (Lancar) loans: the lowest class that may be written
    off (setting ``write_off_min_class``, default Macet) is proved in test_collectibility_schemes.py."""
    from coop import settings as coop_settings

    coop_settings.set_value(coop.id, "write_off_min_class", "lancar", effective_on=date(2026, 1, 1))
