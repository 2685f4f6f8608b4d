"""Collectibility schemes (DOMAIN.md, Loans): the 4-class Permen KUKM 14/2009 scheme (default) and the
5-class bank scheme with Dalam Perhatian Khusus (DPK), one scale 1 Lancar, 2 DPK, 3 Kurang Lancar,
4 Diragukan, 5 Macet. The scheme in force on the application date is copied onto the loan; the daily job,
the PPAP, the portfolio report (NPL without DPK) and the API follow it. And the lowest class a write-off
may be asked for (setting ``write_off_min_class``, default Macet): service, API and loan page."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from coop import settings as coop_settings
from coop.db import atomic, db
from coop.errors import Conflict, ValidationError
from coop.loans import jobs
from coop.loans import services as loans
from coop.loans.models import LoanClassChange
from coop.loans.reports import portfolio

DUE = date(2026, 2, 5)


def _bank5(coop, on=date(2026, 1, 1)):
    atomic(coop_settings.set_value, coop.id, "collectibility_scheme", "bank5", effective_on=on)


def _run(coop, day):
    return atomic(jobs.run_daily, coop.id, day)


def _history(loan):
    return [(c.changed_on, c.from_class, c.to_class, c.days_past_due) for c in db.session.scalars(
        sa.select(LoanClassChange).where(LoanClassChange.loan_id == loan.id).order_by(LoanClassChange.id))]


# ------------------------------------------------------------------------------------ scheme on the loan

def test_the_scheme_is_copied_onto_the_loan_and_a_later_change_does_not_reclassify_it(coop, make_member,
                                                                                    make_loan):
    """bank5 from 1 Jan: loan A (applied 5 Jan) gets DPK 0 / KL 90 / D 120 / M 180 and PPAP DPK 3 % in its
    terms. The cooperative goes back to koperasi4 from 10 Jan: loan B (applied 12 Jan) keeps the product's
    90 / 180 / 810. On 6 Feb, both one day late, A is DPK and B Lancar: A was not reclassified."""
    _bank5(coop)
    a = make_loan(coop, make_member(coop), first_due_date=DUE)
    atomic(coop_settings.set_value, coop.id, "collectibility_scheme", "koperasi4", effective_on=date(2026, 1, 10))
    b = make_loan(coop, make_member(coop), applied_on=date(2026, 1, 12), first_due_date=DUE)
    assert {k: a.terms[k] for k in ("collectibility_scheme", "dpk_after_days", "kl_after_days", "d_after_days",
                                    "m_after_days", "provision_dpk")} == {
        "collectibility_scheme": "bank5", "dpk_after_days": 0, "kl_after_days": 90, "d_after_days": 120,
        "m_after_days": 180, "provision_dpk": "3"}
    assert (b.terms["collectibility_scheme"], b.terms["dpk_after_days"], loans.thresholds(b.terms)) == (
        "koperasi4", None, (None, 90, 180, 810))
    _run(coop, DUE + timedelta(days=1))
    assert (a.collectibility, b.collectibility) == (2, 1)


def test_bank_scheme_classes_change_the_day_after_each_threshold(coop, member, make_loan):
    """Nothing paid, first due 5 Feb, the job every day: Lancar on the due date, DPK from day 1, still DPK
    at 90 days, KL at 91, D at 121, Macet at 181 (bank practice: DPK 1-90, KL 91-120, D 121-180)."""
    _bank5(coop)
    loan = make_loan(coop, member, first_due_date=DUE)
    seen = {}
    day = DUE
    while day <= DUE + timedelta(days=181):
        _run(coop, day)
        seen[(day - DUE).days] = loan.collectibility
        day += timedelta(days=1)
    assert {d: seen[d] for d in (0, 1, 90, 91, 120, 121, 180, 181)} == {
        0: 1, 1: 2, 90: 2, 91: 3, 120: 3, 121: 4, 180: 4, 181: 5}
    assert _history(loan) == [(DUE + timedelta(days=1), 1, 2, 1), (DUE + timedelta(days=91), 2, 3, 91),
                              (DUE + timedelta(days=121), 3, 4, 121), (DUE + timedelta(days=181), 4, 5, 181)]


def test_four_class_scheme_never_says_dpk(coop, member, make_loan):
    """The default scheme: 90 days late is still Lancar, 91 days Kurang Lancar (3): no day gives 2."""
    loan = make_loan(coop, member, first_due_date=DUE)
    _run(coop, DUE + timedelta(days=90))
    assert loan.collectibility == 1
    _run(coop, DUE + timedelta(days=91))
    assert loan.collectibility == 3
    assert [h[1:3] for h in _history(loan)] == [(1, 3)]


def test_provision_per_class_with_dpk(coop, make_member, make_loan):
    """28 Feb, two loans of 9.000.000 each 23 days late: A (bank5) is DPK, 3 % = 270.000; B (koperasi4)
    is Lancar, 0,5 % = 45.000. The PPAP posts 315.000."""
    _bank5(coop)
    a = make_loan(coop, make_member(coop), first_due_date=DUE)
    atomic(coop_settings.set_value, coop.id, "collectibility_scheme", "koperasi4", effective_on=date(2026, 1, 10))
    b = make_loan(coop, make_member(coop), applied_on=date(2026, 1, 12), first_due_date=DUE)
    _run(coop, date(2026, 2, 28))
    assert (a.collectibility, b.collectibility) == (2, 1)
    row = atomic(jobs.post_provision, coop.id, date(2026, 2, 28))
    assert (row.required, row.adjustment) == (315_000, 315_000)
    assert (row.detail["2"], row.detail["1"]) == (270_000, 45_000)


def test_dpk_rate_is_a_setting_copied_at_application(coop, member, make_loan):
    """PPAP DPK set to 5 % before the application: the DPK loan needs 5 % of 9.000.000 = 450.000."""
    _bank5(coop)
    atomic(coop_settings.set_value, coop.id, "provision_dpk", coop_settings.parse_value("provision_dpk", "5"),
           effective_on=date(2026, 1, 1))
    loan = make_loan(coop, member, first_due_date=DUE)
    _run(coop, date(2026, 2, 28))
    assert loan.terms["provision_dpk"] == "5"
    assert atomic(jobs.post_provision, coop.id, date(2026, 2, 28)).required == 450_000


# ------------------------------------------------------------------------------------ reports and API

def test_portfolio_npl_excludes_dpk(coop, make_member, make_loan):
    """bank5. On 7 May: loan A (first due 5 Feb, 91 days late) is Kurang Lancar, loan C (first due 5 Apr,
    32 days late) DPK, 9.000.000 each. NPL = 9.000.000 / 18.000.000 = 50 % (DPK not counted); PPAP
    10 % + 3 % = 900.000 + 270.000 = 1.170.000; the month-end snapshot's at-risk is KL only."""
    from coop.reports.jobs import portfolio_snapshot
    from coop.reports.models import PortfolioSnapshot

    _bank5(coop)
    make_loan(coop, make_member(coop), first_due_date=DUE)
    make_loan(coop, make_member(coop), first_due_date=date(2026, 4, 5))
    p = portfolio(coop.id, date(2026, 5, 7))
    assert {k: v["outstanding"] for k, v in p.by_class.items()} == {1: 0, 2: 9_000_000, 3: 9_000_000, 4: 0, 5: 0}
    assert (str(p.npl_percent), p.provision_required, p.risk_weighted) == ("50.00", 1_170_000, 4_500_000)
    atomic(portfolio_snapshot, coop.id, date(2026, 5, 7))
    snap = db.session.scalar(sa.select(PortfolioSnapshot).where(PortfolioSnapshot.cooperative_id == coop.id))
    assert (snap.outstanding, snap.at_risk) == (18_000_000, 9_000_000)


def test_four_class_portfolio_has_no_dpk_row(coop, member, make_loan):
    """Under the four-class scheme, do the portfolio and portfolio_by_class list classes 1, 3, 4 and 5 only
    (no DPK, 2)?"""
    make_loan(coop, member, first_due_date=DUE)
    assert sorted(portfolio(coop.id, date(2026, 5, 7)).by_class) == [1, 3, 4, 5]
    assert sorted(loans.portfolio_by_class(coop.id)) == [1, 3, 4, 5]


def test_api_gives_class_code_number_label_and_scheme(api, coop, users, member, make_loan):
    """GET /loans/{id} of a DPK loan: ``collectibility`` dalam_perhatian_khusus, class 2, the label and
    the scheme copied at application."""
    _bank5(coop)
    loan = make_loan(coop, member, first_due_date=DUE)
    _run(coop, DUE + timedelta(days=10))
    got = api(users["auditor"]).get(f"/loans/{loan.id}").json
    assert {k: got[k] for k in ("collectibility", "collectibility_class", "collectibility_label",
                                "collectibility_scheme")} == {
        "collectibility": "dalam_perhatian_khusus", "collectibility_class": 2,
        "collectibility_label": "Dalam Perhatian Khusus", "collectibility_scheme": "bank5"}


def test_scheme_settings_are_checked(coop):
    """Only koperasi4 / bank5; bank thresholds must rise (KL after 200 days > D after 120 is refused)."""
    assert coop_settings.parse_value("collectibility_scheme", " Bank5 ") == "bank5"
    with pytest.raises(ValidationError):
        coop_settings.parse_value("collectibility_scheme", "bank6")
    with pytest.raises(ValidationError):
        atomic(coop_settings.set_value, coop.id, "collectibility_scheme", "bank6", effective_on=date(2026, 1, 1))
    with pytest.raises(ValidationError) as exc:
        atomic(coop_settings.set_value, coop.id, "bank5_kl_after_days", 200, effective_on=date(2026, 1, 1))
    assert exc.value.fields == {"value": ["harus naik: DPK < KL < D < M"]}
    with pytest.raises(ValidationError):
        atomic(coop_settings.set_value, coop.id, "write_off_min_class", "hilang", effective_on=date(2026, 1, 1))
    assert coop_settings.get(coop.id, "bank5_kl_after_days") == 90


# ------------------------------------------------------------------------------------ write-off by class

def test_write_off_of_a_lancar_loan_is_refused_naming_the_class(coop, member, make_loan, staff):
    """Is a write-off request for a Lancar loan refused with write_off_class_too_low and a message naming
    Lancar and the minimum Macet, leaving no requester recorded?"""
    loan = make_loan(coop, member, first_due_date=DUE)
    with pytest.raises(Conflict) as exc:
        atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Pindah")
    assert exc.value.code == "write_off_class_too_low"
    assert exc.value.message == ("Pinjaman berkolektibilitas Lancar belum dapat dihapusbukukan: paling rendah "
                                 "Macet.")
    assert loan.write_off_requested_by_id is None


def test_write_off_allowed_from_macet_exactly(coop, member, make_loan, make_loan_product, staff):
    """Product KL / D / M after 30 / 60 / 90 days, a secured loan (collateral 9.000.000 against 9.000.000):
    at 90 days late (Diragukan) the request is refused, at 91 (Macet) it goes through and a second manager
    approves it."""
    product = make_loan_product(coop, kl_after_days=30, d_after_days=60, m_after_days=90)
    loan = make_loan(coop, member, product=product, first_due_date=DUE, collateral_description="BPKB motor",
                     collateral_value=9_000_000)
    _run(coop, DUE + timedelta(days=90))
    assert loan.collectibility == 4
    with pytest.raises(Conflict):
        atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Pindah")
    _run(coop, DUE + timedelta(days=91))
    assert loan.collectibility == 5
    atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Pindah")
    atomic(loans.approve_write_off, coop.id, loan.id, actor=staff["manager2"], on=DUE + timedelta(days=91))
    assert (loan.status, loan.written_off_amount) == ("written_off", 9_000_000)


def test_approval_refused_when_the_loan_improved_since_the_request(coop, member, make_loan, make_loan_product,
                                                                    staff):
    """Macet at 91 days (product M after 90): manager 1 asks. The member then pays everything overdue and
    the next run makes the loan Lancar: manager 2's approval is 409 ``write_off_class_too_low``, nothing is
    written off, the request stays pending for him to reject."""
    product = make_loan_product(coop, kl_after_days=30, d_after_days=60, m_after_days=90)
    loan = make_loan(coop, member, product=product, first_due_date=DUE)
    _run(coop, DUE + timedelta(days=91))
    atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Pindah")
    day = DUE + timedelta(days=92)
    atomic(loans.repay, coop.id, loan.id, loans.payoff_quote(coop.id, loan.id, day)["total"] - 5_250_000,
           actor=staff["treasurer"], paid_on=day)
    _run(coop, day)
    assert loan.collectibility == 1
    with pytest.raises(Conflict) as exc:
        atomic(loans.approve_write_off, coop.id, loan.id, actor=staff["manager2"], on=day)
    assert exc.value.code == "write_off_class_too_low"
    assert (loan.status, loan.write_off_requested_by_id) == ("active", staff["manager"].id)


def test_write_off_refused_over_the_api_and_on_the_page(api, client, login, coop, member, make_loan, staff):
    """API: 409 ``write_off_class_too_low`` naming Lancar; the loan page shows the same message and
    records no request. With the setting lowered to lancar the same request is accepted."""
    loan = make_loan(coop, member, first_due_date=DUE)
    r = api(staff["manager"]).post(f"/loans/{loan.id}/write-off", json={"reason": "Pindah"})
    assert r.status_code == 409 and r.json["error"]["code"] == "write_off_class_too_low"
    assert "Lancar" in r.json["error"]["message"]
    login(staff["manager"])
    page = client.post(f"/loans/{loan.id}/write-off/request", data={"note": "Pindah"}, follow_redirects=True)
    assert "berkolektibilitas Lancar belum dapat dihapusbukukan" in page.get_data(as_text=True)
    assert loan.write_off_requested_by_id is None
    atomic(coop_settings.set_value, coop.id, "write_off_min_class", "lancar", effective_on=date(2026, 1, 1))
    assert api(staff["manager"]).post(f"/loans/{loan.id}/write-off", json={"reason": "Pindah"}).status_code == 200


def test_products_page_names_the_bank_scheme_thresholds(client, login, coop, staff):
    """Under bank5 the products page says the bank thresholds replace the products' for new applications;
    under koperasi4 it says nothing of the kind."""
    login(staff["manager"])
    assert "Skema kolektibilitas bank" not in client.get("/loans/products").get_data(as_text=True)
    _bank5(coop)
    html = client.get("/loans/products").get_data(as_text=True)
    assert "Dalam Perhatian Khusus > 0 hari, KL > 90, D > 120, M > 180 hari tunggakan" in html
