"""Tenant isolation: a user of cooperative A gets 404 (or 403) for every object of cooperative B.

The test walks the whole URL map, so routes added later are covered: every integer route argument
needs a factory in ``tests/tenancy_objects.py`` (or ``tests/<area>/tenancy.py``).
"""
from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from coop.auth.roles import ALL_ROLES
from tests.tenancy_objects import FACTORIES, Ctx


def _int_routes(app):
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if ints:
            yield rule, ints


def test_every_integer_route_argument_has_a_factory(app):
    """Does the walk find more than 20 routes with integer arguments, and does every such argument have a
    factory in tests/tenancy_objects.py?"""
    # the app's own <int:> converter subclasses werkzeug's: a name comparison once made this walk nothing
    assert len(list(_int_routes(app))) > 20
    missing = sorted({(arg, r.rule) for r, ints in _int_routes(app) for arg in ints if arg not in FACTORIES})
    assert not missing, f"add factories in tests/tenancy_objects.py for: {missing}"


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_other_cooperatives_objects_are_not_found(app, make_coop, make_user, login, api, today, role):
    """For an admin and an auditor of cooperative A, is every method of every route with integer ids, given
    cooperative B's objects, answered 403 or 404 (web and API), with at least one call per route checked?"""
    coop_a = make_coop("Koperasi A")
    coop_b = make_coop("Koperasi B", village_code="3504042002")
    user_a = make_user(coop_a, role)
    ctx = Ctx(coop=coop_b, users={r: make_user(coop_b, r) for r in ALL_ROLES}, today=today)
    ids = {}
    for _rule, ints in _int_routes(app):
        for arg in ints:
            if arg not in ids and arg in FACTORIES:
                ids[arg] = FACTORIES[arg](ctx)
    web = login(user_a)
    json_client = api(user_a)
    checked = 0
    for rule, ints in _int_routes(app):
        if any(a not in ids for a in ints):
            continue
        values = {a: ids[a] for a in ints}
        for name in rule.arguments - set(ints):
            values[name] = "x"
        path = rule.build(values, append_unknown=False)[1]
        path = re.sub(r"^[^/]*", "", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.rule.startswith("/api/"):
                resp = json_client._call(method.lower(), path[len("/api/v1"):], json={})
            else:
                resp = getattr(web, method.lower())(path, data={})
            assert resp.status_code in (403, 404), f"{method} {path} as {role} of A -> {resp.status_code}"
            checked += 1
    # Nothing to check yet is fine for the foundation alone; once areas add routes this grows.
    assert checked >= len([1 for _ in _int_routes(app)])


#: Routes any logged-in user (or anyone) may call: log in and out, one's own account and language, the API
#: description, public pages and static files. Every other route names the roles it admits.
OPEN_ENDPOINTS = {
    "main.index", "main.dashboard", "main.healthz", "static", "bootstrap.static",
    "auth.login", "auth.logout", "auth.change_password", "auth.set_language",
    "public.index", "public.certificate", "public.receipt",
    "assets.asset", "assets.favicon", "assets.manifest",
    "api.create_token", "api.revoke_current_token", "api.me", "api.change_password", "api.openapi_json",
    "api.openapi_page",
}
#: Blueprints a user without a cooperative may use (their pages check their own roles).
SERVICE_BLUEPRINTS = ("programme", "auth", "public")


def test_every_route_names_the_roles_it_admits(app):
    """Does every route either name its roles (``roles_required``, API ``roles``, the parenting guards) or
    appear in the short list of open routes, so a new role never reads a route by default?"""
    unnamed = sorted(f"{rule.endpoint} {rule.rule}" for rule in app.url_map.iter_rules()
                     if not hasattr(app.view_functions[rule.endpoint], "_coop_roles")
                     and rule.endpoint not in OPEN_ENDPOINTS)
    assert unnamed == []


def _is_service_route(rule) -> bool:
    endpoint = rule.endpoint
    if endpoint in OPEN_ENDPOINTS:
        return True
    if endpoint.startswith("api."):
        return rule.rule.startswith("/api/v1/programme")
    return endpoint.split(".")[0] in SERVICE_BLUEPRINTS


@pytest.mark.parametrize("role", ["coordinator", "service_admin"])
def test_users_without_a_cooperative_get_403_on_every_cooperative_route(
        app, make_coop, make_user, login, api, today, make_coordinator, make_service_admin, role):
    """Does a coordinator or service admin (no cooperative) get 403, never a 500 or a page, on every page
    and API route of a cooperative, with objects that exist?"""
    coop_b = make_coop("Koperasi B", village_code="3504042002")
    user = make_coordinator("3504") if role == "coordinator" else make_service_admin()
    ctx = Ctx(coop=coop_b, users={r: make_user(coop_b, r) for r in ALL_ROLES}, today=today)
    ids = {}
    web = login(user)
    json_client = api(user)
    checked = 0
    for rule in app.url_map.iter_rules():
        if _is_service_route(rule):
            continue
        ints = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        for arg in ints:
            if arg not in ids:
                ids[arg] = FACTORIES[arg](ctx)
        values = {a: ids[a] for a in ints} | {n: "x" for n in rule.arguments - set(ints)}
        path = re.sub(r"^[^/]*", "", rule.build(values, append_unknown=False)[1])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.rule.startswith("/api/"):
                resp = json_client._call(method.lower(), path[len("/api/v1"):], json={})
            else:
                resp = getattr(web, method.lower())(path, data={})
            assert resp.status_code == 403, f"{method} {path} as {role} -> {resp.status_code}"
            checked += 1
    assert checked > 150
