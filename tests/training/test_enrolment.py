"""Enrolment: eligibility from the registry, capacity, waitlist order, cancel/reject/select."""
from __future__ import annotations

import pytest

from coop.db import atomic
from coop.errors import Conflict, ValidationError
from coop.training import services


@pytest.fixture
def cohort(coop, make_cohort):
    return make_cohort(coop, capacity=2)


def _enrol(coop, cohort, resident, today, **kw):
    return atomic(services.enrol, coop.id, cohort.id, resident.id, applied_on=today, **kw)


def test_purna_and_keluarga_enrol_until_full_then_waitlist(coop, cohort, make_pmi, today):
    """Places go in application order; the third applicant to two places is waitlisted."""
    a, b, c = make_pmi(coop), make_pmi(coop, status="keluarga"), make_pmi(coop)
    assert [_enrol(coop, cohort, r, today).status for r in (a, b, c)] == ["enrolled", "enrolled", "waitlisted"]
    assert services.get_cohort(coop.id, cohort.id).enrolled_count == 2
    assert [e.seq for e in services.enrolments_of(cohort.id)] == [1, 2, 3]


def test_non_pmi_resident_is_not_eligible_with_reason(coop, cohort, make_resident, today):
    """A resident who is neither PMI purna nor in a PMI family gets code not_eligible and a reason."""
    r = make_resident(coop)
    with pytest.raises(ValidationError) as exc:
        _enrol(coop, cohort, r, today)
    assert exc.value.code == "not_eligible"
    assert "PMI purna" in exc.value.message
    assert services.enrolments_of(cohort.id) == []


def test_calon_needs_a_cohort_that_admits_calon(coop, make_cohort, make_pmi, today):
    """Is a calon PMI refused by a default cohort and enrolled in a cohort admitting pmi_calon?"""
    calon = make_pmi(coop, status="calon")
    default = make_cohort(coop)
    with pytest.raises(ValidationError):
        _enrol(coop, default, calon, today)
    orientation = make_cohort(coop, admission="pmi_calon")
    assert _enrol(coop, orientation, calon, today).status == "enrolled"


def test_open_to_all_cohort_admits_anyone(coop, make_cohort, make_resident, today):
    """Does a cohort with admission "all" enrol a resident with no PMI link?"""
    assert _enrol(coop, make_cohort(coop, admission="all"), make_resident(coop), today).status == "enrolled"


def test_cancel_promotes_first_waitlisted_in_order(coop, cohort, make_pmi, today):
    """Cancelling an enrolled place enrols the EARLIEST waitlisted applicant, not a later one."""
    rs = [make_pmi(coop) for _ in range(4)]
    es = [_enrol(coop, cohort, r, today) for r in rs]
    atomic(services.cancel_enrolment, coop.id, es[0].id)
    statuses = {e.id: e.status for e in services.enrolments_of(cohort.id)}
    assert statuses == {es[0].id: "cancelled", es[1].id: "enrolled", es[2].id: "enrolled", es[3].id: "waitlisted"}
    assert services.get_cohort(coop.id, cohort.id).enrolled_count == 2


def test_cancelling_a_waitlisted_application_frees_no_place(coop, cohort, make_pmi, today):
    """With four applicants for two places, does cancelling the first waitlisted one leave enrolled, enrolled,
    cancelled, waitlisted (no one promoted)?"""
    es = [_enrol(coop, cohort, make_pmi(coop), today) for _ in range(4)]
    atomic(services.cancel_enrolment, coop.id, es[2].id)
    assert [e.status for e in services.enrolments_of(cohort.id)] == ["enrolled", "enrolled", "cancelled", "waitlisted"]


def test_reject_needs_reason_and_promotes(coop, cohort, make_pmi, today, users):
    """Is a rejection with a blank reason refused, and does rejecting the second of three applicants with a
    reason store it and promote the waitlisted third (enrolled, rejected, enrolled)?"""
    es = [_enrol(coop, cohort, make_pmi(coop), today) for _ in range(3)]
    with pytest.raises(ValidationError):
        atomic(services.reject_enrolment, coop.id, es[1].id, reason="  ", actor=users["officer"])
    rejected = atomic(services.reject_enrolment, coop.id, es[1].id, reason="Sudah ikut angkatan lain",
                      actor=users["officer"])
    assert rejected.status == "rejected" and rejected.reason == "Sudah ikut angkatan lain"
    assert [e.status for e in services.enrolments_of(cohort.id)] == ["enrolled", "rejected", "enrolled"]


def test_select_moves_waitlisted_only_when_a_place_is_free(coop, make_cohort, make_pmi, today):
    """In a cohort of one place, is selecting the third applicant refused with cohort_full, and do a rejection
    and a cancellation each promote the next (rejected, cancelled, enrolled)?"""
    cohort = make_cohort(coop, capacity=1)
    es = [_enrol(coop, cohort, make_pmi(coop), today) for _ in range(3)]
    with pytest.raises(Conflict) as exc:
        atomic(services.select_enrolment, coop.id, es[2].id)
    assert exc.value.code == "cohort_full"
    atomic(services.reject_enrolment, coop.id, es[0].id, reason="Tidak hadir wawancara")  # promotes es[1]
    atomic(services.cancel_enrolment, coop.id, es[1].id)  # promotes es[2]
    assert [e.status for e in services.enrolments_of(cohort.id)] == ["rejected", "cancelled", "enrolled"]


def test_same_resident_cannot_hold_two_places_but_may_reapply_after_cancel(coop, cohort, make_pmi, today):
    """Is a second application by the same resident refused with already_enrolled, and after cancelling does a
    new application reuse the same enrolment, enrolled again with seq 2?"""
    r = make_pmi(coop)
    e = _enrol(coop, cohort, r, today)
    with pytest.raises(Conflict) as exc:
        _enrol(coop, cohort, r, today)
    assert exc.value.code == "already_enrolled"
    atomic(services.cancel_enrolment, coop.id, e.id)
    again = _enrol(coop, cohort, r, today)
    assert again.id == e.id and again.status == "enrolled" and again.seq == 2


def test_closed_cohort_refuses_applications(coop, cohort, make_pmi, today):
    """Is an application to a closed cohort refused with cohort_closed?"""
    atomic(services.set_cohort_open, coop.id, cohort.id, False)
    with pytest.raises(Conflict) as exc:
        _enrol(coop, cohort, make_pmi(coop), today)
    assert exc.value.code == "cohort_closed"


def test_cohort_validation(coop, make_program, today):
    """Is a cohort with capacity 0 and a session outside its dates refused naming exactly capacity and
    sessions?"""
    p = make_program(coop)
    from datetime import date
    with pytest.raises(ValidationError) as exc:
        atomic(services.create_cohort, coop.id, program_id=p.id, starts_on=date(2026, 1, 5),
               ends_on=date(2026, 1, 6), capacity=0, venue="Balai", sessions=[date(2026, 1, 9)])
    assert set(exc.value.fields) == {"capacity", "sessions"}


def test_other_cooperatives_resident_is_unknown(coop, cohort, make_coop, make_pmi, today):
    """Is enrolling another cooperative's resident refused with unknown_resident?"""
    other = make_coop("Koperasi Lain", village_code="3504042002")
    r = make_pmi(other)
    with pytest.raises(ValidationError) as exc:
        _enrol(coop, cohort, r, today)
    assert exc.value.code == "unknown_resident"


def test_attendance_of_a_future_session_is_refused(coop, make_cohort, make_pmi, today):
    """A session after today has not happened: marking it is a 422 session_in_future."""
    from datetime import timedelta

    cohort = make_cohort(coop, sessions=2, starts_on=today)
    e = _enrol(coop, cohort, make_pmi(coop), today)
    atomic(services.mark_attendance, coop.id, cohort.id, today, [e.id], as_of=today)
    with pytest.raises(ValidationError) as exc:
        atomic(services.mark_attendance, coop.id, cohort.id, today + timedelta(days=1), [e.id], as_of=today)
    assert exc.value.code == "session_in_future"
    assert services.attendance_of(e) == (1, 2)
