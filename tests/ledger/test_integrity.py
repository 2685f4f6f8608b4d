"""Issue 13 items 3 and 4: a sub-ledger's entries are not reversed by the general journal, manual entries
keep off control accounts and member sub-accounts, and ``ledger verify`` reconciles every sub-ledger
(loans, savings accounts, cash counts) with the journal, naming the object that disagrees."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.errors import Conflict
from coop.ledger import periods
from coop.ledger.models import Account, JournalEntry
from coop.ledger.rules import Line
from coop.ledger.services import post_entry
from coop.ledger.verify import verify
from coop.loans.lookups import instalments, outstanding_principal
from coop.loans.repayments import repay
from coop.savings import services as savings
from coop.savings.cash import cash_balance_as_of, record_cash_count


@pytest.fixture
def repaid_loan(coop, make_member, make_loan, users, today):
    """Rp 3.000.000 flat 1 % for 10 months (instalment 300.000 pokok + 30.000 jasa), three instalments of
    Rp 330.000 paid: outstanding 3.000.000 - 3 x 300.000 = 2.100.000 in the ledger and the schedule."""
    start = today - timedelta(days=120)
    member = make_member(coop, joined_on=start - timedelta(days=30))
    loan = make_loan(coop, member, principal=3_000_000, term_months=10, applied_on=start)
    reps = [atomic(repay, coop.id, loan.id, 330_000, actor=users["treasurer"], paid_on=start + timedelta(days=d))
            for d in (10, 20, 30)]
    assert outstanding_principal(loan) == 2_100_000
    return loan, reps


def _schedule_outstanding(loan) -> int:
    return sum(i.principal_due - i.principal_paid for i in instalments(loan))


def _codes(result) -> dict[str, dict]:
    return {p["code"]: p for p in result["problems"]}


def test_generic_reversal_of_a_loan_repayment_is_refused(coop, users, repaid_loan):
    """Does the journal's reversal refuse a loan repayment's entry with 409 owned_by_subledger naming the
    loans page, leaving ledger and schedule both at 2.100.000?"""
    loan, reps = repaid_loan
    with pytest.raises(Conflict) as err:
        atomic(periods.request_reversal, coop.id, reps[-1].entry_id, actor=users["treasurer"], reason="salah input")
    assert err.value.code == "owned_by_subledger" and err.value.status == 409
    assert "pinjaman" in err.value.fields["action"][0] and "halaman pinjaman" in err.value.message
    with pytest.raises(Conflict):  # the backstop: an approval filed before this rule cannot execute it either
        atomic(periods.reverse_entry, coop.id, reps[-1].entry_id, actor=users["treasurer"],
               approved_by=users["manager"])
    assert outstanding_principal(loan) == 2_100_000 == _schedule_outstanding(loan)
    assert verify(coop.id)["ok"] is True


def test_generic_reversal_of_savings_and_disbursement_refused(coop, users, make_member, fund, repaid_loan, today):
    """Are a savings deposit and a loan disbursement refused too (each naming its own area), while a
    journal-only entry is still reversible?"""
    loan, _ = repaid_loan
    member = make_member(coop)
    dep = fund(member, "sukarela", 50_000, value_date=today)
    with pytest.raises(Conflict) as err:
        atomic(periods.request_reversal, coop.id, dep.entry.id, actor=users["treasurer"], reason="x")
    assert err.value.code == "owned_by_subledger" and "simpanan" in err.value.message
    with pytest.raises(Conflict) as err:
        atomic(periods.request_reversal, coop.id, loan.disbursement_entry_id, actor=users["treasurer"], reason="x")
    assert err.value.code == "owned_by_subledger" and "pencairan" in err.value.message
    kas, lain = (db.session.scalar(sa.select(Account.id).where(Account.cooperative_id == coop.id, Account.code == c))
                 for c in ("1101", "4201"))
    manual = atomic(post_entry, coop.id, [Line.dr(kas, 10_000), Line.cr(lain, 10_000)], actor=users["treasurer"],
                    memo="lain-lain", value_date=today)
    assert atomic(periods.request_reversal, coop.id, manual.id, actor=users["treasurer"], reason="x").status == "pending"


def test_reversal_page_shows_the_refusal(coop, users, login, repaid_loan):
    """Does the entry page's reversal request refuse the repayment with the owning area's message?"""
    _, reps = repaid_loan
    client = login(users["treasurer"])
    resp = client.post(f"/ledger/entries/{reps[0].entry_id}/reversal", data={"reason": "salah"},
                       follow_redirects=True)
    assert resp.status_code == 200 and "halaman pinjaman" in resp.get_data(as_text=True)


def test_api_manual_entry_refuses_control_and_member_accounts(coop, users, api, make_member, fund, today):
    """Does POST /ledger/entries answer 422 naming 1201 (a control account) and a member's simpanan pokok
    sub-account, and still post Kas against other income?"""
    member = make_member(coop)
    pokok = savings.account_for(coop.id, member.id, "pokok").ledger_account.code
    client = api(users["treasurer"])
    body = {"value_date": today.isoformat(), "memo": "koreksi",
            "lines": [{"account_code": "1201", "debit": 5_000}, {"account_code": "1101", "credit": 5_000}]}
    r = client.post("/ledger/entries", json=body)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "subledger_account"
    assert "1201" in r.get_json()["error"]["fields"]["lines"][0]
    body["lines"] = [{"account_code": "1101", "debit": 5_000}, {"account_code": pokok, "credit": 5_000}]
    r = client.post("/ledger/entries", json=body)
    assert r.status_code == 422 and pokok in r.get_json()["error"]["fields"]["lines"][0]
    assert savings.account_for(coop.id, member.id, "pokok").balance == 100_000
    body["lines"] = [{"account_code": "1101", "debit": 5_000}, {"account_code": "4201", "credit": 5_000}]
    assert client.post("/ledger/entries", json=body).status_code == 201


def test_manual_entry_page_refuses_a_member_sub_account(coop, users, login, make_member, today):
    """Does the page form (whose list hides them, but whose POST takes any id) refuse a savings sub-account?"""
    member = make_member(coop)
    acc = savings.account_for(coop.id, member.id, "sukarela").ledger_account
    kas = db.session.scalar(sa.select(Account.id).where(Account.cooperative_id == coop.id, Account.code == "1101"))
    client = login(users["treasurer"])
    page = client.get("/ledger/entries/new")
    assert page.status_code == 200
    data = {"value_date": today.isoformat(), "memo": "setor titipan",
            "lines-0-account_id": kas, "lines-0-debit": "20.000", "lines-0-credit": "",
            "lines-1-account_id": acc.id, "lines-1-debit": "", "lines-1-credit": "20.000"}
    resp = client.post("/ledger/entries/new", data=data)
    assert resp.status_code == 200 and acc.code in resp.get_data(as_text=True)
    assert savings.account_for(coop.id, member.id, "sukarela").balance == 0


def test_verify_names_a_repayment_reversed_behind_the_loans_back(coop, users, repaid_loan, today):
    """The issue's case: an entry reversing the third repayment posted without the loans service (as the
    generic reversal did) leaves 2.400.000 in the ledger and 2.100.000 in the schedule: does verify say so?"""
    loan, reps = repaid_loan
    original = reps[-1]
    lines = [Line(p.account_id, debit=p.credit, credit=p.debit) for p in db.session.get(JournalEntry, original.entry_id).postings]
    atomic(post_entry, coop.id, lines, actor=users["treasurer"], memo="balik", value_date=today,
           source="ledger.reversal", reverses_id=original.entry_id)
    result = verify(coop.id)
    found = _codes(result)
    assert result["ok"] is False
    p = found["loan_outstanding_mismatch"]
    assert (p["object"], p["expected"], p["found"]) == (f"loan:{loan.number}", 2_400_000, 2_100_000)
    assert p["entry_id"] is None and p["voucher_number"] is None
    assert found["loan_repayment_reversed_in_journal"]["object"] == f"loan:{loan.number}"


def test_verify_names_each_tampered_sub_ledger(coop, users, repaid_loan, make_member, fund, today):
    """Raw SQL that bypasses the services (schedule, loan principal, repayment row, savings balance, cash
    count): is each named with its object, the journal's figure and the sub-ledger's?"""
    loan, reps = repaid_loan
    member = make_member(coop)
    fund(member, "sukarela", 75_000, value_date=today)
    sukarela = savings.account_for(coop.id, member.id, "sukarela")
    counted = cash_balance_as_of(coop.id, today)
    atomic(record_cash_count, coop.id, today, counted, actor=users["treasurer"])
    assert verify(coop.id)["ok"] is True
    conn = db.session.connection()
    first = instalments(loan)[0]
    conn.execute(sa.text("UPDATE loan_instalments SET principal_paid = 0 WHERE id = :i"), {"i": first.id})
    conn.execute(sa.text("UPDATE loans SET principal = 3500000 WHERE id = :i"), {"i": loan.id})
    conn.execute(sa.text("UPDATE loan_repayments SET principal = 1 WHERE id = :i"), {"i": reps[1].id})
    conn.execute(sa.text("UPDATE accounts SET balance = balance - 5000 WHERE id = :i"),
                 {"i": sukarela.ledger_account_id})
    conn.execute(sa.text("UPDATE cash_counts SET counted = counted + 1000 WHERE cooperative_id = :c"), {"c": coop.id})
    db.session.expire_all()
    result = verify(coop.id)
    found = _codes(result)
    assert result["ok"] is False
    loan_obj = f"loan:{loan.number}"
    assert (found["loan_outstanding_mismatch"]["object"], found["loan_outstanding_mismatch"]["expected"],
            found["loan_outstanding_mismatch"]["found"]) == (loan_obj, 2_100_000, 2_400_000)
    assert (found["loan_disbursement_mismatch"]["expected"], found["loan_disbursement_mismatch"]["found"]) == (
        3_000_000, 3_500_000)
    assert (found["loan_repayment_mismatch"]["expected"], found["loan_repayment_mismatch"]["found"]) == (300_000, 1)
    s = found["savings_balance_mismatch"]
    assert (s["object"], s["expected"], s["found"]) == (f"savings_account:{sukarela.account_number}", 75_000, 80_000)
    c = found["cash_count_mismatch"]
    assert (c["object"], c["expected"], c["found"]) == (f"cash_count:{today.isoformat()}", counted, counted + 1000)


def test_api_and_cli_verify_report_sub_ledger_problems(coop, users, api, repaid_loan, app):
    """Do GET /ledger/verify (every problem with object/expected/found) and `flask ledger verify` (exit 1,
    the loan named) report a tampered schedule?"""
    loan, _ = repaid_loan
    body = api(users["auditor"]).get("/ledger/verify").get_json()
    assert body["ok"] is True and body["problems"] == []
    db.session.connection().execute(sa.text("UPDATE loan_instalments SET principal_paid = 0 WHERE loan_id = :i"),
                                    {"i": loan.id})
    body = api(users["auditor"]).get("/ledger/verify").get_json()
    assert body["ok"] is False
    p = body["problems"][0]
    assert set(p) == {"code", "message", "entry_id", "voucher_number", "object", "expected", "found"}
    assert p == {"code": "loan_outstanding_mismatch", "entry_id": None, "voucher_number": None,
                 "object": f"loan:{loan.number}", "expected": 2_100_000, "found": 3_000_000,
                 "message": p["message"]}
    assert loan.number in p["message"]
    result = app.test_cli_runner().invoke(args=["ledger", "verify", "--cooperative-id", str(coop.id)])
    assert result.exit_code == 1 and loan.number in result.output


def test_api_reversal_request_refuses_a_repayment(coop, users, api, repaid_loan, today):
    """Does POST /ledger/entries/{id}/reversal-requests answer 409 owned_by_subledger for a loan repayment
    (naming the loans page), 201 pending for a journal-only entry, and 422 without a reason?"""
    _loan, reps = repaid_loan
    client = api(users["treasurer"])
    r = client.post(f"/ledger/entries/{reps[0].entry_id}/reversal-requests", json={"reason": "salah input"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "owned_by_subledger"
    assert "halaman pinjaman" in r.get_json()["error"]["fields"]["action"][0]
    body = {"value_date": today.isoformat(), "memo": "lain-lain",
            "lines": [{"account_code": "1101", "debit": 10_000}, {"account_code": "4201", "credit": 10_000}]}
    entry_id = client.post("/ledger/entries", json=body).get_json()["id"]
    r = client.post(f"/ledger/entries/{entry_id}/reversal-requests", json={"reason": "dobel"})
    assert r.status_code == 201 and r.get_json()["status"] == "pending" and r.get_json()["entry_id"] == entry_id
    assert client.post(f"/ledger/entries/{entry_id}/reversal-requests", json={}).status_code == 422
