"""The pages of issue 15 (items 2, 3, 4, 10) as users see them: the error summary at the top of every
refused form, the cash desk's loans with the amount due today and "Bayar angsuran", the loan decision
page (exposure, two buttons, maker-checker message, its status in lists and on the dashboard), and a
family member's training-only home. Numbers checked by hand: a Rp 9.000.000 loan over 12 months, flat
1 %/month, pays 750.000 principal + 90.000 interest = 840.000 a month."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from coop import clock
from coop.dates import add_months
from coop.db import db
from coop.ledger.models import JournalEntry
from coop.loans.models import Loan, LoanRepayment
from coop.savings import services as savings
from coop.training.models import Enrolment
from tests.membership.test_web import _csrf_free_form


def _count(model, coop_id):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.cooperative_id == coop_id))


# --- item 2: the error summary -------------------------------------------------------------------------

def test_refused_withdrawal_is_announced_at_the_top_with_a_link_to_the_field(coop, users, login, make_member,
                                                                            fund):
    """Withdrawing Rp 150.000 from Rp 100.000: is the refusal a focusable alert ABOVE the accounts, linking to
    the amount input, with nothing written?"""
    m = make_member(coop)
    fund(m, "sukarela", 100_000)
    acc = savings.account_for(coop.id, m.id, "sukarela")
    web = login(users["treasurer"])
    form = _csrf_free_form(web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True), f"withdraw-{acc.id}")
    form[f"withdraw-{acc.id}-amount"] = "150.000"
    entries = _count(JournalEntry, coop.id)
    resp = web.post(f"/cashdesk/members/{m.id}/transactions", data=form | {"confirm": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    summary = re.search(r'<div class="alert alert-danger" role="alert" id="error-summary" tabindex="-1".*?</div>',
                        html, re.S)
    assert summary, html[:3000]
    assert f'href="#withdraw-{acc.id}-amount"' in summary.group(0)
    assert html.index('id="error-summary"') < html.index(f'id="account-{acc.id}"')  # at the top of the screen
    assert f'id="withdraw-{acc.id}-amount"' in html  # the link's target exists
    assert savings.get_account(coop.id, acc.id).balance == 100_000 and _count(JournalEntry, coop.id) == entries


def test_every_macro_form_gets_the_summary_and_aria_on_the_field(coop, users, login):
    """A refused cash count (no date): summary at the top naming the field, the input aria-invalid and
    described by its message."""
    web = login(users["treasurer"])
    html = web.post("/cashdesk/cash-count", data={"counted_on": "", "counted": ""}).get_data(as_text=True)
    assert 'id="error-summary"' in html
    assert 'href="#counted_on"' in html
    tag = re.search(r'<input[^>]*id="counted_on"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in tag and 'aria-describedby="counted_on-error"' in tag
    assert 'id="counted_on-error"' in html


def test_no_summary_on_a_page_without_errors(coop, users, login, make_member):
    """Is there no error summary when nothing was refused?"""
    m = make_member(coop)
    assert 'id="error-summary"' not in login(users["treasurer"]).get(f"/cashdesk/members/{m.id}").get_data(
        as_text=True)


def test_summary_in_english(coop, users, login):
    """In English, is the summary's heading English?"""
    web = login(users["treasurer"])
    web.post("/lang/en", data={"next": "/"})
    html = web.post("/cashdesk/cash-count", data={"counted_on": "", "counted": ""}).get_data(as_text=True)
    assert "Please check these fields:" in html and 'href="#counted_on"' in html
    assert "Periksa lagi isian berikut" not in html


# --- item 3: loans at the cash desk --------------------------------------------------------------------

@pytest.fixture
def due_loan(coop, make_member, make_loan, today):
    """A Rp 9.000.000 loan disbursed a month ago whose first instalment (840.000) falls due today."""
    m = make_member(coop)
    month_ago = add_months(today, -1)
    loan = make_loan(coop, m, applied_on=month_ago, disbursed_on=month_ago, first_due_date=today)
    return m, loan


def test_cash_desk_shows_the_amount_due_today_and_pays_it(coop, users, login, due_loan):
    """Does the member page show 840.000 due today with a prefilled "Bayar angsuran", and does sending it
    record the repayment (outstanding 9.000.000 - 750.000 = 8.250.000)?"""
    m, loan = due_loan
    web = login(users["treasurer"])
    html = web.get(f"/cashdesk/members/{m.id}").get_data(as_text=True)
    block = re.search(rf'<li class="list-group-item loan-due" id="loan-{loan.id}">.*?</li>', html, re.S).group(0)
    assert "Harus dibayar hari ini" in block and "Rp 840.000" in block and "Bayar angsuran" in block
    amount = re.search(rf'id="repay-{loan.id}-amount" value="([^"]*)"', block).group(1)
    assert amount == "840.000"
    form = dict(re.findall(r'name="(csrf_token|paid_on|channel)" value="([^"]*)"', block))
    resp = web.post(f"/loans/{loan.id}/repay", data=form | {"amount": amount, "confirm": "1"})
    assert resp.status_code == 302 and "/receipt" in resp.location
    rep = db.session.scalar(sa.select(LoanRepayment).where(LoanRepayment.loan_id == loan.id))
    assert (rep.amount, rep.principal, rep.interest) == (840_000, 750_000, 90_000)
    show = web.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert re.search(r'id="outstanding-principal">Rp 8\.250\.000<', show)


def test_loan_page_prefills_the_instalment_due(coop, users, login, due_loan):
    """Does the loan page's repayment form come with 840.000 (the instalment due today) filled in?"""
    _, loan = due_loan
    html = login(users["treasurer"]).get(f"/loans/{loan.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="amount"[^>]*value="840\.000"', html)
    assert re.search(r'id="amount-due">Rp 840\.000<', html)


def test_application_does_not_show_outstanding_zero(coop, users, login, make_member, make_loan, today):
    """An application (nothing lent yet) shows no "Sisa pokok Rp 0"."""
    loan = make_loan(coop, make_member(coop), status="applied", applied_on=today)
    html = login(users["manager"]).get(f"/loans/{loan.id}").get_data(as_text=True)
    assert "outstanding-principal" not in html and "Sisa pokok" not in html.split('id="exposure"')[0]


# --- item 4: the decision page --------------------------------------------------------------------------

def test_decision_page_shows_the_applicants_exposure(coop, login, make_member, make_loan, loan_staff, fund,
                                                     make_cohort, today):
    """An applicant with a running loan overdue since a month ago (unpaid), Rp 300.000 sukarela, no wajib paid
    since joining and a completed training: are all shown on the application, with two buttons and nothing
    preselected?"""
    m = make_member(coop)
    fund(m, "sukarela", 300_000)
    two_months_ago = add_months(today, -2)
    old = make_loan(coop, m, applied_on=two_months_ago, first_due_date=add_months(today, -1))
    cohort = make_cohort(coop, starts_on=two_months_ago, sessions=1)
    db.session.add(Enrolment(cooperative_id=coop.id, cohort_id=cohort.id, resident_id=m.resident_id, seq=1,
                             status="completed", channel="officer", applied_on=two_months_ago,
                             completed_on=add_months(today, -1)))
    db.session.flush()
    app_loan = make_loan(coop, m, status="applied", applied_on=today, principal=2_000_000)
    staff = loan_staff(coop)
    html = login(staff["manager"]).get(f"/loans/{app_loan.id}").get_data(as_text=True)
    exposure = re.search(r'id="exposure".*?</div></div>', html, re.S).group(0)
    dpd = (today - add_months(today, -1)).days
    assert old.number in exposure and f"{dpd} hari lewat jatuh tempo" in exposure
    assert "Rp 9.000.000" in exposure  # the running loan's outstanding principal
    assert "Rp 300.000" in exposure and cohort.name in exposure
    assert "Tunggakan wajib" in exposure
    decision = re.search(r'id="decision".*?</form>', html, re.S).group(0)
    assert '<select' not in decision and "selected" not in decision
    assert 'name="decision" value="approve"' in decision and 'name="decision" value="reject"' in decision


def test_second_approval_by_the_same_manager_says_waiting_not_403(coop, login, make_member, make_loan,
                                                                 loan_staff, today):
    """A Rp 30.000.000 loan (above the Rp 25.000.000 two-approver limit): the first manager's approval leaves it
    "Menunggu persetujuan kedua" (in the list, its filter and the dashboard link); the same manager again is
    told so (no 403); a second manager approves it."""
    loan = make_loan(coop, make_member(coop), status="applied", applied_on=today, principal=30_000_000)
    staff = loan_staff(coop)
    web = login(staff["manager"])
    resp = web.post(f"/loans/{loan.id}/decide", data={"decision": "approve"}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "menunggu persetujuan kedua" in html
    assert re.search(r'id="loan-status">Menunggu persetujuan kedua<', html)
    assert 'id="decision"' not in html  # the first approver has nothing more to decide
    again = web.post(f"/loans/{loan.id}/decide", data={"decision": "approve"})
    assert again.status_code == 302
    assert "menunggu persetujuan kedua" in web.get(again.location).get_data(as_text=True)
    listed = web.get("/loans/?status=awaiting_second").get_data(as_text=True)
    assert loan.number in listed and "Menunggu persetujuan kedua" in listed
    assert loan.number not in web.get("/loans/?status=applied").get_data(as_text=True)
    dashboard = web.get("/dashboard").get_data(as_text=True)
    assert re.search(r'href="/loans/\?status=awaiting_second">Menunggu persetujuan kedua: <strong>1</strong>',
                     dashboard)
    login(staff["manager2"]).post(f"/loans/{loan.id}/decide", data={"decision": "approve"})
    assert db.session.get(Loan, loan.id).status == "approved"


def test_reject_needs_a_reason_and_no_button_means_no_decision(coop, login, make_member, make_loan, loan_staff,
                                                               today):
    """Tolak without a reason is refused with the reason asked for; a post without a button decides nothing."""
    loan = make_loan(coop, make_member(coop), status="applied", applied_on=today)
    web = login(loan_staff(coop)["manager"])
    html = web.post(f"/loans/{loan.id}/decide", data={"decision": "reject"}, follow_redirects=True).get_data(
        as_text=True)
    assert "Alasan penolakan wajib diisi." in html
    html = web.post(f"/loans/{loan.id}/decide", data={"note": "ok"}, follow_redirects=True).get_data(as_text=True)
    assert "Pilih Setujui atau Tolak." in html
    assert db.session.get(Loan, loan.id).status == "applied"
    with clock.frozen(today):
        web.post(f"/loans/{loan.id}/decide", data={"decision": "reject", "note": "usaha belum jalan"})
    assert db.session.get(Loan, loan.id).status == "rejected"


# --- item 10: a family member's home --------------------------------------------------------------------

def test_family_member_sees_a_training_home_not_savings(coop, make_pmi, make_user, login):
    """A resident's own login (role member, not a cooperative member): no "(Anggota)", no "Simpanan Saya",
    the training panel, and /members/me leads home."""
    r = make_pmi(coop, status="keluarga")
    user = make_user(coop, "member")
    user.resident_id = r.id
    db.session.flush()
    web = login(user)
    html = web.get("/dashboard").get_data(as_text=True)
    assert "(Anggota)" not in html and "Simpanan Saya" not in html
    assert "(Peserta pelatihan)" in html and "/training/" in html
    resp = web.get("/members/me")
    assert resp.status_code == 302 and resp.location.endswith("/dashboard")


def test_member_still_sees_savings(coop, make_member, make_user, login):
    """A real member's login keeps "(Anggota)" and "Simpanan Saya"."""
    m = make_member(coop)
    user = make_user(coop, "member")
    m.user_id = user.id
    db.session.flush()
    html = login(user).get("/dashboard").get_data(as_text=True)
    assert "(Anggota)" in html and "Simpanan Saya" in html


def test_repayment_above_the_payoff_is_not_posted_and_offers_payoff(coop, users, login, due_loan):
    """Rp 10.000.000 typed for a loan whose payoff today is 9.000.000 principal + 90.000 interest due today =
    9.090.000: the confirmation page warns naming the payoff, offers "Lunasi sekarang" and no "Konfirmasi";
    sent with confirm anyway, nothing is posted and the loan page names both amounts."""
    _, loan = due_loan
    web = login(users["treasurer"])
    data = {"amount": "10.000.000", "paid_on": loan.first_due_date.isoformat(), "channel": "cash"}
    page = web.post(f"/loans/{loan.id}/repay", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "melebihi pelunasan Rp 9.090.000" in html
    assert "Lunasi sekarang (Rp 9.090.000)" in html and 'name="confirm"' not in html
    assert f'action="/loans/{loan.id}/payoff"' in html
    resp = web.post(f"/loans/{loan.id}/repay", data=data | {"confirm": "1"})
    assert resp.status_code == 302 and resp.location.endswith(f"/loans/{loan.id}#repay")
    html = web.get(resp.location).get_data(as_text=True)
    assert "Jumlah Rp 10.000.000 melebihi pelunasan Rp 9.090.000" in html
    assert "Lunasi sekarang (Rp 9.090.000)" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoanRepayment)
                             .where(LoanRepayment.loan_id == loan.id)) == 0
