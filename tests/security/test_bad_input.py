"""Finding 8: boundary dates and hostile member-number formats are 4xx, never a 500 or a broken header."""
from __future__ import annotations

import json

import pytest

from coop.db import db


@pytest.mark.parametrize("url", ["/cashdesk/daybook?date=0001-01-01", "/cashdesk/daybook?date=9999-12-31",
                                 "/loans/reports?as_of=9999-12-31", "/loans/reports?as_of=0001-01-01",
                                 "/reports/?from=0001-01-01&to=9999-12-31"])
def test_boundary_dates_on_pages_are_a_422(client, users, login, url):
    """Do the first and last representable dates give a 422 page instead of a 500?"""
    login(users["admin"])
    assert client.get(url).status_code == 422


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31", "from=0001-01-01&to=9999-12-31"])
def test_beancount_export_with_boundary_dates_is_a_422(api, users, query):
    """Is the beancount export with ?from=0001-01-01 or ?to=9999-12-31 a 422 naming the parameter?"""
    resp = api(users["auditor"]).get(f"/exports/ledger.beancount?{query}")
    assert resp.status_code == 422
    assert set(resp.get_json()["error"]["fields"]) == {k.split("=")[0] for k in query.split("&")}


def test_a_sane_date_still_passes(client, users, login, api):
    """Do ordinary dates (1900 and 2999 are the bounds) still work?"""
    login(users["admin"])
    assert client.get("/cashdesk/daybook?date=1900-01-01").status_code == 200
    assert client.get("/loans/reports?as_of=2999-12-31").status_code == 200
    assert api(users["auditor"]).get("/exports/ledger.beancount?from=2026-01-01&to=2026-12-31").status_code == 200


@pytest.mark.parametrize("fmt", ["{seq.x}", "KDM-000", 'KDM"-{seq}', "KDM\r\nSet-Cookie: x=1-{seq}",
                                 "{seq}{0}", "{seq!r}", "{seq:x<99999}", "{", "A;{seq}"])
def test_hostile_member_number_formats_are_refused(client, users, login, fmt, today):
    """Is a member-number format with {seq.x}, without {seq}, with a quote, CR/LF or a huge width refused
    with a 422 form message (and nothing stored)?"""
    from coop import settings

    login(users["admin"])
    resp = client.post("/admin/settings", data={"key": "member_number_format", "value": fmt,
                                                "effective_on": today.isoformat()})
    assert resp.status_code == 422
    assert settings.get(users["admin"].cooperative_id, "member_number_format", today) == "KDM-{seq:06d}"


def test_a_stored_hostile_format_falls_back_and_headers_stay_clean(coop, users, login, client, make_member, today):
    """A format stored before the check ('KDM"\\r\\nX: y{seq.x}'): registering still numbers the member
    (KDM-000001) and the statement PDF's Content-Disposition has no quote or line break."""
    from coop.db import utcnow
    from coop.settings.models import Setting

    db.session.add(Setting(cooperative_id=coop.id, key="member_number_format",
                           value=json.dumps('KDM"\r\nX: y{seq.x}'), effective_on=today.replace(year=2000),
                           created_at=utcnow()))
    db.session.flush()
    member = make_member(coop)
    assert member.member_number.startswith("KDM-")
    login(users["admin"])
    resp = client.get(f"/members/{member.id}/statement?format=pdf")
    assert resp.status_code == 200
    header = resp.headers["Content-Disposition"]
    assert "\r" not in header and "\n" not in header and header.count('"') == 2


def test_member_number_format_rule():
    """Which formats does the rule accept? {seq:06d} and {seq} with safe text around them."""
    from coop.settings import member_number_format_problem

    assert member_number_format_problem("KDM-{seq:06d}") is None
    assert member_number_format_problem("KSP/{seq}") is None
    assert member_number_format_problem("{seq.real}") is not None


def test_far_date_in_a_json_body_is_a_422(api, users, coop, make_member):
    """Is a JSON body date outside 1900-2999 refused before any arithmetic (422 naming the field)?"""
    from coop.savings.services import account_for

    member = make_member(coop)
    account = account_for(coop.id, member.id, "sukarela")
    resp = api(users["treasurer"]).post(f"/savings-accounts/{account.id}/deposits",
                                        json={"amount": 1000, "value_date": "9999-12-31"})
    assert resp.status_code == 422
    assert "value_date" in resp.get_json()["error"]["fields"]
