"""A pending write-off request (hapus buku, maker-checker) can be ended without writing the loan off: the
checker rejects it with a reason, or the maker withdraws his own request. Both are audited, clear the
request (so a new one can be made) and post nothing; with no pending request both are 409. Service, loan
page and API (POST /loans/{id}/write-off/rejection and /write-off/withdrawal)."""
from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from coop.audit.models import AuditLog
from coop.db import atomic, db
from coop.errors import Conflict, Forbidden, ValidationError
from coop.ledger.models import JournalEntry
from coop.loans import services as loans

pytestmark = pytest.mark.usefixtures("any_class_may_be_written_off")

DUE = date(2026, 2, 5)


def _audits(loan, action: str) -> list[tuple[int | None, dict]]:
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action, AuditLog.object_type == "loan",
                                                        AuditLog.object_id == str(loan.id)).order_by(AuditLog.id))
    return [(r.actor_id, json.loads(r.summary)) for r in rows]


def _entries(coop) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(
        JournalEntry.cooperative_id == coop.id))


# ------------------------------------------------------------------------------------------------ service

def test_checker_rejects_with_a_reason_and_a_new_request_can_follow(coop, member, make_loan, staff):
    """Manager 1 asks; manager 2 rejects ("masih membayar"): the request is gone, the loan still runs with
    its 9.000.000, nothing is posted, the audit names the reason and the maker. Then manager 2 himself may
    ask, and manager 1 approve."""
    loan = make_loan(coop, member, first_due_date=DUE)
    atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Macet")
    entries = _entries(coop)
    atomic(loans.reject_write_off, coop.id, loan.id, actor=staff["manager2"], reason="  Anggota masih membayar ")
    assert (loan.status, loan.write_off_requested_by_id, loans.outstanding_principal(loan)) == ("active", None,
                                                                                                9_000_000)
    assert _entries(coop) == entries
    assert _audits(loan, "loans.write_off.reject") == [
        (staff["manager2"].id, {"reason": "Anggota masih membayar", "requested_by_id": staff["manager"].id})]
    with pytest.raises(Conflict) as exc:  # nothing pending any more: approval is refused
        atomic(loans.approve_write_off, coop.id, loan.id, actor=staff["manager"], on=date(2026, 9, 1))
    assert exc.value.code == "no_write_off_request"
    atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager2"], note="Pindah ke luar negeri")
    atomic(loans.approve_write_off, coop.id, loan.id, actor=staff["manager"], on=date(2026, 9, 1))
    assert (loan.status, loan.written_off_amount) == ("written_off", 9_000_000)


def test_maker_withdraws_his_own_request(coop, member, make_loan, staff):
    """Only the requester withdraws (another manager gets 403 not_requester, he rejects instead); after it
    the request is gone, audited, and the same maker can ask again."""
    loan = make_loan(coop, member, first_due_date=DUE)
    atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Macet")
    with pytest.raises(Forbidden) as exc:
        atomic(loans.withdraw_write_off, coop.id, loan.id, actor=staff["manager2"])
    assert exc.value.code == "not_requester" and loan.write_off_requested_by_id == staff["manager"].id
    atomic(loans.withdraw_write_off, coop.id, loan.id, actor=staff["manager"], note="Salah pinjaman")
    assert (loan.status, loan.write_off_requested_by_id) == ("active", None)
    assert _audits(loan, "loans.write_off.withdraw") == [(staff["manager"].id, {"note": "Salah pinjaman"})]
    atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Macet lagi")
    assert loan.write_off_requested_by_id == staff["manager"].id


def test_rejection_and_withdrawal_refusals(coop, member, make_loan, staff):
    """No pending request: both 409 no_write_off_request (also on a written-off loan, whose request was
    approved). The maker cannot reject his own request (403 maker_checker); a blank reason is 422; a
    treasurer is 403. A refused call leaves the request in place."""
    loan = make_loan(coop, member, first_due_date=DUE)
    for fn, kw in ((loans.reject_write_off, {"reason": "x"}), (loans.withdraw_write_off, {})):
        with pytest.raises(Conflict) as exc:
            atomic(fn, coop.id, loan.id, actor=staff["manager"], **kw)
        assert exc.value.code == "no_write_off_request"
    atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Macet")
    with pytest.raises(Forbidden) as exc:
        atomic(loans.reject_write_off, coop.id, loan.id, actor=staff["manager"], reason="berubah pikiran")
    assert exc.value.code == "maker_checker"
    with pytest.raises(ValidationError) as exc:
        atomic(loans.reject_write_off, coop.id, loan.id, actor=staff["manager2"], reason="   ")
    assert exc.value.fields == {"reason": ["wajib diisi"]}
    for fn, kw in ((loans.reject_write_off, {"reason": "x"}), (loans.withdraw_write_off, {})):
        with pytest.raises(Forbidden):
            atomic(fn, coop.id, loan.id, actor=staff["treasurer"], **kw)
    assert loan.write_off_requested_by_id == staff["manager"].id
    atomic(loans.approve_write_off, coop.id, loan.id, actor=staff["manager2"], on=date(2026, 9, 1))
    with pytest.raises(Conflict) as exc:
        atomic(loans.reject_write_off, coop.id, loan.id, actor=staff["manager2"], reason="terlambat")
    assert exc.value.code == "no_write_off_request"


# ------------------------------------------------------------------------------------------------ page

def test_loan_page_offers_reject_to_the_checker_and_withdraw_to_the_maker(client, login, coop, member, make_loan,
                                                                         staff, users):
    """The maker sees who asked and a "Tarik kembali" button (no approve/reject); another manager sees
    approve and "Tolak" with a reason field. Rejecting without a reason changes nothing; with one the
    request is gone and the page offers a new request; the maker's withdrawal likewise. A treasurer
    posting either is 403."""
    loan = make_loan(coop, member, first_due_date=DUE)
    atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Macet")
    login(staff["manager"])
    page = client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert staff["manager"].full_name in page and "Tarik kembali pengajuan" in page
    assert "Tolak pengajuan hapus buku" not in page and "Setujui hapus buku" not in page
    login(staff["manager2"])
    page = client.get(f"/loans/{loan.id}").get_data(as_text=True)
    assert "Tolak pengajuan hapus buku" in page and "Setujui hapus buku" in page
    assert "Tarik kembali pengajuan" not in page
    resp = client.post(f"/loans/{loan.id}/write-off/reject", data={"reason": ""}, follow_redirects=True)
    assert resp.status_code == 200 and loan.write_off_requested_by_id == staff["manager"].id
    resp = client.post(f"/loans/{loan.id}/write-off/reject", data={"reason": "Masih membayar"},
                       follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "Pengajuan hapus buku ditolak." in page and "Ajukan hapus buku" in page
    assert loan.write_off_requested_by_id is None
    assert _audits(loan, "loans.write_off.reject")[0][1]["reason"] == "Masih membayar"

    atomic(loans.request_write_off, coop.id, loan.id, actor=staff["manager"], note="Macet")
    login(staff["treasurer"])
    assert client.post(f"/loans/{loan.id}/write-off/withdraw", data={}).status_code == 403
    assert client.post(f"/loans/{loan.id}/write-off/reject", data={"reason": "x"}).status_code == 403
    login(staff["manager"])
    resp = client.post(f"/loans/{loan.id}/write-off/withdraw", data={}, follow_redirects=True)
    assert "Pengajuan hapus buku ditarik kembali." in resp.get_data(as_text=True)
    assert loan.write_off_requested_by_id is None
    resp = client.post(f"/loans/{loan.id}/write-off/withdraw", data={}, follow_redirects=True)
    assert "Belum ada pengajuan hapus buku." in resp.get_data(as_text=True)


# ------------------------------------------------------------------------------------------------ API

def test_api_rejection_and_withdrawal(api, coop, staff, users, member, make_loan, make_coop, make_user):
    """POST /write-off/rejection (checker, reason required) and /write-off/withdrawal (maker, optional
    note) return the loan with write_off_requested_by_id null; 409 with nothing pending, 403 for the maker
    rejecting / another withdrawing / the treasurer and auditor, 422 for a blank or missing reason, 404
    for an unknown id or another cooperative's loan."""
    loan = make_loan(coop, member, first_due_date=DUE)
    mgr, mgr2 = api(staff["manager"]), api(staff["manager2"])
    base = f"/loans/{loan.id}/write-off"
    for path, body in (("/rejection", {"reason": "x"}), ("/withdrawal", {})):
        r = mgr.post(base + path, json=body)
        assert r.status_code == 409 and r.json["error"]["code"] == "no_write_off_request", r.json
    assert mgr.post(base, json={"reason": "Macet"}).status_code == 200
    assert mgr.post(base + "/rejection", json={"reason": "x"}).json["error"]["code"] == "maker_checker"
    assert mgr2.post(base + "/withdrawal", json={}).json["error"]["code"] == "not_requester"
    for who in (staff["treasurer"], users["auditor"]):
        assert api(who).post(base + "/rejection", json={"reason": "x"}).status_code == 403
        assert api(who).post(base + "/withdrawal", json={}).status_code == 403
    for body in ({}, {"reason": "  "}, {"reason": 5}):
        bad = mgr2.post(base + "/rejection", json=body)
        assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"reason"}, bad.json
    assert mgr2.post("/loans/999999/write-off/rejection", json={"reason": "x"}).status_code == 404
    other = make_coop()
    assert api(make_user(other, "manager")).post(base + "/rejection", json={"reason": "x"}).status_code == 404

    ok = mgr2.post(base + "/rejection", json={"reason": "Masih membayar"})
    assert ok.status_code == 200, ok.json
    assert (ok.json["status"], ok.json["write_off_requested_by_id"], ok.json["outstanding_principal"]) == (
        "active", None, 9_000_000)
    assert mgr2.post(base, json={"reason": "Pindah"}).json["write_off_requested_by_id"] == staff["manager2"].id
    wd = mgr2.post(base + "/withdrawal", json={"note": "Keliru"})
    assert wd.status_code == 200 and wd.json["write_off_requested_by_id"] is None
    assert mgr2.post(base + "/withdrawal", json={}).status_code == 409
    assert [a for a, _ in _audits(loan, "loans.write_off.withdraw")] == [staff["manager2"].id]

