"""Dates users type are bounded wherever money or a decision moves (issue 12 item 3): never after the
business date (422 ``future_date`` naming the field), never before the cooperative's founding or the
object's own earlier dates (422 ``date_before_earlier_event`` naming both dates), and absurd dates
(9999-12-31, 0001-01-01) are a 422, never a 500. Every date here is relative to the ``today`` fixture."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from coop.db import atomic, db
from tests.fixtures_ledger import top_up_cash


def _iso(d: date) -> str:
    return d.isoformat()


def _set_founded_on(coop, day: date | None) -> None:
    from coop.auth.models import Cooperative

    def _do():
        db.session.get(Cooperative, coop.id).founded_on = day
    atomic(_do)


@pytest.fixture
def staff(coop, loan_staff):
    return loan_staff(coop)


@pytest.fixture
def member(coop, make_member, today):
    return make_member(coop, joined_on=today - timedelta(days=200))


@pytest.fixture
def active_loan(coop, member, make_loan, today):
    """A loan applied 100 days ago and disbursed 90 days ago."""
    return make_loan(coop, member, applied_on=today - timedelta(days=100),
                     disbursed_on=today - timedelta(days=90))


# ---------------------------------------------------------------- API: loans

def test_repayment_dated_tomorrow_or_9999_is_422_future_date_and_today_is_accepted(api, staff, active_loan,
                                                                                   today):
    """Does a repayment dated tomorrow or 9999-12-31 come back as 422 ``future_date`` naming ``paid_on``
    (nothing posted), while one dated today posts (201)?"""
    tre = api(staff["treasurer"])
    for day in (_iso(today + timedelta(days=1)), "9999-12-31"):
        resp = tre.post(f"/loans/{active_loan.id}/repayments", json={"amount": 100_000, "paid_on": day})
        assert resp.status_code == 422, (day, resp.json)
        err = resp.json["error"]
        assert err["code"] == "future_date"
        assert list(err["fields"]) == ["paid_on"]
        assert _iso(today) in err["message"] and day in err["message"]
    assert tre.get(f"/loans/{active_loan.id}").json["outstanding_principal"] == 9_000_000
    ok = tre.post(f"/loans/{active_loan.id}/repayments", json={"amount": 100_000, "paid_on": _iso(today)})
    assert ok.status_code == 201, ok.json
    assert ok.json["paid_on"] == _iso(today)


def test_repayment_before_disbursement_names_both_dates(api, staff, active_loan, today):
    """Is a repayment dated the day before the disbursement a 422 ``date_before_earlier_event`` whose
    message names the typed date and the disbursement date?"""
    disbursed = today - timedelta(days=90)
    typed = disbursed - timedelta(days=1)
    resp = api(staff["treasurer"]).post(f"/loans/{active_loan.id}/repayments",
                                        json={"amount": 100_000, "paid_on": _iso(typed)})
    assert resp.status_code == 422
    err = resp.json["error"]
    assert err["code"] == "date_before_earlier_event"
    assert err["message"] == f"Tanggal bayar {_iso(typed)} sebelum tanggal pencairan {_iso(disbursed)}."
    assert list(err["fields"]) == ["paid_on"]


def test_repayment_dated_year_one_is_422_not_500(api, staff, active_loan):
    """Is a repayment dated 0001-01-01 a 422 naming ``paid_on`` (never a 500 from date arithmetic)?"""
    resp = api(staff["treasurer"]).post(f"/loans/{active_loan.id}/repayments",
                                        json={"amount": 100_000, "paid_on": "0001-01-01"})
    assert resp.status_code == 422
    assert list(resp.json["error"]["fields"]) == ["paid_on"]


def test_loan_decision_before_application_names_both_dates(api, staff, coop, member, make_loan, today):
    """Is an approval dated before the application a 422 naming both dates, and a decision dated in the
    future a 422 ``future_date``, the loan staying ``applied``; approval dated the application day works?"""
    applied = today - timedelta(days=10)
    loan = make_loan(coop, member, status="applied", applied_on=applied, principal=1_000_000)
    mgr = api(staff["manager"])
    before = mgr.post(f"/loans/{loan.id}/approval",
                      json={"decision": "approve", "decided_on": _iso(applied - timedelta(days=1))})
    assert before.status_code == 422
    assert before.json["error"]["code"] == "date_before_earlier_event"
    assert _iso(applied - timedelta(days=1)) in before.json["error"]["message"]
    assert f"tanggal pengajuan {_iso(applied)}" in before.json["error"]["message"]
    assert list(before.json["error"]["fields"]) == ["decided_on"]
    future = mgr.post(f"/loans/{loan.id}/approval",
                      json={"decision": "approve", "decided_on": _iso(today + timedelta(days=1))})
    assert future.status_code == 422 and future.json["error"]["code"] == "future_date"
    assert mgr.get(f"/loans/{loan.id}").json["status"] == "applied"
    ok = mgr.post(f"/loans/{loan.id}/approval", json={"decision": "approve", "decided_on": _iso(applied)})
    assert ok.status_code == 200 and ok.json["status"] == "approved"


def test_disbursement_before_approval_or_in_the_future_is_422(api, staff, coop, member, make_loan, today):
    """Can an approved loan be disbursed neither before its decision date nor after today (422 naming
    ``disbursed_on``), then on the decision day itself?"""
    applied = today - timedelta(days=20)
    loan = make_loan(coop, member, status="approved", applied_on=applied, principal=1_000_000)
    atomic(top_up_cash, coop.id, 1_000_000, applied)
    tre = api(staff["treasurer"])
    early = tre.post(f"/loans/{loan.id}/disbursement", json={
        "disbursed_on": _iso(applied - timedelta(days=1)), "first_due_date": _iso(today + timedelta(days=30))})
    assert early.status_code == 422 and early.json["error"]["code"] == "date_before_earlier_event"
    assert list(early.json["error"]["fields"]) == ["disbursed_on"]
    late = tre.post(f"/loans/{loan.id}/disbursement", json={
        "disbursed_on": "9999-12-30", "first_due_date": "9999-12-31"})
    assert late.status_code == 422 and late.json["error"]["code"] == "future_date"
    ok = tre.post(f"/loans/{loan.id}/disbursement", json={
        "disbursed_on": _iso(applied), "first_due_date": _iso(applied + timedelta(days=30))})
    assert ok.status_code == 200, ok.json


# ---------------------------------------------------------------- API: ledger and savings

def _journal(value_date: str) -> dict:
    return {"value_date": value_date, "memo": "Beli ATK",
            "lines": [{"account_code": "5201", "debit": 50_000}, {"account_code": "1101", "credit": 50_000}]}


def test_journal_entry_in_the_future_is_422_and_today_posts(api, users, coop, today):
    """Is a manual journal entry dated tomorrow or 9999-12-31 a 422 ``future_date`` naming ``value_date``,
    and one dated today posted (201)?"""
    from coop.ledger.models import JournalEntry

    atomic(top_up_cash, coop.id, 50_000, today)
    client = api(users["treasurer"])
    count = db.session.query(JournalEntry).filter_by(cooperative_id=coop.id).count()
    for day in (_iso(today + timedelta(days=1)), "9999-12-31"):
        resp = client.post("/ledger/entries", json=_journal(day))
        assert resp.status_code == 422, resp.json
        assert resp.json["error"]["code"] == "future_date"
        assert list(resp.json["error"]["fields"]) == ["value_date"]
    assert db.session.query(JournalEntry).filter_by(cooperative_id=coop.id).count() == count
    ok = client.post("/ledger/entries", json=_journal(_iso(today)))
    assert ok.status_code == 201, ok.json


def test_deposit_before_founding_names_both_dates(api, users, coop, member, today):
    """With ``founded_on`` set, is a deposit dated the day before it a 422 naming the typed date and the
    founding date, while one dated the founding day posts?"""
    from coop.savings.services import account_for

    founded = today - timedelta(days=30)
    _set_founded_on(coop, founded)
    acc = account_for(coop.id, member.id, "sukarela")
    client = api(users["treasurer"])
    typed = founded - timedelta(days=1)
    resp = client.post(f"/savings-accounts/{acc.id}/deposits", json={"amount": 10_000, "value_date": _iso(typed)})
    assert resp.status_code == 422
    err = resp.json["error"]
    assert err["code"] == "date_before_earlier_event"
    assert err["message"] == f"Tanggal transaksi {_iso(typed)} sebelum tanggal berdiri koperasi {_iso(founded)}."
    ok = client.post(f"/savings-accounts/{acc.id}/deposits", json={"amount": 10_000, "value_date": _iso(founded)})
    assert ok.status_code == 201, ok.json
    future = client.post(f"/savings-accounts/{acc.id}/deposits",
                         json={"amount": 10_000, "value_date": _iso(today + timedelta(days=1))})
    assert future.status_code == 422 and future.json["error"]["code"] == "future_date"


def test_resignation_before_joining_names_both_dates(api, users, coop, member, today):
    """Is a resignation dated before the member joined a 422 naming both dates (member still active)?"""
    joined = today - timedelta(days=200)
    typed = joined - timedelta(days=5)
    resp = api(users["treasurer"]).post(f"/members/{member.id}/resignation", json={"effective_on": _iso(typed)})
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "date_before_earlier_event"
    assert resp.json["error"]["message"] == (f"Tanggal berlaku {_iso(typed)} sebelum tanggal bergabung "
                                             f"{_iso(joined)}.")
    assert api(users["treasurer"]).get(f"/members/{member.id}").json["status"] == "active"


# ---------------------------------------------------------------- services and the post_entry backstop

def test_post_entry_refuses_a_future_value_date_whatever_the_caller(coop, books, today):
    """Does post_entry itself (the backstop for any path that forgot) refuse tomorrow with ``future_date``
    on ``value_date``, and accept today?"""
    from coop.errors import FutureDate

    b = books(coop)
    with pytest.raises(FutureDate) as exc:
        b.post([("5201", 1_000, 0), ("3901", 0, 1_000)], value_date=today + timedelta(days=1))
    assert exc.value.status == 422 and list(exc.value.fields) == ["value_date"]
    b.post([("5201", 1_000, 0), ("3901", 0, 1_000)], value_date=today)
    assert b.balance("5201") == 1_000


def test_closing_a_period_that_has_not_begun_is_422(coop, users, today):
    """Is closing next month (not begun yet) a 422 ``future_date``, this month (not ended) a 409, while last
    month, its month-end jobs run, may be closed?"""
    from coop.errors import Conflict, FutureDate
    from coop.ledger.periods import close_period
    from tests.fixtures_ledger import month_end_jobs_done

    nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    with pytest.raises(FutureDate):
        atomic(close_period, coop.id, actor=users["admin"], year=nxt.year, month=nxt.month)
    with pytest.raises(Conflict) as not_ended:
        atomic(close_period, coop.id, actor=users["admin"], year=today.year, month=today.month)
    assert not_ended.value.code == "period_not_ended"
    month_end_jobs_done(coop.id, today)
    prev = today.replace(day=1) - timedelta(days=1)
    period = atomic(close_period, coop.id, actor=users["admin"], year=prev.year, month=prev.month)
    assert period.status == "closed"


def test_savings_opening_import_dated_in_the_future_is_refused_whole(coop, member, today):
    """Is a savings opening import dated tomorrow refused (422 naming ``value_date``) before any row is
    read, so nothing is posted?"""
    from coop.errors import FutureDate
    from coop.savings.imports import import_opening_balances

    rows = [{"member_number": member.member_number, "kind": "sukarela", "amount": "50000"}]
    with pytest.raises(FutureDate) as exc:
        atomic(import_opening_balances, coop.id, rows, today + timedelta(days=1), actor=None, dry_run=False)
    assert list(exc.value.fields) == ["value_date"]
    res = atomic(import_opening_balances, coop.id, rows, today, actor=None, dry_run=False)
    assert res.created == 1 and res.total == 50_000


def test_registry_import_row_with_a_future_birth_date_is_a_row_error(coop, users, today):
    """Does a registry import row whose birth date is tomorrow come back as a row error naming its row
    and the ``birth_date`` field (nothing created)?"""
    from coop.registry.imports import import_file
    from tests.fixtures_registry import kk_for, nik_for

    born = today + timedelta(days=1)
    header = "nik,kk_number,full_name,sex,birth_place,birth_date,village_code\n"
    line = f"{nik_for('350404', born, 'F', 1)},{kk_for('350404', 1)},Siti Uji,F,Tulungagung,{_iso(born)},3504042001\n"
    report = atomic(import_file, coop.id, (header + line).encode(), "warga.csv", actor=users["admin"],
                    dry_run=False, as_of=today)
    assert report.created == 0
    errors = report.to_dict()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, "birth_date")], errors


# ---------------------------------------------------------------- pages

def test_journal_page_shows_a_future_date_on_its_field(login, users, coop, today):
    """Does the manual journal page answer a value date of tomorrow with the message on the date field
    (no entry posted), not a 500?"""
    from coop.ledger.models import Account, JournalEntry

    atomic(top_up_cash, coop.id, 50_000, today)
    client = login(users["treasurer"])
    ids = {a.code: a.id for a in db.session.query(Account).filter(Account.cooperative_id == coop.id,
                                                                    Account.code.in_(("5201", "1101")))}
    count = db.session.query(JournalEntry).filter_by(cooperative_id=coop.id).count()
    page = client.get("/ledger/entries/new").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    data = {"value_date": (today + timedelta(days=1)).isoformat(), "memo": "Beli ATK",
            "lines-0-account_id": ids["5201"], "lines-0-debit": "50.000", "lines-0-credit": "",
            "lines-1-account_id": ids["1101"], "lines-1-debit": "", "lines-1-credit": "50.000"}
    if token:
        data["csrf_token"] = token.group(1)
    resp = client.post("/ledger/entries/new", data=data)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f"{_iso(today + timedelta(days=1))} melewati tanggal hari ini" in body
    assert f"tidak boleh setelah hari ini ({_iso(today)})" in body
    assert db.session.query(JournalEntry).filter_by(cooperative_id=coop.id).count() == count


def test_loan_repay_page_refuses_tomorrow_with_a_message(login, staff, active_loan, today):
    """Does the loan page's repayment form refuse tomorrow with the future-date message (nothing paid)?"""
    client = login(staff["treasurer"])
    resp = client.post(f"/loans/{active_loan.id}/repay",
                       data={"amount": "100.000", "paid_on": _iso(today + timedelta(days=1)), "channel": "cash"},
                       follow_redirects=True)
    assert resp.status_code == 200
    assert "melewati tanggal hari ini" in resp.get_data(as_text=True)
    from coop.loans.services import outstanding_principal

    db.session.expire_all()
    assert outstanding_principal(active_loan) == 9_000_000


# ---------------------------------------------------------------- CLI

def test_cooperatives_create_takes_founded_on(runner, today):
    """Does ``cooperatives create --founded-on`` store the founding date, and refuse one after today?"""
    from coop.auth.models import Cooperative

    ok = runner.invoke(args=["cooperatives", "create", "--name", "Koperasi Berdiri", "--village-code",
                             "3504042001", "--founded-on", _iso(today - timedelta(days=400))])
    assert ok.exit_code == 0, ok.output
    row = db.session.query(Cooperative).filter_by(name="Koperasi Berdiri").one()
    assert row.founded_on == today - timedelta(days=400)
    bad = runner.invoke(args=["cooperatives", "create", "--name", "Koperasi Nanti", "--village-code",
                              "3504042001", "--founded-on", _iso(today + timedelta(days=1))])
    assert bad.exit_code != 0 and "melewati tanggal hari ini" in bad.output
    assert db.session.query(Cooperative).filter_by(name="Koperasi Nanti").count() == 0


def test_jobs_run_as_of_tomorrow_still_runs(runner, coop, today):
    """Does ``jobs run --as-of`` tomorrow (allowed: one day ahead) run without tripping the future-date
    bound of post_entry, and leave the business date as it was?"""
    from coop import clock

    res = runner.invoke(args=["jobs", "run", "--as-of", _iso(today + timedelta(days=1))])
    assert res.exit_code == 0, res.output
    assert clock.business_date() == today
