"""Write-off (hapus buku, maker-checker) and recoveries over the API: POST /loans/{id}/write-off,
/write-off/approval and /recoveries call request_write_off, approve_write_off and record_recovery, the
services behind the loan page's buttons."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.ledger import chart
from coop.ledger.models import JournalEntry
from coop.ledger.services import account_by_code
from coop.loans import jobs
from coop.loans.models import LoanRecovery

pytestmark = pytest.mark.usefixtures("any_class_may_be_written_off")

DUE = date(2026, 2, 5)


def _bal(coop, code) -> int:
    return account_by_code(coop.id, code).natural_balance()


def _write_off_entries(coop) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(
        JournalEntry.cooperative_id == coop.id, JournalEntry.source == "loans.write_off"))


def test_maker_cannot_approve_own_write_off_and_a_second_manager_can(api, coop, staff, member, make_loan):
    """9.000.000, instalment 1 paid (750.000 principal), nothing since: on 25 Aug instalment 2 (due 5 Mar) is
    173 days late, Kurang Lancar; the August PPAP puts 10 % of 8.250.000 = 825.000 in 1209. Manager 1
    requests (the loan stays active, he is the maker); his own approval is 403 and a second request is
    409. Manager 2 approves on 1 Sep: the 8.250.000 is taken 825.000 from the provision and 7.425.000 as
    expense (5102); the replay posts once."""
    loan = make_loan(coop, member, first_due_date=DUE)
    mgr, mgr2 = api(staff["manager"]), api(staff["manager2"])
    api(staff["treasurer"]).post(f"/loans/{loan.id}/repayments", json={"amount": 840_000, "paid_on": "2026-02-05"})
    atomic(jobs.run_daily, coop.id, date(2026, 8, 25))
    atomic(jobs.post_provision, coop.id, date(2026, 8, 31))
    assert _bal(coop, chart.PENYISIHAN) == 825_000
    expense = _bal(coop, chart.BEBAN_PENYISIHAN)

    req = mgr.post(f"/loans/{loan.id}/write-off", json={"reason": "Peminjam pindah ke luar negeri"})
    assert req.status_code == 200, req.json
    assert (req.json["status"], req.json["write_off_requested_by_id"]) == ("active", staff["manager"].id)
    own = mgr.post(f"/loans/{loan.id}/write-off/approval", json={"written_off_on": "2026-09-01"})
    assert own.status_code == 403 and own.json["error"]["code"] == "maker_checker"
    twice = mgr2.post(f"/loans/{loan.id}/write-off", json={"reason": "Sama"})
    assert twice.status_code == 409 and twice.json["error"]["code"] == "write_off_already_requested"

    body = {"written_off_on": "2026-09-01"}
    ok = mgr2.post(f"/loans/{loan.id}/write-off/approval", json=body, headers={"Idempotency-Key": "wo-1"})
    assert ok.status_code == 200, ok.json
    assert {k: ok.json[k] for k in ("status", "written_off_amount", "outstanding_principal", "closed_on",
                                    "write_off_approved_by_id")} == {
        "status": "written_off", "written_off_amount": 8_250_000, "outstanding_principal": 0,
        "closed_on": "2026-09-01", "write_off_approved_by_id": staff["manager2"].id}
    assert _bal(coop, chart.PENYISIHAN) == 0
    assert _bal(coop, chart.BEBAN_PENYISIHAN) == expense + 7_425_000
    again = mgr2.post(f"/loans/{loan.id}/write-off/approval", json=body, headers={"Idempotency-Key": "wo-1"})
    assert again.status_code == 200 and again.json == ok.json and _write_off_entries(coop) == 1
    late = mgr2.post(f"/loans/{loan.id}/write-off/approval", json=body, headers={"Idempotency-Key": "wo-2"})
    assert late.status_code == 409 and _write_off_entries(coop) == 1


def test_write_off_conflicts_roles_and_bad_input(api, coop, staff, users, member, make_loan):
    """Approval with no request is 409 no_write_off_request; a blank reason is 422 on reason; the treasurer
    and the auditor are 403 (managers and admins decide); an applied (not disbursed) loan is 409; an
    approval dated before the disbursement is 422 on written_off_on."""
    loan = make_loan(coop, member, first_due_date=DUE)
    mgr = api(staff["manager"])
    none = mgr.post(f"/loans/{loan.id}/write-off/approval", json={})
    assert none.status_code == 409 and none.json["error"]["code"] == "no_write_off_request"
    blank = mgr.post(f"/loans/{loan.id}/write-off", json={"reason": "   "})
    assert blank.status_code == 422 and "reason" in blank.json["error"]["fields"]
    assert mgr.post(f"/loans/{loan.id}/write-off", json={}).json["error"]["fields"].keys() == {"reason"}
    for who in (staff["treasurer"], users["auditor"]):
        assert api(who).post(f"/loans/{loan.id}/write-off", json={"reason": "x"}).status_code == 403
        assert api(who).post(f"/loans/{loan.id}/write-off/approval", json={}).status_code == 403
    applied = make_loan(coop, member, status="applied")
    assert mgr.post(f"/loans/{applied.id}/write-off", json={"reason": "x"}).status_code == 409
    assert mgr.post(f"/loans/{loan.id}/write-off", json={"reason": "Macet"}).status_code == 200
    early = api(users["admin"]).post(f"/loans/{loan.id}/write-off/approval", json={"written_off_on": "2026-01-01"})
    assert early.status_code == 422 and early.json["error"]["fields"] == {"written_off_on": ["sebelum tanggal pencairan"]}
    assert api(users["admin"]).post(f"/loans/{loan.id}/write-off/approval", json={}).status_code == 200


def test_recoveries_after_write_off_are_income_and_replay_posts_once(api, coop, staff, member, make_loan):
    """Written off on 1 Sep (9.000.000, no provision: all of it expense). 750.000 received on 1 Oct is
    income 4104 and Kas; the same key and body again returns the same 201 without a second entry; a
    further 250.000 makes 1.000.000 recovered. A recovery dated before the write-off is 422, on an
    active loan 409, and a float amount 422."""
    loan = make_loan(coop, member, first_due_date=DUE)
    api(staff["manager"]).post(f"/loans/{loan.id}/write-off", json={"reason": "Tidak dapat dihubungi"})
    api(staff["manager2"]).post(f"/loans/{loan.id}/write-off/approval", json={"written_off_on": "2026-09-01"})
    tre = api(staff["treasurer"])
    kas, income = _bal(coop, chart.KAS), _bal(coop, chart.PENDAPATAN_PEMULIHAN)
    body = {"amount": 750_000, "received_on": "2026-10-01"}
    first = tre.post(f"/loans/{loan.id}/recoveries", json=body, headers={"Idempotency-Key": "rec-1"})
    assert first.status_code == 201, first.json
    assert {k: first.json[k] for k in ("loan_id", "amount", "received_on", "written_off_amount",
                                       "recovered_total")} == {
        "loan_id": loan.id, "amount": 750_000, "received_on": "2026-10-01", "written_off_amount": 9_000_000,
        "recovered_total": 750_000}
    assert first.json["voucher_number"] and first.json["entry_id"]
    again = tre.post(f"/loans/{loan.id}/recoveries", json=body, headers={"Idempotency-Key": "rec-1"})
    assert again.status_code == 201 and again.json == first.json
    assert (_bal(coop, chart.KAS), _bal(coop, chart.PENDAPATAN_PEMULIHAN)) == (kas + 750_000, income + 750_000)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoanRecovery)
                             .where(LoanRecovery.loan_id == loan.id)) == 1
    more = tre.post(f"/loans/{loan.id}/recoveries", json={"amount": 250_000, "received_on": "2026-10-15"})
    assert more.status_code == 201 and more.json["recovered_total"] == 1_000_000
    early = tre.post(f"/loans/{loan.id}/recoveries", json={"amount": 1_000, "received_on": "2026-08-31"})
    assert early.status_code == 422 and early.json["error"]["fields"].keys() == {"received_on"}
    assert tre.post(f"/loans/{loan.id}/recoveries", json={"amount": 10.5, "received_on": "2026-10-01"}).status_code == 422
    assert api(staff["manager"]).post(f"/loans/{loan.id}/recoveries", json=body).status_code == 403
    active = make_loan(coop, member, first_due_date=DUE)
    conflict = tre.post(f"/loans/{active.id}/recoveries", json=body)
    assert conflict.status_code == 409 and conflict.json["error"]["code"] == "not_written_off"
    assert _bal(coop, chart.PENDAPATAN_PEMULIHAN) == income + 1_000_000
