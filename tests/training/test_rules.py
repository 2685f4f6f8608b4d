"""Pure training rules, worked examples checked by hand."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop.training import rules


@pytest.mark.parametrize("pmi,admission,ok", [
    ("purna", "pmi", True), ("keluarga", "pmi", True), ("calon", "pmi", False), ("aktif", "pmi", False),
    ("none", "pmi", False), ("calon", "pmi_calon", True), ("none", "pmi_calon", False), ("none", "all", True),
    ("aktif", "all", True),
])
def test_eligibility_by_pmi_status_and_cohort_admission(pmi, admission, ok):
    """Default cohorts admit PMI purna and keluarga PMI; pmi_calon adds calon; all admits everyone."""
    verdict = rules.eligibility(pmi_status=pmi, resident_status="hidup", admission=admission)
    assert verdict.ok is ok
    assert (verdict.reason == "") is ok


def test_ineligible_reasons_are_specific():
    """The reason tells the applicant why (not a generic 'no')."""
    assert "Calon PMI" in rules.eligibility(pmi_status="calon", resident_status="hidup", admission="pmi").reason
    assert "aktif" in rules.eligibility(pmi_status="aktif", resident_status="hidup", admission="pmi").reason
    assert "tidak tercatat" in rules.eligibility(pmi_status="none", resident_status="hidup", admission="pmi").reason
    moved = rules.eligibility(pmi_status="purna", resident_status="pindah", admission="all")
    assert not moved.ok and "pindah" in moved.reason


@pytest.mark.parametrize("attended,sessions,pct,ok", [
    (4, 5, Decimal(80), True),    # exactly 80 %
    (3, 5, Decimal(80), False),   # 60 %
    (3, 4, Decimal(80), False),   # 75 %
    (4, 4, Decimal(80), True),
    (2, 3, Decimal("66.67"), False),  # 66.666.. < 66.67
    (2, 3, Decimal("66.66"), True),
    (0, 0, Decimal(80), False),   # no sessions: nothing to complete
    (1, 2, Decimal(50), True),
])
def test_completion_rule(attended, sessions, pct, ok):
    """Does the completion rule compare attendance with the percentage exactly: 4/5 at 80 % yes, 3/5 and 3/4
    no, 4/4 yes, 2/3 no at 66.67 and yes at 66.66, 0/0 no, 1/2 at 50 % yes?"""
    assert rules.meets_completion(attended, sessions, pct) is ok


def test_sessions_needed():
    """Are the sessions needed rounded up: 5 at 80 % -> 4, 4 -> 4 (3.2), 3 -> 3 (2.4), 10 at 75 % -> 8
    (7.5)?"""
    assert rules.sessions_needed(5, Decimal(80)) == 4
    assert rules.sessions_needed(4, Decimal(80)) == 4   # 3.2 -> 4
    assert rules.sessions_needed(3, Decimal(80)) == 3   # 2.4 -> 3
    assert rules.sessions_needed(10, Decimal(75)) == 8  # 7.5 -> 8


@given(st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=100))
def test_sessions_needed_is_the_threshold(sessions, pct):
    """``sessions_needed`` sessions pass the rule and one fewer does not."""
    need = rules.sessions_needed(sessions, Decimal(pct))
    assert rules.meets_completion(need, sessions, Decimal(pct))
    if need > 0:
        assert not rules.meets_completion(need - 1, sessions, Decimal(pct))


def test_certificate_number_format():
    """Is certificate 7 of 2026 in village 3504042001 numbered "SERT/3504042001/2026/0007"?"""
    assert rules.certificate_number(2026, 7, "3504042001") == "SERT/3504042001/2026/0007"


@pytest.mark.parametrize("start,months,expected", [
    (date(2026, 1, 15), 3, date(2026, 4, 15)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),   # clamped to February's end
    (date(2027, 8, 31), 6, date(2028, 2, 29)),    # leap year
    (date(2026, 5, 31), -3, date(2026, 2, 28)),
])
def test_add_months(start, months, expected):
    """Does add_months give 15 Jan 2026 + 3 = 15 Apr, 30 Nov 2026 + 3 = 28 Feb 2027, 31 Aug 2027 + 6 = 29 Feb
    2028 and 31 May 2026 - 3 = 28 Feb 2026?"""
    assert rules.add_months(start, months) == expected


def test_percent_rounds_half_up():
    """Does percent give 66.7 for 2 of 3, 12.5 for 1 of 8 and 0.0 for a zero total?"""
    assert rules.percent(2, 3) == Decimal("66.7")
    assert rules.percent(1, 8) == Decimal("12.5")
    assert rules.percent(1, 0) == Decimal("0.0")
