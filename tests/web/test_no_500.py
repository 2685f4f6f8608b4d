"""Nothing a user can type into the address bar gives a server error: every GET route (HTML and API) is
walked with an existing id and a missing one for each integer argument, and with junk query parameters
(non-numbers, impossible dates, huge numbers, a NUL byte). A 4xx is fine; a 5xx or an exception is not."""
from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from coop.auth.roles import ALL_ROLES
from tests.tenancy_objects import FACTORIES, Ctx

JUNK_QUERIES = [
    "page=x&as_of=x&from=x&to=x&limit=x&cursor=x&q=%00",
    "page=99999999999999999999999&limit=99999999999999999999&as_of=2026-13-01&from=2026-13-01&to=0000-00-00",
    "page=-5&limit=-1&as_of=99999-01-01&from=2026-02-30&to=1&cursor=%ff%fe&q=%ff",
    "page=0&limit=0&year=x&month=13&status=%00&role=x&date=x&on=x&value_date=x&period=x&format=x",
]
#: The first and last day a date can hold: arithmetic on them (a day before, a year after, a month end)
#: overflows if unguarded. Every date-looking parameter gets them.
BOUNDARY_DATES = ("0001-01-01", "9999-12-31")
DATE_PARAMS = ("date", "as_of", "from", "to", "on", "value_date", "start", "end", "starts_on", "ends_on",
               "paid_on", "due_on", "joined_on", "held_on", "applied_on", "disbursed_on", "since", "until",
               "period_start", "period_end", "completed_on", "birth_date", "effective_on", "decided_on")
BOUNDARY_QUERIES = ["&".join(f"{p}={d}" for p in DATE_PARAMS) + f"&year={d[:4]}&month={d[5:7]}"
                    for d in BOUNDARY_DATES]
JUNK_QUERIES += BOUNDARY_QUERIES
MISSING_ID = 2**62


def _get_rules(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            ints = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
            yield rule, ints


def _paths(app, ids):
    """(path, is_api) for every GET rule, once with existing ids and once with a missing one."""
    for rule, ints in sorted(_get_rules(app), key=lambda r: r[0].rule):
        variants = [{a: ids.get(a, MISSING_ID) for a in ints}]
        if ints:
            variants.append({a: MISSING_ID for a in ints})
        for values in variants:
            for name in rule.arguments - set(ints):
                values[name] = "x"
            path = re.sub(r"^[^/]*", "", rule.build(values, append_unknown=False)[1])
            yield path, rule.rule.startswith("/api/")


def _objects(rules, coop, users, today) -> dict:
    """One object per id name the rules need (route factories, tests/tenancy_objects.py)."""
    ctx = Ctx(coop=coop, users=users, today=today)
    ids = {}
    for _rule, ints in rules:
        for arg in ints:
            if arg not in ids and arg in FACTORIES:
                ids[arg] = FACTORIES[arg](ctx)
    return ids


def _probe(failures: list, label: str, send, *args, **kwargs) -> bool:
    """``send(*args, **kwargs)`` one request; a raised exception or a 5xx is a failure.
    :returns: whether it was answered."""
    try:
        resp = send(*args, **kwargs)
        status = resp.status_code
        resp.close()  # streamed exports end their request context
    except Exception as exc:  # noqa: BLE001 - any exception is what these tests look for
        failures.append(f"{label} raised {type(exc).__name__}: {exc}"[:300])
        from coop.db import db
        db.session.rollback()
        return False
    if status >= 500:
        failures.append(f"{label} -> {status}")
    return True


@pytest.mark.parametrize("role", ["admin", "member"])
def test_no_get_route_gives_a_server_error_with_junk_input(app, coop, make_user, login, api, today, role):
    """For an admin and a member, does no GET route, with real ids and with each junk query string, give a
    server error, with more than 100 requests checked?"""
    users = {r: make_user(coop, r) for r in ALL_ROLES}
    ids = _objects(_get_rules(app), coop, users, today)
    web = login(users[role])
    json_client = api(users[role])
    failures = []
    checked = 0
    for path, is_api in _paths(app, ids):
        for query in ["", *JUNK_QUERIES]:
            url = f"{path}?{query}" if query else path
            if is_api:
                checked += _probe(failures, f"GET {url}", json_client.get, url[len("/api/v1"):])
            else:
                checked += _probe(failures, f"GET {url}", web.get, url)
    assert not failures, "\n".join(failures)
    assert checked > 100


JUNK_FORMS = [
    {},
    {"amount": "99999999999999999999999999", "value_date": "2026-13-01", "page": "x", "principal": "-1",
     "term_months": "x", "rate": "nan", "date": "0000-00-00", "nik": "\x00", "member_id": "x", "q": "%00",
     "product_id": "99999999999999999999", "account_id": "x", "username": "", "role": "x", "name": ""},
]


def _form_field_names() -> set[str]:
    """Every field name of every WTForms form in the code base (so the junk reaches the real fields)."""
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import coop

    names = set()
    for mod in pkgutil.walk_packages(coop.__path__, "coop."):
        if mod.name.endswith(".forms"):
            for obj in vars(importlib.import_module(mod.name)).values():
                if isinstance(obj, type) and issubclass(obj, FlaskForm):
                    names |= {k for k, v in vars(obj).items() if hasattr(v, "field_class")}
    return names


def _is_date_name(name: str) -> bool:
    return name in DATE_PARAMS or name.endswith(("_on", "_date", "date_from", "date_to")) or name == "date"


def _junk_forms() -> list[dict]:
    names = _form_field_names()
    dates = sorted(n for n in names if _is_date_name(n))
    return [*JUNK_FORMS, {n: "99999999999999999999999" for n in names}, {n: "x\x00" for n in names},
            {n: "-1" for n in names}, *({**{n: "1" for n in names}, **{n: d for n in dates}} for d in BOUNDARY_DATES)]


def _post_rules(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith("/api/") and rule.endpoint not in (
                "auth.logout", "auth.login"):
            ints = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
            yield rule, ints


@pytest.mark.parametrize("role", ["admin", "treasurer"])
def test_no_form_gives_a_server_error_with_missing_or_junk_fields(app, coop, make_user, login, today, role):
    """Every HTML form POSTed empty, with junk values, and with a non-UTF-8 file upload: never a 5xx."""
    users = {r: make_user(coop, r) for r in ALL_ROLES}
    ids = _objects(_post_rules(app), coop, users, today)
    failures = []
    checked = 0
    junk = _junk_forms()
    assert len(junk[-1]) > 30
    from io import BytesIO

    for rule, ints in sorted(_post_rules(app), key=lambda r: r[0].rule):
        values = {a: ids.get(a, MISSING_ID) for a in ints}
        for name in rule.arguments - set(ints):
            values[name] = "x"
        path = re.sub(r"^[^/]*", "", rule.build(values, append_unknown=False)[1])
        for data in [*junk, "upload"]:
            web = login(users[role])
            if data == "upload":
                data = {"file": (BytesIO(b"\xff\xfe\x00nik;nama\n\x81\x82;\xc3\x28\n"), "x.csv")}
            checked += _probe(failures, f"POST {path} {list(data)[:3]}", web.post, path, data=dict(data),
                              content_type="multipart/form-data")
    assert not failures, "\n".join(failures)
    assert checked > 20


@pytest.mark.parametrize("value", ["nan", "sNaN", "-inf", "Infinity", "101", "-1"])
def test_loan_product_form_refuses_non_finite_or_out_of_range_percents(users, login, value):
    """A percent typed as NaN/Infinity parses as a Decimal; the product form shows a field error (was a 500
    from the database's NOT NULL/CHECK), and nothing is created."""
    from coop.db import db
    from coop.loans.models import LoanProduct

    web = login(users["admin"])
    data = {"name": "Produk Aneh", "method": "flat", "frequency": "monthly", "min_term_months": "1",
            "max_term_months": "12", "min_principal": "100000", "max_principal": "1000000", "grace_periods": "0",
            "rounding_multiple": "1", "fee_fixed": "0", "penalty_kind": "none", "penalty_fixed": "0",
            "penalty_grace_days": "0", "allocation_order": "penalty,fee,interest,principal",
            "rate_percent_per_month": value, "fee_percent": "0", "penalty_percent": "0"}
    resp = web.post("/loans/products", data=data)
    assert resp.status_code == 200
    assert db.session.query(LoanProduct).filter_by(name="Produk Aneh").count() == 0


@pytest.mark.parametrize("value", ["nan", "sNaN", "Infinity"])
def test_savings_product_form_refuses_non_finite_percents(users, login, value):
    """A signalling NaN typed as the savings product's rate made the range validator raise (500); now the
    form shows an error and nothing is created."""
    from coop.db import db
    from coop.savings.models import SavingsProduct

    resp = login(users["admin"]).post("/members/products/new", data={
        "code": "ANEH", "name": "Produk Aneh", "kind": "sukarela", "min_balance": "0", "interest_method": "none",
        "interest_rate": value, "early_withdrawal_penalty": value, "maturity_action": "sukarela"})
    assert resp.status_code == 200
    assert db.session.query(SavingsProduct).filter_by(name="Produk Aneh").count() == 0


def test_a_nul_character_is_a_422_naming_the_field(users, login):
    """PostgreSQL refuses NUL in text (the driver raised: 500 on every search box given %00); a NUL in a
    page's query string or form is refused up front with a 422 (the API's schemas answer per field)."""
    web = login(users["admin"])
    assert web.get("/members/?q=ab%00").status_code == 422
    assert web.post("/training/programs/new", data={"name": "Kelas\x00"}).status_code == 422
    assert web.get("/members/?q=ab").status_code == 200
