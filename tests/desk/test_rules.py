"""Pure rules of the migration service desk: stage order, required documents, eligibility, red flags."""
from datetime import date

from coop.desk import rules
from coop.desk.rules import AgencyCheck

ALL_VERIFIED = {c: "verified" for c in rules.DOCUMENT_CODES}


def test_orientation_needs_visa_and_both_agreements():
    """Which codes does a case at `visa` miss for `orientation` with only the work visa verified?"""
    refusal = rules.check_move("visa", "orientation", age=25, statuses={"work_visa": "verified",
                                                                        "placement_agreement": "submitted"})
    assert refusal.code == "missing_documents"
    assert refusal.missing == ("placement_agreement", "work_agreement")


def test_departed_needs_all_eight_pasal13_documents():
    """With only ktp, kk and the passport verified, does `departed` name the seven other Pasal 13 codes?"""
    statuses = {"ktp": "verified", "kk": "verified", "passport": "verified"}
    refusal = rules.check_move("orientation", "departed", age=30, statuses=statuses)
    assert refusal.missing == ("marital_status_letter", "family_permission", "competency_certificate",
                               "health_certificate", "work_visa", "placement_agreement", "work_agreement")
    assert rules.check_move("orientation", "departed", age=30, statuses=ALL_VERIFIED) is None


def test_early_stages_need_no_documents():
    """Can a case move from consultation to registered with an empty checklist?"""
    assert rules.check_move("consultation", "registered", age=18, statuses={}) is None


def test_under_18_not_eligible_past_consultation_but_may_stop():
    """Is a 17-year-old refused `registered` (not_eligible) and still allowed to be stopped with a reason?"""
    assert rules.check_move("consultation", "registered", age=17, statuses={}).code == "not_eligible"
    assert rules.check_move("consultation", "stopped", age=17, statuses={}, reason="di bawah umur") is None
    assert rules.check_move("consultation", "stopped", age=17, statuses={}).code == "reason_required"


def test_moves_only_forward_and_closed_stays_closed():
    """Are backward moves, returning before departure, and moves of a closed case refused?"""
    assert rules.check_move("medical", "registered", age=30, statuses={}).code == "invalid_stage"
    assert rules.check_move("visa", "returned", age=30, statuses={}).code == "invalid_stage"
    assert rules.check_move("departed", "returned", age=30, statuses={}) is None
    assert rules.check_move("stopped", "registered", age=30, statuses={}).code == "case_closed"


def test_age_on_birthday():
    """Is someone born 2008-11-28 17 on 2026-11-27 and 18 on 2026-11-28?"""
    assert rules.age_on(date(2008, 11, 28), date(2026, 11, 27)) == 17
    assert rules.age_on(date(2008, 11, 28), date(2026, 11, 28)) == 18


def test_skipped_stages():
    """consultation -> registered -> medical skips `recommended`; stopped rows are ignored."""
    assert rules.skipped_stages(["consultation", "registered", "medical"]) == ("recommended",)
    assert rules.skipped_stages(["consultation", "registered", "stopped"]) == ()


def test_contract_end_and_passport_flag():
    """A 24-month contract from 2027-01-15 ends 2029-01-15: a passport expiring 2028-12-31 is flagged."""
    end = rules.contract_end(24, date(2027, 1, 15))
    assert end == date(2029, 1, 15)
    flags = rules.red_flags(age=25, job_order_ref="JO-1", licence_number="KEP.1/2024",
                            checks=[AgencyCheck("KEP.1/2024", date(2026, 11, 1), "valid")], visa_kind="work",
                            history=["consultation"], passport_expires_on=date(2028, 12, 31), contract_end_on=end)
    assert flags == ["passport_expires_before_contract_end"]


def test_agency_flags_follow_latest_check_of_the_licence():
    """Unchecked -> not verified; latest `not_found` -> invalid; a later `valid` clears both; a check of
    another licence does not verify the case's one."""
    lic = "KEP 123/2024"
    assert rules.agency_flags(lic, []) == ("agency_not_verified",)
    bad = AgencyCheck("kep123/2024", date(2026, 10, 1), "not_found")
    assert rules.agency_flags(lic, [bad]) == ("agency_invalid",)
    good = AgencyCheck("KEP 123/2024", date(2026, 10, 5), "valid")
    assert rules.agency_flags(lic, [bad, good]) == ()
    assert rules.agency_flags(lic, [AgencyCheck("KEP 9/2020", date(2026, 10, 5), "valid")]) == ("agency_not_verified",)
    assert rules.agency_flags(None, [good]) == ("agency_not_verified",)


def test_all_red_flags_in_order():
    """A 17-year-old, no job order, no licence, a tourist visa and a skipped stage: five flags in order."""
    flags = rules.red_flags(age=17, job_order_ref=" ", licence_number=None, checks=[], visa_kind="tourist",
                            history=["consultation", "medical"], passport_expires_on=None, contract_end_on=None)
    assert flags == ["under_18", "agency_not_verified", "no_job_order", "not_work_visa", "stage_skipped"]
