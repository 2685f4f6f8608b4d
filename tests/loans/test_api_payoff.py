"""Early payoff over the API: GET /loans/{id}/payoff-quote and POST /loans/{id}/payoff call the same
services as the loan page's "Lunasi sekarang" button (payoff_quote, pay_off)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from coop.db import atomic, db
from coop.ledger import chart
from coop.ledger.services import account_by_code
from coop.loans import jobs
from coop.loans.models import LoanRepayment

DUE = date(2026, 2, 5)


def _kas(coop) -> int:
    return account_by_code(coop.id, chart.KAS).natural_balance()


def _payoffs(loan) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoanRepayment).where(
        LoanRepayment.loan_id == loan.id, LoanRepayment.kind == "payoff"))


def test_quote_and_payoff_of_a_flat_loan_after_three_instalments(api, coop, staff, member, make_loan):
    """Flat 1 % a month, 9.000.000 over 12 months: 840.000 a month (750.000 principal + 90.000 interest).
    Instalments 1-3 paid; on 20 May instalment 4 (due 5 May) is open. Payoff then costs the 6.750.000
    principal left + instalment 4's 90.000 interest = 6.840.000; the interest of instalments 5-12
    (8 x 90.000 = 720.000) is waived. The payoff closes the loan and books 6.840.000 into Kas."""
    loan = make_loan(coop, member, first_due_date=DUE)
    tre = api(staff["treasurer"])
    for n, day in enumerate(("2026-02-05", "2026-03-05", "2026-04-05")):
        assert tre.post(f"/loans/{loan.id}/repayments", json={"amount": 840_000, "paid_on": day}).status_code == 201, n
    quote = tre.get(f"/loans/{loan.id}/payoff-quote?as_of=2026-05-20")
    assert quote.status_code == 200, quote.json
    assert quote.json == {"loan_id": loan.id, "as_of": "2026-05-20", "principal": 6_750_000, "interest": 90_000,
                          "fee": 0, "penalty": 0, "total": 6_840_000, "interest_waived": 720_000}
    # the day before instalment 4 fell due, its interest is not owed yet: principal only
    early = tre.get(f"/loans/{loan.id}/payoff-quote?as_of=2026-05-04").json
    assert (early["interest"], early["total"], early["interest_waived"]) == (0, 6_750_000, 810_000)

    kas = _kas(coop)
    paid = tre.post(f"/loans/{loan.id}/payoff", json={"amount": 6_840_000, "paid_on": "2026-05-20"},
                    headers={"Idempotency-Key": "lunas-1"})
    assert paid.status_code == 201, paid.json
    assert paid.json["allocation"] == {"penalty": 0, "fee": 0, "interest": 90_000, "principal": 6_750_000}
    assert (paid.json["amount"], paid.json["outstanding_principal"], paid.json["loan_status"]) == (
        6_840_000, 0, "closed")
    assert _kas(coop) == kas + 6_840_000
    got = tre.get(f"/loans/{loan.id}").json
    assert (got["status"], got["close_reason"], got["closed_on"]) == ("closed", "payoff", "2026-05-20")
    waived = [r["interest_waived"] for r in tre.get(f"/loans/{loan.id}/schedule").json["instalments"]]
    assert waived == [0, 0, 0, 0] + [90_000] * 8


def test_payoff_replay_posts_once_and_another_body_is_409(api, coop, staff, member, make_loan):
    """The same Idempotency-Key and body returns the stored 201 body; Kas moves once, one payoff row.
    The key with another body is 409 idempotency_conflict; a fresh payoff of the closed loan is 409."""
    loan = make_loan(coop, member, first_due_date=DUE)
    tre = api(staff["treasurer"])
    body = {"amount": 9_000_000, "paid_on": "2026-01-20"}
    kas = _kas(coop)
    first = tre.post(f"/loans/{loan.id}/payoff", json=body, headers={"Idempotency-Key": "po-7"})
    again = tre.post(f"/loans/{loan.id}/payoff", json=body, headers={"Idempotency-Key": "po-7"})
    assert first.status_code == again.status_code == 201 and again.json == first.json
    assert _kas(coop) == kas + 9_000_000 and _payoffs(loan) == 1
    other = tre.post(f"/loans/{loan.id}/payoff", json=body | {"paid_on": "2026-01-21"},
                     headers={"Idempotency-Key": "po-7"})
    assert other.status_code == 409 and other.json["error"]["code"] == "idempotency_conflict"
    closed = tre.post(f"/loans/{loan.id}/payoff", json=body, headers={"Idempotency-Key": "po-8"})
    assert closed.status_code == 409 and closed.json["error"]["code"] == "loan_not_active"
    assert tre.get(f"/loans/{loan.id}/payoff-quote?as_of=2026-01-20").status_code == 409
    assert _kas(coop) == kas + 9_000_000 and _payoffs(loan) == 1


def test_penalties_and_a_charged_fee_are_in_the_quote(api, coop, staff, member, make_loan, make_loan_product):
    """Product with a 1 % fee charged with instalment 1 (90.000, not deducted) and the default penalty
    (1 % of the overdue instalment after 15 days). Before anything is due the quote is the principal
    plus the whole fee: 9.090.000. Nothing paid; the daily job of 21 Feb (16 days late) charges
    1 % x 930.000 = 9.300; on 25 Feb payoff = 9.000.000 + 90.000 interest + 90.000 fee + 9.300 penalty
    = 9.189.300, later interest 11 x 90.000 waived."""
    product = make_loan_product(coop, fee_percent=Decimal(1), fee_deducted=False)
    loan = make_loan(coop, member, product=product, first_due_date=DUE)
    tre = api(staff["treasurer"])
    before = tre.get(f"/loans/{loan.id}/payoff-quote?as_of=2026-01-20").json
    assert (before["principal"], before["interest"], before["fee"], before["penalty"], before["total"]) == (
        9_000_000, 0, 90_000, 0, 9_090_000)
    atomic(jobs.run_daily, coop.id, date(2026, 2, 21))
    quote = tre.get(f"/loans/{loan.id}/payoff-quote?as_of=2026-02-25").json
    assert {k: quote[k] for k in ("principal", "interest", "fee", "penalty", "total", "interest_waived")} == {
        "principal": 9_000_000, "interest": 90_000, "fee": 90_000, "penalty": 9_300, "total": 9_189_300,
        "interest_waived": 990_000}
    paid = tre.post(f"/loans/{loan.id}/payoff", json={"amount": 9_189_300, "paid_on": "2026-02-25"})
    assert paid.status_code == 201, paid.json
    assert paid.json["allocation"] == {"penalty": 9_300, "fee": 90_000, "interest": 90_000, "principal": 9_000_000}
    income = {code: account_by_code(coop.id, code).natural_balance()
              for code in (chart.PENDAPATAN_JASA, chart.PENDAPATAN_PROVISI, chart.PENDAPATAN_DENDA)}
    assert income == {chart.PENDAPATAN_JASA: 90_000, chart.PENDAPATAN_PROVISI: 90_000,
                      chart.PENDAPATAN_DENDA: 9_300}


def test_payoff_amount_must_equal_the_quote(api, coop, staff, member, make_loan):
    """6.750.000 handed over when 6.840.000 is owed: 422 payoff_amount_mismatch naming the amount due;
    nothing is booked and the loan stays active."""
    loan = make_loan(coop, member, first_due_date=DUE)
    tre = api(staff["treasurer"])
    tre.post(f"/loans/{loan.id}/repayments", json={"amount": 2_520_000, "paid_on": "2026-04-05"})
    kas = _kas(coop)
    short = tre.post(f"/loans/{loan.id}/payoff", json={"amount": 6_750_000, "paid_on": "2026-05-20"})
    assert short.status_code == 422
    assert short.json["error"]["code"] == "payoff_amount_mismatch"
    assert short.json["error"]["fields"] == {"amount": ["harus 6840000"]}
    assert "Rp 6.840.000" in short.json["error"]["message"]
    assert _kas(coop) == kas and tre.get(f"/loans/{loan.id}").json["status"] == "active"


def test_bad_input_is_422_with_field_errors(api, coop, staff, member, make_loan):
    """Junk and impossible dates are field errors, never a 500: a float amount, no date, a quote day that
    is not a date, a payoff before the disbursement (5 Jan) or before the last repayment (5 Mar)."""
    loan = make_loan(coop, member, first_due_date=DUE)
    tre = api(staff["treasurer"])
    url = f"/loans/{loan.id}/payoff"
    assert tre.post(url, json={"amount": 1.5, "paid_on": "2026-03-01"}).json["error"]["fields"].keys() == {"amount"}
    assert tre.post(url, json={"amount": 100}).json["error"]["fields"].keys() == {"paid_on"}
    assert tre.post(url, json={"amount": 100, "paid_on": "2026-03-01", "channel": "emas"}).status_code == 422
    bad = tre.get(f"/loans/{loan.id}/payoff-quote?as_of=kemarin")
    assert bad.status_code == 422 and "as_of" in bad.json["error"]["fields"]
    early = tre.get(f"/loans/{loan.id}/payoff-quote?as_of=2026-01-01")
    assert early.status_code == 422 and "as_of" in early.json["error"]["fields"]
    tre.post(f"/loans/{loan.id}/repayments", json={"amount": 840_000, "paid_on": "2026-03-05"})
    before = tre.post(url, json={"amount": 8_250_000, "paid_on": "2026-03-01"})
    assert before.status_code == 422 and before.json["error"]["fields"] == {"paid_on": ["sebelum pembayaran terakhir"]}
    assert tre.get(f"/loans/{loan.id}/payoff-quote?as_of=2026-03-04").status_code == 422


def test_roles(api, coop, staff, users, member, make_loan):
    """The quote is readable like the loan (auditor yes; a member only for his own loan: 404 otherwise);
    paying off is the cash desk's (treasurer/admin): a manager or auditor gets 403."""
    loan = make_loan(coop, member, first_due_date=DUE)
    assert api(users["auditor"]).get(f"/loans/{loan.id}/payoff-quote?as_of=2026-01-20").status_code == 200
    assert api(users["member"]).get(f"/loans/{loan.id}/payoff-quote?as_of=2026-01-20").status_code == 404
    body = {"amount": 9_000_000, "paid_on": "2026-01-20"}
    assert api(staff["manager"]).post(f"/loans/{loan.id}/payoff", json=body).status_code == 403
    assert api(users["auditor"]).post(f"/loans/{loan.id}/payoff", json=body).status_code == 403
    assert api(users["admin"]).post(f"/loans/{loan.id}/payoff", json=body).status_code == 201
