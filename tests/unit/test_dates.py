"""One month arithmetic for every area: loans, savings and training use coop.dates (worked examples)."""
from __future__ import annotations

from datetime import date

from coop import dates
from coop.loans import schedule
from coop.savings import rules as savings_rules
from coop.training import rules as training_rules


def test_areas_share_one_implementation():
    """Do loans, savings and training use coop.dates' one add_months (and savings its month_bounds), not
    copies?"""
    assert schedule.add_months is savings_rules.add_months is training_rules.add_months is dates.add_months
    assert savings_rules.month_bounds is dates.month_bounds


def test_add_months_clamps_to_the_month_end_and_goes_back():
    """Does add_months clamp to the month's end (31 Jan 2026 + 1 = 28 Feb; 31 Dec 2027 + 2 = 29 Feb 2028; 31
    Aug 2026 + 6 = 28 Feb 2027) and go back (15 Mar 2026 - 3 = 15 Dec 2025), and are February 2028's bounds 1
    to 29?"""
    assert dates.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert dates.add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)
    assert dates.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert dates.add_months(date(2026, 3, 15), -3) == date(2025, 12, 15)
    assert dates.month_bounds(date(2028, 2, 10)) == (date(2028, 2, 1), date(2028, 2, 29))
