"""Ids a client can type but no row has (beyond 32 bits, up to and past 64 bits) are a clean 404 on
every GET route with integer arguments: never an overflow error from the database driver (a 500)."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("big", [2**31, 2**40, 2**63 - 1, 2**63, 10**30])
def test_huge_ids_are_not_found_on_every_get_route(app, users, login, api, big):
    """Does every GET route with an integer id (more than ten of them, web and API) answer 403 or 404, never
    500, for an id of 2**31, 2**40, 2**63 - 1, 2**63 or 10**30?"""
    web = login(users["admin"])
    json_client = api(users["admin"])
    checked = 0
    for rule in app.url_map.iter_rules():
        ints = [n for n, c in rule._converters.items() if type(c).__name__.endswith("IntegerConverter")
                or type(c).__name__ == "Int64Converter"]
        if not ints or "GET" not in rule.methods:
            continue
        values = {n: big if n in ints else "x" for n in rule.arguments}
        path = rule.rule
        for name, value in values.items():
            path = path.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        path = path.replace("<path:", "<").split("<")[0] if "<" in path else path
        if rule.rule.startswith("/api/"):
            resp = json_client.get(path[len("/api/v1"):])
        else:
            resp = web.get(path)
        assert resp.status_code in (403, 404), f"GET {path} -> {resp.status_code}"
        checked += 1
    assert checked > 10
