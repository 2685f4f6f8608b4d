"""Reschedule (restrukturisasi) over the API: POST /loans/{id}/reschedule calls loans.reschedule, the
service of the loan page's "Jadwal ulang" form, and answers with the new schedule."""
from __future__ import annotations

from datetime import date

DUE = date(2026, 2, 5)


def test_reschedule_returns_the_new_schedule_with_the_due_interest_carried(api, coop, staff, member, make_loan):
    """Flat 1 % on 9.000.000 over 12 months, instalments 1-2 paid (5 Mar). On 20 May 7.500.000 is left and
    the interest of instalments 3 and 4 (5 Apr, 5 May: 2 x 90.000) is unpaid. Rescheduled over 10 months
    from 5 Jun: 750.000 principal + 75.000 interest a month, the first carrying the 180.000 too
    (interest 255.000, total 1.005.000); total interest 10 x 75.000 + 180.000 = 930.000. The loan says
    schedule version 2, term 10, rescheduled 20 May, and its schedule is the new one."""
    loan = make_loan(coop, member, first_due_date=DUE)
    api(staff["treasurer"]).post(f"/loans/{loan.id}/repayments", json={"amount": 1_680_000, "paid_on": "2026-03-05"})
    mgr = api(staff["manager"])
    resp = mgr.post(f"/loans/{loan.id}/reschedule", json={"rescheduled_on": "2026-05-20", "term_months": 10,
                                                           "first_due_date": "2026-06-05"},
                    headers={"Idempotency-Key": "rs-1"})
    assert resp.status_code == 200, resp.json
    new = resp.json
    assert (new["loan_id"], new["schedule_version"], len(new["instalments"]), new["total_interest"]) == (
        loan.id, 2, 10, 930_000)
    first, second, last = new["instalments"][0], new["instalments"][1], new["instalments"][-1]
    assert {k: first[k] for k in ("number", "due_date", "principal", "interest", "total", "status")} == {
        "number": 1, "due_date": "2026-06-05", "principal": 750_000, "interest": 255_000, "total": 1_005_000,
        "status": "open"}
    assert (second["due_date"], second["interest"], second["total"]) == ("2026-07-05", 75_000, 825_000)
    assert (last["number"], last["due_date"]) == (10, "2027-03-05")
    assert sum(i["principal"] for i in new["instalments"]) == 7_500_000
    got = mgr.get(f"/loans/{loan.id}").json
    assert (got["term_months"], got["rescheduled_on"], got["schedule_version"], got["outstanding_principal"]) == (
        10, "2026-05-20", 2, 7_500_000)
    assert mgr.get(f"/loans/{loan.id}/schedule").json == new
    again = mgr.post(f"/loans/{loan.id}/reschedule", json={"rescheduled_on": "2026-05-20", "term_months": 10,
                                                            "first_due_date": "2026-06-05"},
                     headers={"Idempotency-Key": "rs-1"})
    assert again.json == new and mgr.get(f"/loans/{loan.id}").json["schedule_version"] == 2


def test_reschedule_refusals(api, coop, staff, users, member, make_loan):
    """First due date not after the reschedule day, a term of 0 or 361, a missing field, a day before the
    last repayment: 422 naming the field. The treasurer and the auditor: 403. A closed loan: 409."""
    loan = make_loan(coop, member, first_due_date=DUE)
    api(staff["treasurer"]).post(f"/loans/{loan.id}/repayments", json={"amount": 840_000, "paid_on": "2026-03-05"})
    mgr = api(staff["manager"])
    url = f"/loans/{loan.id}/reschedule"
    ok = {"rescheduled_on": "2026-05-20", "term_months": 10, "first_due_date": "2026-06-05"}
    for bad, field in (({"first_due_date": "2026-05-20"}, "first_due_date"), ({"term_months": 0}, "term_months"),
                       ({"term_months": 361}, "term_months"), ({"term_months": "10"}, "term_months"),
                       ({"rescheduled_on": "2026-03-01"}, "rescheduled_on")):
        resp = mgr.post(url, json=ok | bad)
        assert resp.status_code == 422 and field in resp.json["error"]["fields"], (bad, resp.json)
    missing = mgr.post(url, json={"term_months": 10})
    assert missing.status_code == 422 and missing.json["error"]["fields"].keys() == {"rescheduled_on", "first_due_date"}
    assert api(staff["treasurer"]).post(url, json=ok).status_code == 403
    assert api(users["auditor"]).post(url, json=ok).status_code == 403
    assert mgr.get(f"/loans/{loan.id}").json["schedule_version"] == 1
    closed = make_loan(coop, member, principal=1_200_000, term_months=2, first_due_date=DUE)
    api(staff["treasurer"]).post(f"/loans/{closed.id}/payoff", json={"amount": 1_200_000, "paid_on": "2026-01-20"})
    conflict = mgr.post(f"/loans/{closed.id}/reschedule", json=ok)
    assert conflict.status_code == 409 and conflict.json["error"]["code"] == "loan_not_active"
