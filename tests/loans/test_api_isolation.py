"""The loan actions of the API (payoff quote and payoff, write-off request and approval, recoveries,
reschedule) never touch another cooperative's loan: 404, and nothing changes there."""
from __future__ import annotations

from datetime import date


def test_another_cooperatives_loan_is_404_for_every_loan_action(api, coop, make_coop, make_member, make_loan,
                                                                loan_staff, users):
    """Is another cooperative's loan 404 not_found for the payoff quote, payoff, write-off request and
    approval, recovery and reschedule, and do the same calls succeed for that cooperative's own staff, the
    loan unchanged?"""
    other = make_coop()
    theirs = make_loan(other, make_member(other), first_due_date=date(2026, 2, 5))
    theirs.collectibility = 5  # Macet, as the daily job would have it: a write-off may be asked for
    ours = loan_staff(coop)
    mgr, mgr2, tre = api(ours["manager"]), api(ours["manager2"]), api(ours["treasurer"])
    calls = [
        (tre, "get", f"/loans/{theirs.id}/payoff-quote?as_of=2026-01-20", None),
        (api(users["auditor"]), "get", f"/loans/{theirs.id}/payoff-quote", None),
        (tre, "post", f"/loans/{theirs.id}/payoff", {"amount": 9_000_000, "paid_on": "2026-01-20"}),
        (mgr, "post", f"/loans/{theirs.id}/write-off", {"reason": "Macet"}),
        (mgr2, "post", f"/loans/{theirs.id}/write-off/approval", {"written_off_on": "2026-09-01"}),
        (tre, "post", f"/loans/{theirs.id}/recoveries", {"amount": 100_000, "received_on": "2026-10-01"}),
        (mgr, "post", f"/loans/{theirs.id}/reschedule", {"rescheduled_on": "2026-05-20", "term_months": 10,
                                                         "first_due_date": "2026-06-05"}),
    ]
    for client, method, path, body in calls:
        resp = client.get(path) if method == "get" else client.post(path, json=body)
        assert resp.status_code == 404, (path, resp.status_code, resp.json)
        assert resp.json["error"]["code"] == "not_found"
    # the same calls work on the other cooperative's own loan: the 404 above is the tenancy check
    theirs_staff = loan_staff(other)
    assert api(theirs_staff["treasurer"]).get(f"/loans/{theirs.id}/payoff-quote?as_of=2026-01-20").status_code == 200
    assert api(theirs_staff["manager"]).post(f"/loans/{theirs.id}/write-off", json={"reason": "Macet"}).status_code == 200
    assert theirs.status == "active" and theirs.schedule_version == 1 and theirs.outstanding_principal == 9_000_000
