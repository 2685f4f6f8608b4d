"""Access to community parenting: officer, admin and facilitator read and write; EVERY other role gets 404
on every route of the area (API.md: a child's existence is not revealed); the facilitator sees nothing
else (403 elsewhere, as any wrong role)."""
from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from coop.auth.roles import ALL_ROLES, PARENTING
from tests.tenancy_objects import Ctx


def _area_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/parenting", "/api/v1/parenting")):
            yield rule


def _paths(app, ids):
    for rule in _area_routes(app):
        values = {}
        for name, conv in rule._converters.items():
            values[name] = ids[name] if isinstance(conv, IntegerConverter) else "x"
        path = re.sub(r"^[^/]*", "", rule.build(values, append_unknown=False)[1])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path


@pytest.fixture
def own_objects(coop, today):
    """A child and a session of the user's OWN cooperative (the tenancy factories, pointed at ``coop``)."""
    from tests.tenancy_objects import FACTORIES

    ctx = Ctx(coop=coop, users={}, today=today)
    return {"child_id": FACTORIES["child_id"](ctx), "parenting_session_id": FACTORIES["parenting_session_id"](ctx)}


def test_the_area_has_the_routes_the_walk_covers(app):
    """Does the walk below see the API table's routes and the pages (so it cannot pass on nothing)?"""
    rules = {r.rule for r in _area_routes(app)}
    for path in ("/api/v1/parenting/children", "/api/v1/parenting/children/<int:child_id>",
                 "/api/v1/parenting/groups", "/api/v1/parenting/sessions",
                 "/api/v1/parenting/sessions/<int:parenting_session_id>/attendance", "/api/v1/parenting/at-risk",
                 "/api/v1/parenting/reports/quarterly", "/parenting/", "/parenting/children/new",
                 "/parenting/sessions/<int:parenting_session_id>/attendance", "/parenting/reports"):
        assert path in rules
    assert len(rules) >= 20


@pytest.mark.parametrize("role", [r for r in ALL_ROLES if r not in PARENTING])
def test_every_other_role_gets_404_on_every_route(app, coop, make_user, api, login, own_objects, role):
    """Does every API route and page of the area answer 404 (never 403, never 200) to this role, for
    objects that DO exist in the user's own cooperative?"""
    user = make_user(coop, role)
    json_client, web = api(user), login(user)
    checked = 0
    for method, path in _paths(app, own_objects):
        if path.startswith("/api/"):
            resp = json_client._call(method.lower(), path[len("/api/v1"):], json={})
        else:
            resp = getattr(web, method.lower())(path, data={})
        assert resp.status_code == 404, f"{method} {path} as {role} -> {resp.status_code}"
        checked += 1
    assert checked >= 25


@pytest.mark.parametrize("role", sorted(PARENTING))
def test_parenting_roles_reach_every_route(app, coop, make_user, api, login, own_objects, role):
    """Does each GET of the area answer 200 to officer, admin and facilitator (the objects exist)?"""
    user = make_user(coop, role)
    json_client, web = api(user), login(user)
    for method, path in _paths(app, own_objects):
        if method != "GET":
            continue
        if path.startswith("/api/"):
            resp = json_client.get(path[len("/api/v1"):] + ("?quarter=2026Q4" if "quarterly" in path else ""))
        else:
            resp = web.get(path)
        assert resp.status_code == 200, f"GET {path} as {role} -> {resp.status_code}"


def test_facilitator_sees_only_this_area(coop, make_user, api, login):
    """Is the facilitator's menu Beranda + Parenting only, and is every other area 403 on pages and API?"""
    from coop.blueprints.nav import nav_for

    user = make_user(coop, "facilitator")
    web = login(user)
    assert [ep for ep, _ in nav_for(user)] == ["main.dashboard", "parenting.index"]
    assert web.get("/dashboard").status_code == 200
    for path in ("/members/", "/cashdesk/", "/loans/", "/registry/", "/training/", "/ledger/", "/reports/",
                 "/admin/users"):
        assert web.get(path).status_code == 403, path
    client = api(user)
    for path in ("/residents", "/ledger/trial-balance", "/exports/journal.csv", "/training/programs",
                 "/training/cohorts"):
        assert client.get(path).status_code == 403, path
    assert client.get("/me").get_json()["role"] == "facilitator"
