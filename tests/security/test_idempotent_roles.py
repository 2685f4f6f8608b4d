"""Finding 7: the role check runs before @idempotent looks up a stored response, on every API route."""
from __future__ import annotations

from coop.blueprints.api import idempotent, roles
from tests.training.test_api import _cohort_via_api

_ROLES_CODE = roles("admin")(lambda: None).__code__
_IDEMPOTENT_CODE = idempotent(lambda: None).__code__


def _layers(fn):
    """The decorator layers of a view, outermost first: 'roles', 'idempotent' or None (others)."""
    out = []
    while fn is not None:
        code = getattr(fn, "__code__", None)
        out.append("roles" if code is _ROLES_CODE else "idempotent" if code is _IDEMPOTENT_CODE else None)
        fn = getattr(fn, "__wrapped__", None)
    return [x for x in out if x]


def test_every_idempotent_api_route_checks_roles_first(app):
    """Walking every API view's decorators: wherever @idempotent and @roles both appear, is @roles outside?"""
    checked = []
    for endpoint, view in app.view_functions.items():
        layers = _layers(view)
        if "idempotent" in layers and "roles" in layers:
            assert layers.index("roles") < layers.index("idempotent"), endpoint
            checked.append(endpoint)
    assert "api.pay_allowance" in checked and len(checked) >= 10


def test_a_member_replaying_a_stored_key_gets_403_not_the_body(coop, users, api, make_pmi, today):
    """A treasurer pays an allowance with key K (201); a member sending the same key and body gets 403,
    and a different body gets 403 too (not 409: which keys exist stays hidden)."""
    from coop.db import atomic
    from tests.fixtures_ledger import fill_cash_box

    officer = api(users["officer"])
    cohort = _cohort_via_api(officer, allowance_amount=75_000)
    eid = officer.post(f"/training/cohorts/{cohort['id']}/enrolments", json={"resident_id": make_pmi(coop).id}).json["id"]
    atomic(fill_cash_box, coop.id, 100_000, today)
    headers = {"Idempotency-Key": "uang-saku-rahasia"}
    body = {"paid_on": today.isoformat()}
    first = api(users["treasurer"]).post(f"/training/enrolments/{eid}/allowance", json=body, headers=headers)
    assert first.status_code == 201
    member = api(users["member"])
    assert member.post(f"/training/enrolments/{eid}/allowance", json=body, headers=headers).status_code == 403
    assert member.post(f"/training/enrolments/{eid}/allowance", json={"paid_on": "2026-06-06"},
                       headers=headers).status_code == 403

