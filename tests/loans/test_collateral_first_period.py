"""Issue 13 defects 10 and 11: kolektibilitas with collateral, and the first period (prorated or anchored).

Worked examples, figures checked by hand:

Collateral (setting ``collateral_min_percent``, default 75 %): a loan past the D threshold (180 days) stays
Diragukan only while collateral >= 75 % x outstanding principal; 75 % of 9.000.000 = 6.750.000.

First period: Rp 3.000.000, 2 % a month, 3 months, rounding multiple Rp 1, disbursed 1 Jan 2026. One
period = 1 Jan -> 1 Feb = 31 days. Standard interest of period 1: 3.000.000 x 2 % = 60.000.
- 1 day (first due 2 Jan): 60.000 x 1 / 31 = 1.935,48 -> 1.935.
- 89 days (first due 31 Mar): 60.000 x 89 / 31 = 5.340.000 / 31 = 172.258,06 -> 172.258.
- efektif: principal 1.000.000 each; later interest 2 % of 2.000.000 = 40.000 and of 1.000.000 = 20.000.
- anuitas: A = 60.000 / (1 - 1,02^-3) = 60.000 / 0,05767767 = 1.040.264,02; instalment 1 principal
  1.040.264 - 60.000 = 980.264 (kept whatever the first period's length); balance 2.019.736, interest
  40.394,72 -> 40.395, principal 1.040.264 - 40.395 = 999.869; balance 1.019.867, interest 20.397,34 ->
  20.397, last principal 1.019.867.
- flat: interest on the original principal, 60.000 every month, never prorated (the schedule says so).
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from coop import settings as coop_settings
from coop.db import atomic, db
from coop.errors import ValidationError
from coop.loans import jobs, rules, schedule
from coop.loans import services as loans
from coop.loans.models import LoanClassChange

DUE = date(2026, 2, 5)
DISBURSED = date(2026, 1, 1)


def _run(coop, day):
    return atomic(jobs.run_daily, coop.id, day)


def _history(loan):
    return [(c.changed_on, c.from_class, c.to_class, c.days_past_due) for c in db.session.scalars(
        sa.select(LoanClassChange).where(LoanClassChange.loan_id == loan.id).order_by(LoanClassChange.id))]


# --------------------------------------------------------------------------------------------
# Collateral (pure rules)
# --------------------------------------------------------------------------------------------

def test_collateral_secures_at_exactly_the_share_and_not_one_rupiah_less():
    """At 75 %: Rp 7.500.000 secures an outstanding 10.000.000, Rp 7.499.999 does not; no collateral never
    does; a share of 0 % secures everything (the test switched off)."""
    assert rules.is_secured(7_500_000, 10_000_000, Decimal(75)) is True
    assert rules.is_secured(7_499_999, 10_000_000, Decimal(75)) is False
    assert rules.is_secured(None, 10_000_000, Decimal(75)) is False
    assert rules.is_secured(None, 10_000_000, Decimal(0)) is True


def test_unsecured_loan_past_kurang_lancar_is_macet_and_secured_one_diragukan_until_810():
    """Thresholds 90 / 180 / 810: at 181 days an unsecured loan is Macet (5), a secured one Diragukan (4);
    the secured one becomes Macet only at 811; at 180 both are Kurang Lancar."""
    th = (None, 90, 180, 810)
    assert rules.collectibility(180, th, secured=False) == rules.KURANG_LANCAR
    assert rules.collectibility(181, th, secured=False) == rules.MACET
    assert rules.collectibility(181, th, secured=True) == rules.DIRAGUKAN
    assert rules.collectibility(810, th, secured=True) == rules.DIRAGUKAN
    assert rules.collectibility(811, th, secured=True) == rules.MACET


# --------------------------------------------------------------------------------------------
# Collateral (the daily job, terms copied at application)
# --------------------------------------------------------------------------------------------

def test_unsecured_loan_goes_from_kurang_lancar_to_macet_on_day_181(coop, member, make_loan):
    """Defect 10's case: Rp 9.000.000, nothing paid, first due 5 Feb, no collateral. Kurang Lancar on day 91,
    Macet on day 181 (not Diragukan until day 811): the history says 1 -> 3 -> 5."""
    loan = make_loan(coop, member, first_due_date=DUE)
    _run(coop, DUE + timedelta(days=91))
    _run(coop, DUE + timedelta(days=180))
    assert loan.collectibility == rules.KURANG_LANCAR
    _run(coop, DUE + timedelta(days=181))
    assert loan.collectibility == rules.MACET
    assert _history(loan) == [(DUE + timedelta(days=91), 1, 3, 91), (DUE + timedelta(days=181), 3, 5, 181)]


def test_collateral_one_rupiah_short_of_75_percent_is_macet(coop, member, make_loan):
    """Collateral Rp 6.749.999 against 9.000.000 outstanding (75 % = 6.750.000): not recoverable enough,
    Macet on day 181; the loan with 6.750.000 stays Diragukan (see test_jobs)."""
    loan = make_loan(coop, member, first_due_date=DUE, collateral_description="Emas", collateral_value=6_749_999)
    _run(coop, DUE + timedelta(days=181))
    assert loan.collectibility == rules.MACET


def test_collateral_share_is_a_setting_copied_at_application(coop, member, make_loan):
    """The cooperative sets the share to 50 % from 1 Jan; a loan applied on 5 Jan with collateral
    4.500.000 (50 % of 9.000.000) is Diragukan on day 181. Raising the share to 90 % later does not
    reclassify it: the share travels on the loan's terms."""
    atomic(coop_settings.set_value, coop.id, "collateral_min_percent", Decimal(50), effective_on=date(2026, 1, 1))
    loan = make_loan(coop, member, first_due_date=DUE, collateral_description="BPKB", collateral_value=4_500_000)
    assert loan.terms["collateral_min_percent"] == "50"
    atomic(coop_settings.set_value, coop.id, "collateral_min_percent", Decimal(90), effective_on=date(2026, 2, 1))
    _run(coop, DUE + timedelta(days=181))
    assert loan.collectibility == rules.DIRAGUKAN


def test_portfolio_report_classes_an_unsecured_loan_macet(coop, member, make_loan):
    """The live portfolio (PAR/NPL page) uses the same rule: the unsecured 9.000.000 at 181 days is in
    Macet with its whole outstanding."""
    from coop.loans.reports import portfolio

    make_loan(coop, member, first_due_date=DUE)
    p = portfolio(coop.id, DUE + timedelta(days=181))
    assert p.by_class[rules.MACET] == {"count": 1, "outstanding": 9_000_000}
    assert p.by_class[rules.DIRAGUKAN]["count"] == 0


# --------------------------------------------------------------------------------------------
# First period (pure schedule)
# --------------------------------------------------------------------------------------------

def _plan(method, first_due, first_period_interest="prorate", disbursed_on=DISBURSED):
    terms = schedule.Terms(method, Decimal(2), 3, rounding_multiple=1, first_period_interest=first_period_interest)
    return [(i.principal, i.interest) for i in schedule.build_schedule(3_000_000, terms, first_due,
                                                                         disbursed_on=disbursed_on)]


def test_efektif_first_period_prorated_by_days():
    """Efektif (figures in the module docstring): 1 day -> 1.935, a month -> 60.000, 89 days -> 172.258;
    principal 1.000.000 each and later interest 40.000 / 20.000 whatever the first period."""
    assert _plan("efektif", date(2026, 1, 2)) == [(1_000_000, 1_935), (1_000_000, 40_000), (1_000_000, 20_000)]
    assert _plan("efektif", date(2026, 2, 1)) == [(1_000_000, 60_000), (1_000_000, 40_000), (1_000_000, 20_000)]
    assert _plan("efektif", date(2026, 3, 31)) == [(1_000_000, 172_258), (1_000_000, 40_000), (1_000_000, 20_000)]


def test_anuitas_first_period_prorated_principal_part_kept():
    """Anuitas: instalment 1 is 980.264 principal plus 1.935 / 60.000 / 172.258 interest; the rest equal
    the standard schedule (999.869 + 40.395, 1.019.867 + 20.397)."""
    rest = [(999_869, 40_395), (1_019_867, 20_397)]
    assert _plan("anuitas", date(2026, 1, 2)) == [(980_264, 1_935)] + rest
    assert _plan("anuitas", date(2026, 2, 1)) == [(980_264, 60_000)] + rest
    assert _plan("anuitas", date(2026, 3, 31)) == [(980_264, 172_258)] + rest


def test_flat_is_not_prorated_and_the_schedule_says_so():
    """Flat: 60.000 every month for 1 day or 89 days; ``first_period`` reports 1 (or 89) days against 31
    and ``prorated`` false, so the page and the API can say it plainly."""
    assert _plan("flat", date(2026, 1, 2)) == _plan("flat", date(2026, 3, 31)) == [(1_000_000, 60_000)] * 3
    terms = schedule.Terms("flat", Decimal(2), 3, first_period_interest="prorate")
    assert schedule.first_period(terms, date(2026, 1, 2), DISBURSED) == schedule.FirstPeriod(1, 31, False)
    efektif = schedule.Terms("efektif", Decimal(2), 3, first_period_interest="prorate")
    assert schedule.first_period(efektif, date(2026, 3, 31), DISBURSED) == schedule.FirstPeriod(89, 31, True)


def test_setting_none_keeps_a_full_period_of_interest():
    """``first_period_interest="none"``: efektif 1 day to the first due date still charges 60.000."""
    assert _plan("efektif", date(2026, 1, 2), "none")[0] == (1_000_000, 60_000)


def test_due_dates_keep_the_disbursement_day_after_a_short_month():
    """Disbursed 31 Jan 2026: one period later is 28 Feb, then 31 Mar, 30 Apr, 31 May (not the 28th); a
    standard first period (28 days = one period from 31 Jan) is not prorated."""
    terms = schedule.Terms("efektif", Decimal(1), 4, rounding_multiple=1, first_period_interest="prorate")
    first = schedule.standard_first_due(date(2026, 1, 31), "monthly")
    assert first == date(2026, 2, 28)
    plan = schedule.build_schedule(1_200_000, terms, first, disbursed_on=date(2026, 1, 31))
    assert [i.due_date for i in plan] == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)]
    assert plan[0].interest == 12_000  # 1 % of 1.200.000, a full period


# --------------------------------------------------------------------------------------------
# First period (services and API)
# --------------------------------------------------------------------------------------------

def test_booked_schedule_is_prorated_and_equals_the_preview(coop, member, make_loan, make_loan_product):
    """An efektif product (2 %, multiple 1), Rp 3.000.000 for 3 months, disbursed 1 Jan 2026 with the
    first due date 2 Jan: the booked first instalment has 1.935 interest, as the preview with the same
    dates says."""
    product = make_loan_product(coop, method="efektif", rate_percent_per_month=Decimal(2), rounding_multiple=1)
    loan = make_loan(coop, member, principal=3_000_000, term_months=3, product=product, applied_on=DISBURSED,
                     first_due_date=date(2026, 1, 2))
    assert loan.terms["first_period_interest"] == "prorate"
    booked = [(i.principal_due, i.interest_due) for i in loan.instalments]
    assert booked == [(1_000_000, 1_935), (1_000_000, 40_000), (1_000_000, 20_000)]
    preview = loans.preview(coop.id, product.id, 3_000_000, 3, date(2026, 1, 2), DISBURSED)
    assert [(i.principal, i.interest) for i in preview] == booked


def test_disbursement_without_first_due_date_takes_one_period(coop, member, make_loan_product, loan_staff):
    """Disbursed 31 Jan 2026 without a first due date: 28 Feb, then 31 Mar (the disbursement day kept)."""
    from tests.fixtures_ledger import top_up_cash

    staff = loan_staff(coop)
    product = make_loan_product(coop, method="efektif")
    loan = atomic(loans.apply, coop.id, actor=staff["treasurer"], member_id=member.id, product_id=product.id,
                  principal=1_200_000, term_months=3, purpose="Modal", applied_on=date(2026, 1, 31))
    atomic(loans.decide, coop.id, loan.id, actor=staff["manager"], decision="approve", note=None,
           on=date(2026, 1, 31))
    atomic(top_up_cash, coop.id, 1_200_000, date(2026, 1, 31))
    atomic(loans.disburse, coop.id, loan.id, actor=staff["treasurer"], disbursed_on=date(2026, 1, 31))
    assert [i.due_on for i in loan.instalments] == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


def test_preview_api_reports_the_first_period(api, staff, make_loan_product, coop):
    """POST /loan-schedules/preview with disbursed_on: 89 days against 31, prorated, interest 172.258; a
    disbursement date on or after the first due date is a 422 on first_due_date."""
    product = make_loan_product(coop, method="efektif", rate_percent_per_month=Decimal(2), rounding_multiple=1)
    body = {"product_id": product.id, "principal": 3_000_000, "term_months": 3, "first_due_date": "2026-03-31",
            "disbursed_on": "2026-01-01"}
    resp = api(staff["treasurer"]).post("/loan-schedules/preview", json=body)
    assert resp.status_code == 200, resp.json
    assert (resp.json["first_period_days"], resp.json["standard_period_days"],
            resp.json["first_period_prorated"]) == (89, 31, True)
    assert resp.json["instalments"][0]["interest"] == 172_258
    bad = api(staff["treasurer"]).post("/loan-schedules/preview", json=body | {"disbursed_on": "2026-03-31"})
    assert bad.status_code == 422 and "first_due_date" in bad.json["error"]["fields"]


def test_preview_refuses_a_first_due_date_before_disbursement(coop, make_loan_product):
    """The service refuses the same (422, not a negative interest)."""
    product = make_loan_product(coop, method="efektif")
    with pytest.raises(ValidationError):
        loans.preview(coop.id, product.id, 1_000_000, 3, date(2026, 1, 1), date(2026, 1, 5))
