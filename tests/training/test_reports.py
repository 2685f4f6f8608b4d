"""Training reports: breakdowns with completion rates (hand-checked) and the funnel with real loans."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from coop.db import atomic, db
from coop.training import reports, services


def _run_cohort(coop, cohort, residents, attend, on):
    """Enrol ``residents``; those with attend[i] True attend every session and complete."""
    es = [atomic(services.enrol, coop.id, cohort.id, r.id, applied_on=on) for r in residents]
    for s in cohort.sessions:
        atomic(services.mark_attendance, coop.id, cohort.id, s.held_on, [e.id for e, a in zip(es, attend, strict=True) if a])
    for e, a in zip(es, attend, strict=True):
        if a:
            atomic(services.complete_enrolment, coop.id, e.id, completed_on=cohort.ends_on)
    atomic(services.close_cohort, coop.id, cohort.id)
    return es


def test_breakdowns_and_completion_rates(coop, make_cohort, make_pmi):
    """Cohort A: 3 participants (HK purna F, TW purna M, keluarga F), 2 complete.
    Cohort B: 2 participants (HK purna F, keluarga M), 1 completes.

    By sex: F 3 participants / 1 completed = 33.3 %; M 2 / 2 = 100.0 %.
    By PMI status: purna 3 / 2 = 66.7 %; keluarga 2 / 1 = 50.0 %.
    By country: HK 2 / 1, TW 1 / 1, none (families) 2 / 1.
    """
    a = make_cohort(coop, sessions=2, starts_on=date(2026, 3, 2))
    b = make_cohort(coop, sessions=2, starts_on=date(2026, 5, 4))
    hk_f = make_pmi(coop, country="HK", sex="F")
    tw_m = make_pmi(coop, country="TW", sex="M")
    kel_f = make_pmi(coop, status="keluarga", sex="F")
    hk_f2 = make_pmi(coop, country="HK", sex="F")
    kel_m = make_pmi(coop, status="keluarga", sex="M")
    _run_cohort(coop, a, [hk_f, tw_m, kel_f], [True, True, False], date(2026, 2, 20))
    _run_cohort(coop, b, [hk_f2, kel_m], [False, True], date(2026, 4, 20))
    rows = reports.participants(coop.id)
    assert len(rows) == 5
    by = {dim: {g["key"]: (g["participants"], g["completed"], g["completion_rate"]) for g in reports.breakdown(rows, dim)}
          for dim in reports.DIMENSIONS}
    assert by["sex"] == {"F": (3, 1, Decimal("33.3")), "M": (2, 2, Decimal("100.0"))}
    assert by["pmi_status"] == {"purna": (3, 2, Decimal("66.7")), "keluarga": (2, 1, Decimal("50.0"))}
    assert by["country"] == {"HK": (2, 1, Decimal("50.0")), "TW": (1, 1, Decimal("100.0")),
                             None: (2, 1, Decimal("50.0"))}
    assert [g[:2] for g in by["cohort"].values()] == [(3, 2), (2, 1)]
    assert {r["status"] for r in rows} == {"completed", "dropped"}


def test_funnel_counts_disbursed_loans_to_trained_businesses(coop, make_cohort, make_pmi, make_member,
                                                             make_loan, make_business):
    """3 trained; 2 started a business; 1 business has an active loan (on time), 1 an application only:
    funnel = trained 3, businesses 2, loans taken 1, repaying on time 1."""
    cohort = make_cohort(coop, sessions=1, starts_on=date(2026, 1, 5))
    people = [make_pmi(coop) for _ in range(3)]
    es = _run_cohort(coop, cohort, people, [True, True, True], date(2026, 1, 2))
    members = [make_member(coop, resident=r, joined_on=date(2025, 1, 2)) for r in people[:2]]
    b1 = make_business(coop, people[0], enrolment_id=es[0].id)
    b2 = make_business(coop, people[1], name="Batik Bu Ani", kind="batik", sector="kerajinan")
    make_loan(coop, members[0], principal=3_000_000, term_months=6, business_id=b1.id,
              applied_on=date(2026, 2, 2))
    make_loan(coop, members[1], principal=2_000_000, term_months=6, business_id=b2.id, status="applied",
              applied_on=date(2026, 2, 2))
    db.session.flush()
    assert reports.funnel(coop.id, as_of=date(2026, 2, 10)) == {
        "trained": 3, "businesses_started": 2, "loans_taken": 1, "repaying_on_time": 1}


def test_dashboard_lists_loans_to_trained_businesses(coop, make_cohort, make_pmi, make_member, make_loan,
                                                      make_business, users, login):
    """Does the training dashboard list the Rp 3.000.000 loan (its number) to the business "Keripik Lestari"
    of a trained resident, with the funnel?"""
    cohort = make_cohort(coop, sessions=1, starts_on=date(2026, 1, 5))
    r = make_pmi(coop)
    _run_cohort(coop, cohort, [r], [True], date(2026, 1, 2))
    m = make_member(coop, resident=r, joined_on=date(2025, 1, 2))
    b = make_business(coop, r, name="Keripik Lestari")
    loan = make_loan(coop, m, principal=3_000_000, term_months=6, business_id=b.id, applied_on=date(2026, 2, 2))
    page = login(users["manager"]).get("/training/dashboard").get_data(as_text=True)
    assert "Keripik Lestari" in page and loan.number in page and "Rp 3.000.000" in page
    assert 'data-testid="training-funnel"' in page
