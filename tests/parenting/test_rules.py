"""Pure rules of community parenting, with dates counted by hand."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from coop.parenting import rules

AS_OF = date(2027, 3, 31)


def test_window_includes_day_90_and_excludes_day_91():
    """Is a contact exactly 90 days back (2026-12-31) inside the window and 91 days back (2026-12-30) not?"""
    assert rules.window_start(AS_OF) == date(2026, 12, 31)
    inside = rules.risk_signs(school_status="enrolled", group_session_days=[], attended_days=[],
                              contact_days=[date(2026, 12, 31)], as_of=AS_OF)
    outside = rules.risk_signs(school_status="enrolled", group_session_days=[], attended_days=[],
                               contact_days=[date(2026, 12, 30)], as_of=AS_OF)
    assert inside == [] and outside == ["no_parent_contact"]


def test_low_attendance_is_strictly_under_half_and_needs_two_sessions():
    """2 of 4 sessions is half (not flagged); 1 of 4 is under half; 0 of 1 is not judged (under 2 held)."""
    held = [date(2027, 1, 5), date(2027, 2, 5), date(2027, 3, 5), date(2027, 3, 30)]
    common = {"school_status": "preschool", "contact_days": [AS_OF], "as_of": AS_OF}
    assert rules.risk_signs(group_session_days=held, attended_days=held[:2], **common) == []
    assert rules.risk_signs(group_session_days=held, attended_days=held[:1], **common) == ["low_attendance"]
    assert rules.risk_signs(group_session_days=held[:1], attended_days=[], **common) == []


def test_school_signs():
    """not_enrolled and dropped_out are not_in_school; enrolled and preschool are not."""
    def sign(status):
        return rules.risk_signs(school_status=status, group_session_days=[], attended_days=[],
                                contact_days=[AS_OF], as_of=AS_OF)
    assert [sign(s) for s in rules.SCHOOL_STATUSES] == [[], ["not_in_school"], ["not_in_school"], []]


def test_quarters_and_gain():
    """2027Q1 is Jan 1..Mar 31, 2024Q1 ends on Feb 29's quarter end Mar 31, Q4 ends Dec 31; gains 35 and 25
    average 30.00; 45->80 and 50->76 average 30.50; junk quarters are None."""
    assert rules.parse_quarter("2027Q1") == (date(2027, 1, 1), date(2027, 3, 31))
    assert rules.parse_quarter("2026Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert rules.parse_quarter("2024Q2") == (date(2024, 4, 1), date(2024, 6, 30))
    assert [rules.parse_quarter(q) for q in ("2027Q5", "27Q1", "", "9999Q4")] == [None] * 4
    assert rules.quarter_of(date(2026, 11, 27)) == "2026Q4"
    assert rules.average_gain([(45, 80), (50, 75), (None, 90)]) == Decimal("30.00")
    assert rules.average_gain([(45, 80), (50, 76)]) == Decimal("30.50")
    assert rules.average_gain([(None, None)]) is None


def test_eligibility():
    """anak/cucu with an aktif or purna parent; calon or keluarga parents do not count."""
    assert rules.is_eligible_child("anak", ["none", "aktif"])
    assert rules.is_eligible_child("cucu", ["purna"])
    assert not rules.is_eligible_child("anak", ["calon", "keluarga"])
    assert not rules.is_eligible_child("menantu", ["aktif"])
